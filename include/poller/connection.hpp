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

  // TCP: connects to the first endpoint that answers.
  net::awaitable<error_code> connect(const tcp::resolver::results_type& endpoints, Deadline deadline);

  // HTTPS only (a no-op for HTTP): the TLS handshake, sending SNI and verifying the certificate
  // against `origin().host`.
  net::awaitable<error_code> handshake(Deadline deadline);

  // TLS session resumption: offer a session saved from an earlier connection to the same origin
  // before handshake(); afterwards, whether the server took it, and the session to save (a new
  // reference, or null when there is none to resume).
  void offer_tls_session(SSL_SESSION* session);
  bool tls_resumed();
  SSL_SESSION* resumable_tls_session();

  net::awaitable<error_code> write(const Request& request, Deadline deadline);

  // Reads one response's header (a 1xx included) into `parser`, using the connection's buffer;
  // read() then reads the rest (or the whole response, when called first).
  net::awaitable<error_code> read_header(ResponseParser& parser, Deadline deadline);
  net::awaitable<error_code> read(ResponseParser& parser, Deadline deadline);

  // Idle connections only: false when the server has closed it (or sent something unasked).
  bool is_alive_while_idle();

  // Aborts whatever is in flight; the connection is unusable afterwards.
  void cancel();

  // A readable reason for an error of connect() or handshake(): for TLS, which certificate
  // check failed.
  std::string describe_open_error(const error_code& ec);

  std::string remote_ip() const { return remote_ip_; }

 private:
  using PlainStream = beast::tcp_stream;
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  beast::tcp_stream& socket_layer();

  Origin origin_;
  std::variant<PlainStream, TlsStream> stream_;
  beast::flat_buffer buffer_;
  std::string remote_ip_;
};

}  // namespace poller
