#pragma once
// --metrics-listen ADDR:PORT. Only IP literals (and localhost): a name is not resolved.

#include <cstdint>
#include <string>

namespace poller {

struct ListenAddress {
  std::string address;     // "127.0.0.1", "::1" (no brackets); localhost is 127.0.0.1
  std::uint16_t port = 0;  // 0: a free port, picked when listening
  std::string to_string() const;  // "127.0.0.1:9100", "[::1]:9100"
};

}  // namespace poller
