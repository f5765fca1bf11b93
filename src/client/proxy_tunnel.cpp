#include "proxy_tunnel.hpp"

#include <string>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <fmt/format.h>

#include "poller/base/asio_defaults.hpp"
#include "poller/base/encoding.hpp"
#include "request.hpp"

namespace poller {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Sends `connect_request` and reads the proxy's answer. A refusal is no error: `status` then
// holds the proxy's status (not 2xx) and `reason` its reason phrase.
net::awaitable<error_code> ask_for_tunnel(net::ip::tcp::socket& socket,
                                          std::string_view connect_request, unsigned& status,
                                          std::string& reason) {
  auto [write_ec, written] =
      co_await net::async_write(socket, net::buffer(connect_request), use_tuple);
  if (write_ec) co_return write_ec;
  // Only the header: a 2xx answer to CONNECT has no body (RFC 9110 9.3.6), and after a refusal
  // the connection is dropped, body and all.
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  parser.header_limit(16 * 1024);
  beast::flat_buffer buffer;
  auto [read_ec, read] = co_await http::async_read_header(socket, buffer, parser, use_tuple);
  if (read_ec) co_return read_ec;
  status = parser.get().result_int();
  reason = std::string(parser.get().reason());
  // TLS starts with the client's hello: a proxy that says more before it is out of step.
  if (status / 100 == 2 && buffer.size() != 0) co_return http::error::unexpected_body;
  co_return error_code{};
}

}  // namespace

net::awaitable<std::optional<FetchError>> open_tunnel(net::ip::tcp::socket& socket,
                                                      const Route& route,
                                                      const RequestConfig& config) {
  auto const& proxy = *route.proxy;
  auto const tunnel_to = route.origin.authority();
  std::string connect_request;
  RequestFormatter(config).format_connect(route.origin, proxy, connect_request);
  unsigned status = 0;
  std::string reason;
  auto const ec = co_await ask_for_tunnel(socket, connect_request, status, reason);
  auto const fail = [](std::string message) {
    return FetchError{FetchErrorKind::proxy, std::move(message)};
  };
  if (ec == http::error::unexpected_body) {
    co_return fail(
        fmt::format("proxy {} sent data after opening the tunnel to {}", proxy.display, tunnel_to));
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == net::error::eof) {
    co_return fail(fmt::format("proxy {} closed the connection instead of answering CONNECT {}",
                               proxy.display, tunnel_to));
  }
  if (ec) {
    co_return fail(
        fmt::format("proxy {}: CONNECT {} failed: {}", proxy.display, tunnel_to, ec.message()));
  }
  if (status / 100 != 2) {
    co_return fail(fmt::format("proxy {} refused the tunnel to {}: {} {}", proxy.display, tunnel_to,
                               status, escape_control_characters(reason)));
  }
  co_return std::nullopt;
}

}  // namespace poller
