#pragma once
// Origins that accept TCP and never say a word: listening sockets on 127.0.x.y (one port for
// all) that never accept. The kernel completes each TCP connection and takes in what the client
// sends; an HTTP request or a TLS ClientHello is never answered, as with a hung server.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace poller::test {

class SilentOrigins {
 public:
  explicit SilentOrigins(const std::vector<std::string>& hosts) : hosts_(hosts) {
    for (auto const& host : hosts) {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port_);
      ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
      int const listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (listener >= 0) listeners_.push_back(listener);
      socklen_t length = sizeof address;
      if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
          ::listen(listener, 16) != 0 ||
          ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("SilentOrigins: cannot listen on " + host);
      }
      port_ = ntohs(address.sin_port);
    }
  }
  ~SilentOrigins() {
    for (int const listener : listeners_) ::close(listener);
  }
  SilentOrigins(const SilentOrigins&) = delete;
  SilentOrigins& operator=(const SilentOrigins&) = delete;

  std::uint16_t port() const { return port_; }

  // A URL list of `path` on every origin, one a line: "SCHEME://HOST:PORT/PATH\n".
  std::string list(const std::string& scheme, const std::string& path) const {
    std::string text;
    for (auto const& host : hosts_) {
      text += scheme + "://" + host + ":" + std::to_string(port_) + path + "\n";
    }
    return text;
  }

 private:
  std::vector<std::string> hosts_;
  std::vector<int> listeners_;
  std::uint16_t port_ = 0;
};

}  // namespace poller::test
