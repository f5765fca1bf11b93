#pragma once
// Running the real poller binary in integration tests.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <chrono>
#include <stdexcept>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "support/subprocess.hpp"
#include "support/test_server.hpp"

namespace poller::test {

inline std::vector<std::string> poller_command(std::initializer_list<std::string> args) {
  std::vector<std::string> argv{POLLER_BINARY};
  argv.insert(argv.end(), args);
  return argv;
}

inline ProcessResult run_poller(std::initializer_list<std::string> args,
                                std::string_view stdin_text = {}) {
  return run_process(poller_command(args), stdin_text);
}

inline std::string lines(std::initializer_list<std::string> urls) {
  std::string text;
  for (auto const& url : urls) text += url + "\n";
  return text;
}

inline std::string repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

inline std::size_t count_of(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// 127.0.x.y, x from 1: each address a distinct host (origin) on the same port.
inline std::vector<std::string> loopback_hosts(int count) {
  std::vector<std::string> hosts;
  for (int i = 0; i < count; ++i) {
    hosts.push_back("127.0." + std::to_string(1 + i / 250) + "." + std::to_string(1 + i % 250));
  }
  return hosts;
}

// A query value for the test server's routes (redirect-to?url=, retry-after?value=): all but
// letters, digits and "/.-" percent-encoded.
inline std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Runs jq -c over `input`; jq exits non-zero on anything that is not JSON.
inline ProcessResult jq(std::string_view program, std::string_view input) {
  return run_process({"/usr/bin/jq", "-c", std::string(program)}, input);
}

// A loopback port nothing listens on: a connection to it is refused. The port stays bound (by a
// socket that never listens, without SO_REUSEADDR) until the test process ends: a port merely
// freed could be handed to a server of a test running beside this one, which would then get
// this test's requests (seen in CI: a server counting 7 requests where its poller made 1).
inline std::uint16_t closed_port() {
  int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("closed_port: cannot bind a loopback port");
  }
  return ntohs(address.sin_port);  // fd is left open on purpose: it holds the port
}

// The metrics URL poller logs once it listens ("serving metrics at http://ADDR:PORT/metrics"),
// or "" when it has not said so within `bound`.
inline std::string metrics_url(Process& poller, std::chrono::milliseconds bound) {
  constexpr std::string_view marker = "serving metrics at ";
  if (!poller.wait_for_stderr("/metrics\n", bound)) return {};
  auto const err = poller.stderr_text();
  auto const start = err.find(marker);
  if (start == std::string::npos) return {};
  auto const end = err.find('\n', start);
  return err.substr(start + marker.size(), end - start - marker.size());
}

}  // namespace poller::test
