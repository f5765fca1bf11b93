#pragma once
// A network and a set of name files of the test's own: the test process (and every server and
// poller it starts afterwards) moves into a new network namespace, whose only interface is a
// fresh loopback (127.0.0.1, ::1), and a new mount namespace, where the test's hosts and
// resolv.conf are bind-mounted over /etc/hosts and /etc/resolv.conf. The machine's own files
// are untouched, and no query can leave: there is no route out of the namespace, so even a name
// that reached a name server of the machine's could not be sent anywhere. Needs root (as the
// tests run); anything that fails throws, so a test never runs against the machine's resolver.

#include <string>
#include <string_view>
#include <vector>

#include "support/subprocess.hpp"

namespace poller::test {

class PrivateNetwork {
 public:
  // `hosts`: the text of /etc/hosts; `resolv_conf`: of /etc/resolv.conf.
  PrivateNetwork(std::string_view hosts, std::string_view resolv_conf);
  // Takes the files away again, so that a next test in the same process (the namespaces stay)
  // can mount its own over the machine's.
  ~PrivateNetwork();
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;

  // Replaces /etc/hosts's text (the same mount: the file is rewritten in place).
  void write_hosts(std::string_view hosts) const;
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string hosts_path_;
};

// A name server from Debian for the normal paths: dnsmasq on 127.0.0.1:53 (inside a
// PrivateNetwork), answering only from its own arguments and `hosts_file` (re-read on
// reload()), never forwarding. `ttl`: the TTL of its answers, in seconds.
class Dnsmasq {
 public:
  // `more`: further dnsmasq options (--cname=..., --host-record=...).
  Dnsmasq(const PrivateNetwork& network, std::string_view hosts, int ttl,
          const std::vector<std::string>& more = {});
  ~Dnsmasq();
  // Rewrites the hosts file and makes dnsmasq read it again (SIGHUP).
  void reload(std::string_view hosts);
  std::string log() const { return process_.stderr_text(); }  // with each query it answered

 private:
  std::string hosts_path_;
  Process process_;
};

// tests/support/fault_dns.py on 127.0.0.1:53 (inside a PrivateNetwork): slow, silent, failing
// or truncated answers, as its rules say (see the script); set_rules() takes effect at the next
// query.
class FaultDns {
 public:
  FaultDns(const PrivateNetwork& network, std::string_view rules_json);
  void set_rules(std::string_view rules_json);
  std::string log() const { return process_.stderr_text(); }

 private:
  std::string rules_path_;
  Process process_;
};

}  // namespace poller::test
