#include "poller/metrics/listen_address.hpp"

#include <fmt/format.h>

namespace poller {

std::string ListenAddress::to_string() const {
  if (address.find(':') != std::string::npos) return fmt::format("[{}]:{}", address, port);
  return fmt::format("{}:{}", address, port);
}

}  // namespace poller
