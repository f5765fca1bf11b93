#pragma once
// One HTTP/1.1 connection to an origin, plain or TLS, with its read buffer.
// Internal to poller_core: only the client's translation units include this (it pulls in Beast).

#include <chrono>
#include <string>
#include <variant>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "poller/target.hpp"

namespace poller {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

using Deadline = std::chrono::steady_clock::time_point;
using Request = http::request<http::empty_body>;
using ResponseParser = http::response_parser<http::string_body>;

class Connection {
 public:
  Connection(const net::any_io_executor& executor, net::ssl::context& tls, Origin origin);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Origin& origin() const { return origin_; }

  // Connects to the first endpoint that answers; for HTTPS then shakes hands, sending SNI and
  // verifying the certificate against `origin().host`.
  net::awaitable<error_code> open(const tcp::resolver::results_type& endpoints, Deadline deadline);

  net::awaitable<error_code> write(const Request& request, Deadline deadline);

  // Reads one response (a 1xx included) into `parser`, using the connection's buffer.
  net::awaitable<error_code> read(ResponseParser& parser, Deadline deadline);

  // Idle connections only: false when the server has closed it (or sent something unasked).
  bool is_alive_while_idle();

  // Aborts whatever is in flight; the connection is unusable afterwards.
  void cancel();

  // A readable reason for an error of open(): for TLS, which certificate check failed.
  std::string describe_open_error(const error_code& ec);

  std::string remote_ip() const { return remote_ip_; }

 private:
  using PlainStream = beast::tcp_stream;
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  beast::tcp_stream& socket_layer();
  net::awaitable<error_code> handshake(TlsStream& stream, Deadline deadline);

  Origin origin_;
  std::variant<PlainStream, TlsStream> stream_;
  beast::flat_buffer buffer_;
  std::string remote_ip_;
};

}  // namespace poller
