#pragma once
// A real nginx (/usr/sbin/nginx, Debian nginx-light) per test, to check the client against a
// server it did not write: keep-alive timeouts, TLS session resumption, connection reuse.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/subprocess.hpp"
#include "support/test_certs.hpp"

namespace poller::test {

struct NginxOptions {
  std::optional<KeyPair> tls{};                // HTTPS (TLS 1.2 and 1.3, session cache) when set
  std::map<std::string, std::string> files{};  // docroot path ("/a.txt" or "a.txt") -> content
  int keepalive_timeout_s = 65;                // 0 disables keep-alive
  // More addresses to listen on, on the same port: many origins (127.0.x.y) on one nginx, its
  // worker_connections grown to match. nginx inherits the test's RLIMIT_NOFILE: raise it first.
  std::vector<std::string> extra_addresses{};
};

struct AccessLogEntry {
  std::uint64_t connection = 0;           // nginx's connection serial number
  std::uint64_t connection_requests = 0;  // 1 for the first request on the connection, then 2, ...
  std::string request{};                  // request line, e.g. "GET /a.txt HTTP/1.1"
  int status = 0;
  bool ssl_session_reused = false;  // TLS session resumed (false without TLS)
  std::string server_address{};     // the address the connection came to ($server_addr)
};

class NginxServer {
 public:
  // Config, docroot, logs and temp paths in a TempDir; a free loopback port; `daemon off;
  // master_process off;` (one foreground process that never switches user). Returns once the
  // port accepts connections; throws std::runtime_error when nginx is missing or fails to start
  // within 5 s (with its error output in the message).
  explicit NginxServer(NginxOptions options = {});
  ~NginxServer();  // SIGTERM, reap (SIGKILL after 5 s)
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path) const;  // "http(s)://127.0.0.1:PORT" + path

  // nginx logs a request only after it has sent the response, so a client that has its response
  // may look before the line is written: the second form waits for `at_least` entries.
  std::vector<AccessLogEntry> access_log() const;
  std::vector<AccessLogEntry> access_log(std::size_t at_least,
                                         std::chrono::milliseconds timeout) const;
  std::string error_log() const;  // for assertion messages

 private:
  bool start(std::chrono::steady_clock::time_point deadline);

  TempDir prefix_;
  NginxOptions options_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace poller::test
