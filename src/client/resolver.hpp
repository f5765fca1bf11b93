#pragma once
// Connection step 1: a host name to the addresses to connect to, in the order to try them.
// --resolve and IP literals are answered at once; other names by the client's DnsResolver
// (c-ares, on the io_context), whose cached answer serves until its TTL ends. -4 / -6 keep one
// family. Private to the client.

#include <chrono>
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

#include "dns_resolver.hpp"
#include "poller/base/asio_defaults.hpp"
#include "poller/client/client_config.hpp"
#include "resumption.hpp"

namespace poller {

using Endpoints = std::vector<net::ip::tcp::endpoint>;
// --resolve: (host, port) to the addresses to use instead of asking.
using ResolveOverrides =
    std::map<std::pair<std::string, std::uint16_t>, std::vector<net::ip::address>>;

struct Resolved {
  using Clock = std::chrono::steady_clock;
  Endpoints endpoints;
  // Until when the addresses are the host's: a pooled connection to one of them is checked
  // against a fresh answer after that. max for --resolve and IP literals.
  Clock::time_point valid_until = Clock::time_point::max();
  std::string failure;  // why there are none; empty when there are
  bool name_server_silent = false;
};

class Resolver {
 public:
  Resolver(net::io_context& io, DnsResolver& dns, const ResolveOverrides& overrides)
      : io_(io), dns_(dns), overrides_(overrides) {}
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // The addresses of `host` (lower case; an IPv6 literal without brackets) of `family`.
  // After cancel(), the result is to be ignored.
  net::awaitable<Resolved> resolve(const std::string& host, std::uint16_t port, IpFamily family);
  // Ends a lookup under way.
  void cancel();

 private:
  net::awaitable<std::tuple<error_code, DnsResolver::Answer>> look_up(const std::string& host);

  net::io_context& io_;
  DnsResolver& dns_;
  const ResolveOverrides& overrides_;
  Resumption<error_code, DnsResolver::Answer> waiting_;  // while a lookup is under way
  DnsResolver::WaiterId waiter_ = 0;
};

}  // namespace poller
