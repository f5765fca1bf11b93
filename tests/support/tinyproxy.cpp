#include "support/tinyproxy.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "support/ports.hpp"

namespace poller::test {
namespace {

constexpr const char* tinyproxy_path = "/usr/bin/tinyproxy";
constexpr auto start_timeout = std::chrono::seconds(5);

std::string make_config(const std::string& dir, std::uint16_t port, const TinyproxyOptions& options) {
  std::ostringstream c;
  c << "Port " << port << "\n"
    << "Listen 127.0.0.1\n"
    // Long enough that a tunnel idle between rounds is not cut by the proxy.
    << "Timeout 600\n"
    << "LogFile \"" << dir << "/tinyproxy.log\"\n"
    << "LogLevel Connect\n"
    << "MaxClients 100\n"
    << "Allow 127.0.0.1\n"
    << "ViaProxyName \"poller-test-proxy\"\n";
  if (options.basic_auth) c << "BasicAuth " << options.basic_auth->first << " " << options.basic_auth->second << "\n";
  for (auto const port_allowed : options.connect_ports) c << "ConnectPort " << port_allowed << "\n";
  return c.str();
}

// The text after `marker` on each log line that holds it.
std::vector<std::string> entries_after(const std::string& log, std::string_view marker) {
  std::vector<std::string> found;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto const at = line.find(marker);
    if (at == std::string::npos) continue;
    auto const colon = line.find("): ", at);
    if (colon != std::string::npos) found.push_back(line.substr(colon + 3));
  }
  return found;
}

}  // namespace

Tinyproxy::Tinyproxy(TinyproxyOptions options) : options_(std::move(options)) {
  if (::access(tinyproxy_path, X_OK) != 0) {
    throw std::runtime_error(std::string("tinyproxy not found at ") + tinyproxy_path +
                             ": install it (apt-get install tinyproxy); these tests need it");
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (start()) return;
  }
  throw std::runtime_error("tinyproxy: no free port after 3 attempts: " + log());
}

bool Tinyproxy::start() {
  port_ = pick_free_port();
  auto const config = dir_.write_file("tinyproxy.conf", make_config(dir_.path(), port_, options_));
  process_ = std::make_unique<Process>(std::vector<std::string>{tinyproxy_path, "-d", "-c", config});
  return wait_until_listening(*process_, port_, "tinyproxy",
                              std::chrono::steady_clock::now() + start_timeout, [this] { return log(); });
}

Tinyproxy::~Tinyproxy() {
  if (!process_) return;
  process_->send_signal(SIGTERM);
  process_->wait(std::chrono::seconds(5));
}

std::string Tinyproxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> Tinyproxy::requests() const {
  return entries_after(log(), "]: Request (file descriptor ");
}

std::size_t Tinyproxy::connections() const {
  auto const accepted = entries_after(log(), "]: Connect (file descriptor ").size();
  return accepted == 0 ? 0 : accepted - 1;  // the start-up probe's
}

std::string Tinyproxy::log() const { return read_text_file(dir_.path() + "/tinyproxy.log"); }

}  // namespace poller::test
