#include "support/private_network.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace poller::test {
namespace {

void check(bool ok, std::string_view what) {
  if (!ok) {
    throw std::runtime_error("PrivateNetwork: " + std::string(what) + ": " + std::strerror(errno));
  }
}

void bind_over(const std::string& source, const char* target) {
  check(::mount(source.c_str(), target, nullptr, MS_BIND, nullptr) == 0,
        std::string("bind-mount over ") + target);
}

void rewrite(const std::string& path, std::string_view text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  if (!file.flush()) throw std::runtime_error("cannot write " + path);
}

// Waits for a server to say it is ready on stderr (dnsmasq: "started", fault_dns.py: "ready").
void await_ready(Process& process, std::string_view marker, std::string_view name) {
  if (!process.wait_for_stderr(marker, std::chrono::seconds(10))) {
    throw std::runtime_error(std::string(name) + " did not start: " + process.stderr_text());
  }
}

}  // namespace

PrivateNetwork::PrivateNetwork(std::string_view hosts, std::string_view resolv_conf) {
  check(::unshare(CLONE_NEWNET | CLONE_NEWNS) == 0, "unshare");
  // Mounts made from now on stay in this namespace.
  check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, "make / private");
  auto const up = run_process({"/usr/sbin/ip", "link", "set", "lo", "up"});
  if (up.exit_code != 0) throw std::runtime_error("PrivateNetwork: ip link set lo up: " + up.err);
  hosts_path_ = dir_.write_file("hosts", hosts);
  bind_over(hosts_path_, "/etc/hosts");
  bind_over(dir_.write_file("resolv.conf", resolv_conf), "/etc/resolv.conf");
}

PrivateNetwork::~PrivateNetwork() {
  ::umount2("/etc/resolv.conf", MNT_DETACH);
  ::umount2("/etc/hosts", MNT_DETACH);
}

void PrivateNetwork::write_hosts(std::string_view hosts) const { rewrite(hosts_path_, hosts); }

namespace {

std::vector<std::string> joined(std::vector<std::string> first,
                                const std::vector<std::string>& more) {
  first.insert(first.end(), more.begin(), more.end());
  return first;
}

}  // namespace

Dnsmasq::Dnsmasq(const PrivateNetwork& network, std::string_view hosts, int ttl,
                 const std::vector<std::string>& more)
    : hosts_path_(network.dir().write_file("dnsmasq.hosts", hosts)),
      process_(joined({"/usr/sbin/dnsmasq", "--keep-in-foreground", "--log-facility=-", "--log-queries",
                "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll", "--user=root",
                "--port=53", "--listen-address=127.0.0.1", "--bind-interfaces",
                // Names under .test are its own: one it does not know is NXDOMAIN, not REFUSED.
                "--local=/test/",
                "--addn-hosts=" + hosts_path_, "--local-ttl=" + std::to_string(ttl),
                "--pid-file="},
                      more)) {
  await_ready(process_, "started", "dnsmasq");
}

Dnsmasq::~Dnsmasq() = default;

void Dnsmasq::reload(std::string_view hosts) {
  rewrite(hosts_path_, hosts);
  process_.send_signal(SIGHUP);
  if (!process_.wait_for_stderr("read " + hosts_path_, std::chrono::seconds(5), 2)) {
    throw std::runtime_error("dnsmasq did not reload: " + process_.stderr_text());
  }
}

FaultDns::FaultDns(const PrivateNetwork& network, std::string_view rules_json)
    : rules_path_(network.dir().write_file("rules.json", rules_json)),
      process_({"/usr/bin/python3", POLLER_TEST_SUPPORT_DIR "/fault_dns.py", "127.0.0.1", "53",
                rules_path_}) {
  await_ready(process_, "ready", "fault_dns.py");
}

// Renamed into place: the server reads the file at each query, and must never see half of it.
void FaultDns::set_rules(std::string_view rules_json) {
  auto const next = rules_path_ + ".next";
  rewrite(next, rules_json);
  check(std::rename(next.c_str(), rules_path_.c_str()) == 0, "rename the rules");
}

}  // namespace poller::test
