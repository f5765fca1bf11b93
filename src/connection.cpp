#include "poller/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

namespace poller {
namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::variant<tcp::socket, beast::ssl_stream<tcp::socket>> make_stream(
    const net::any_io_executor& executor, net::ssl::context& tls, const Origin& origin) {
  using Variant = std::variant<tcp::socket, beast::ssl_stream<tcp::socket>>;
  if (origin.is_https()) return Variant(std::in_place_index<1>, executor, tls);
  return Variant(std::in_place_index<0>, executor);
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Connection::Connection(const net::any_io_executor& executor, net::ssl::context& tls, Origin origin)
    : origin_(std::move(origin)), stream_(make_stream(executor, tls, origin_)) {}

tcp::socket& Connection::socket() {
  return std::visit([](auto& stream) -> tcp::socket& { return beast::get_lowest_layer(stream); },
                    stream_);
}

net::awaitable<error_code> Connection::connect(const tcp::resolver::results_type& endpoints) {
  auto [ec, endpoint] = co_await net::async_connect(socket(), endpoints, use_tuple);
  if (ec) co_return ec;
  remote_ip_ = endpoint.address().to_string();
  // Requests are small and sent whole; Nagle would only hold them back.
  socket().set_option(tcp::no_delay(true), ec);
  co_return error_code{};
}

net::awaitable<error_code> Connection::handshake() {
  auto* tls = std::get_if<TlsStream>(&stream_);
  if (tls == nullptr) co_return error_code{};
  auto& stream = *tls;
  SSL* ssl = stream.native_handle();
  // SNI carries host names only (RFC 6066 section 3); an IP literal is checked against the
  // certificate's IP addresses instead.
  if (is_ip_literal(origin_.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), origin_.host.c_str());
  } else {
    if (!SSL_set_tlsext_host_name(ssl, origin_.host.c_str())) {
      co_return error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
    }
    // OpenSSL's own host check, rather than a verify callback, so that a mismatch is reported
    // as "hostname mismatch" by SSL_get_verify_result instead of a bare "verify failed".
    SSL_set1_host(ssl, origin_.host.c_str());
  }
  auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::client, use_tuple);
  co_return ec;
}

// The lambdas below are not coroutines: each starts the operation on whichever stream this is and
// returns its awaitable, of one type for both streams, for the caller to co_await.
// The lambdas below are not coroutines: each starts the operation on whichever stream this is and
// returns its awaitable, of one type for both streams, for the caller to co_await.
net::awaitable<error_code> Connection::write(const Request& request) {
  auto [ec, n] = co_await std::visit(
      [&](auto& stream) { return http::async_write(stream, request, use_tuple); }, stream_);
  co_return ec;
}

net::awaitable<error_code> Connection::read_some(ResponseParser& parser, beast::flat_buffer& buffer) {
  auto [ec, n] = co_await std::visit(
      [&](auto& stream) { return http::async_read_some(stream, buffer, parser, use_tuple); },
      stream_);
  co_return ec;
}

void Connection::offer_tls_session(SSL_SESSION* session) {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) SSL_set_session(tls->native_handle(), session);
}

bool Connection::tls_resumed() {
  auto* tls = std::get_if<TlsStream>(&stream_);
  return tls != nullptr && SSL_session_reused(tls->native_handle()) == 1;
}

SSL_SESSION* Connection::resumable_tls_session() {
  auto* tls = std::get_if<TlsStream>(&stream_);
  if (tls == nullptr) return nullptr;
  SSL_SESSION* session = SSL_get1_session(tls->native_handle());
  if (session != nullptr && SSL_SESSION_is_resumable(session) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

bool Connection::is_alive_while_idle() {
  if (!socket().is_open()) return false;
  char byte = 0;
  ssize_t const n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;  // the server closed it while it sat in the pool
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
  // Data nobody asked for. Over TLS it may be a post-handshake message (a session ticket) or a
  // close_notify alert; the two cannot be told apart without reading, so the request goes ahead
  // and, should the connection turn out closed, is retried once on a fresh one.
  return origin_.is_https();
}

void Connection::cancel() {
  error_code ignored;
  socket().cancel(ignored);
  socket().close(ignored);
}

std::string Connection::describe_open_error(const error_code& ec) {
  auto* tls = std::get_if<TlsStream>(&stream_);
  if (tls == nullptr || ec.category() != net::error::get_ssl_category()) {
    return fmt::format("connect: {}", ec.message());
  }
  long const verify = SSL_get_verify_result(tls->native_handle());
  if (verify != X509_V_OK) {
    return fmt::format("TLS certificate verification failed: {}",
                       X509_verify_cert_error_string(verify));
  }
  return fmt::format("TLS handshake failed: {}", ec.message());
}

}  // namespace poller
