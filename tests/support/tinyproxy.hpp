#pragma once
// A real HTTP proxy (/usr/bin/tinyproxy, Debian tinyproxy) per test, for --proxy, the proxy
// environment variables and CONNECT tunnels.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/subprocess.hpp"

namespace poller::test {

struct TinyproxyOptions {
  // BasicAuth USER PASSWORD: requests without these credentials get 407.
  std::optional<std::pair<std::string, std::string>> basic_auth{};
  // Ports CONNECT may reach; empty: any port. A CONNECT to another port gets 403.
  std::vector<std::uint16_t> connect_ports{};
};

class Tinyproxy {
 public:
  // Config and log in a TempDir; a free loopback port; tinyproxy in the foreground (-d).
  // Returns once the port accepts connections; throws std::runtime_error when tinyproxy is
  // missing or does not start within 5 s.
  explicit Tinyproxy(TinyproxyOptions options = {});
  ~Tinyproxy();  // SIGTERM, reap
  Tinyproxy(const Tinyproxy&) = delete;
  Tinyproxy& operator=(const Tinyproxy&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:PORT"

  // The request lines tinyproxy read from its clients, in order ("GET http://... HTTP/1.1",
  // "CONNECT 127.0.0.1:443 HTTP/1.1"); the start-up probe is not among them.
  std::vector<std::string> requests() const;
  // Client connections tinyproxy accepted, the start-up probe left out.
  std::size_t connections() const;
  std::string log() const;  // for assertion messages

 private:
  bool start();

  TempDir dir_;
  TinyproxyOptions options_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace poller::test
