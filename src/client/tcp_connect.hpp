#pragma once
// Connection step 2: the TCP connection, raced over the host's addresses as happy eyeballs v2
// does (RFC 8305 sections 4 and 5): the two families interleaved in the resolver's order, a new
// attempt 250 ms after the last one that has not connected (at once when one fails), the first
// to connect wins and the others are closed. An address that drops packets then costs a fetch
// 250 ms, not its --connect-timeout. Private to the client.

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "poller/base/asio_defaults.hpp"
#include "resolver.hpp"

namespace poller {

// RFC 8305 section 5: the recommended Connection Attempt Delay.
inline constexpr std::chrono::milliseconds connection_attempt_delay{250};

// The order the race tries `resolved` in (RFC 8305 section 4): the two families alternated,
// starting with the family of the resolver's first choice, each in the resolver's order.
Endpoints connection_order(const Endpoints& resolved);

class ConnectRace {
 public:
  explicit ConnectRace(net::io_context& io) : io_(io) {}
  ~ConnectRace();
  ConnectRace(const ConnectRace&) = delete;
  ConnectRace& operator=(const ConnectRace&) = delete;

  // Connects `socket` to the first of `endpoints` that accepts, and makes it ready for the
  // client's reads and writes (non-blocking, no Nagle). `peer` is set to the endpoint used.
  net::awaitable<error_code> run(net::ip::tcp::socket& socket, const Endpoints& endpoints,
                                 net::ip::tcp::endpoint& peer);

  // Ends the attempts under way; run() returns operation_aborted.
  void cancel();

  // How each attempt of the last run() ended, for messages: "::1 timed out, 127.0.0.1 refused"
  // (an attempt still under way when cancel() came timed out).
  std::string outcomes() const;
  // How many attempts the last run() started.
  std::size_t attempts() const;

 private:
  struct Race;
  net::io_context& io_;
  std::shared_ptr<Race> race_;  // shared with the attempts' handlers, which may outlive run()
};

// A readable reason for an error of the only connection attempt.
std::string describe_connect_failure(const error_code& ec);

}  // namespace poller
