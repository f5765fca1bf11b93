#pragma once
// Connection step 1: a host name to the addresses to connect to. --resolve and IP literals are
// answered at once; other names go to the system's getaddrinfo, on Asio's resolver thread.
// An asynchronous resolver (c-ares) would take this interface's place. Private to the client.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "poller/base/asio_defaults.hpp"

namespace poller {

using Endpoints = std::vector<net::ip::tcp::endpoint>;
// --resolve: (host, port) to the address to use instead of asking.
using ResolveOverrides = std::map<std::pair<std::string, std::uint16_t>, net::ip::address>;

class Resolver {
 public:
  Resolver(net::io_context& io, const ResolveOverrides& overrides)
      : io_(io), overrides_(overrides) {}

  // The addresses of `host` (lower case; an IPv6 literal without brackets), in the order to try.
  net::awaitable<error_code> resolve(const std::string& host, std::uint16_t port,
                                     Endpoints& endpoints);
  // Ends a lookup under way: it returns operation_aborted.
  void cancel();

 private:
  net::io_context& io_;
  const ResolveOverrides& overrides_;
  std::optional<net::ip::tcp::resolver> resolver_;  // made only for a name that needs it
};

}  // namespace poller
