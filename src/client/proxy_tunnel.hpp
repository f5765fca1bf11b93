#pragma once
// Connection step 3, for https through an HTTP proxy: CONNECT, so that TLS runs end to end
// through the tunnel. Private to the client.

#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "poller/base/fetch_result.hpp"
#include "poller/client/client_config.hpp"
#include "proxy.hpp"

namespace poller {

// Asks the proxy of `route`, connected on `socket`, for a tunnel to its origin. Returns why the
// tunnel could not be had (a `proxy` error), nothing once it is open.
boost::asio::awaitable<std::optional<FetchError>> open_tunnel(boost::asio::ip::tcp::socket& socket,
                                                              const Route& route,
                                                              const RequestConfig& config);

}  // namespace poller
