#pragma once
// Connection step 2: the TCP connection, to the first address that answers. Happy eyeballs
// (RFC 8305: the next address tried while one is slow) would replace this step, not its callers.
// Private to the client.

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "poller/base/asio_defaults.hpp"
#include "resolver.hpp"

namespace poller {

// Connects `socket` to the first of `endpoints` that accepts, and makes it ready for the
// client's reads and writes (non-blocking, no Nagle). `remote_ip` is set to the address used.
net::awaitable<error_code> connect_tcp(net::ip::tcp::socket& socket, const Endpoints& endpoints,
                                       std::string& remote_ip);

// A readable reason for an error of connect_tcp().
std::string describe_connect_failure(const error_code& ec);

}  // namespace poller
