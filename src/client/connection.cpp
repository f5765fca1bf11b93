#include "connection.hpp"

#include <algorithm>
#include <ctime>
#include <new>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include "poller/base/asio_defaults.hpp"
#include "read_buffer.hpp"

namespace poller {
namespace {

std::variant<tcp::socket, TlsSocket> make_stream(const net::any_io_executor& executor,
                                                 net::ssl::context* tls, const Origin& origin) {
  using Variant = std::variant<tcp::socket, TlsSocket>;
  if (origin.is_https()) return Variant(std::in_place_index<1>, executor, *tls);
  return Variant(std::in_place_index<0>, executor);
}

// The leaf certificate's notAfter as a time point. ASN1_TIME_to_tm and timegm rather than
// ASN1_TIME_diff against now: the exact instant, not a day-and-second difference from a clock
// read a moment earlier.
std::optional<std::chrono::system_clock::time_point> peer_certificate_expiry(SSL* ssl) {
  X509* const leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return std::nullopt;
  std::tm expiry{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &expiry) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(::timegm(&expiry));
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Connection::Connection(const net::any_io_executor& executor, net::ssl::context* tls, Route route)
    : route_(std::move(route)), stream_(make_stream(executor, tls, route_.origin)) {}

Connection::~Connection() {
  auto* tls = std::get_if<TlsSocket>(&stream_);
  if (tls == nullptr) return;
  if (auto cache = session_cache_.lock()) cache->save(route_.origin, tls->native_handle());
}

tcp::socket& Connection::socket() {
  if (auto* tls = std::get_if<TlsSocket>(&stream_)) return tls->socket();
  return std::get<PlainStream>(stream_);
}

// Endpoint by endpoint, rather than with net::async_connect: Asio's range connect reports a
// socket it could not open (EMFILE, ENFILE: out of descriptors) as "Operation canceled".
net::awaitable<error_code> Connection::connect(const tcp::resolver::results_type& endpoints) {
  error_code ec = net::error::host_not_found;
  tcp::endpoint endpoint;
  for (auto const& entry : endpoints) {
    endpoint = entry.endpoint();
    error_code ignored;
    socket().close(ignored);
    socket().open(endpoint.protocol(), ec);
    if (ec) co_return ec;
    auto [connect_ec] = co_await socket().async_connect(endpoint, use_tuple);
    ec = connect_ec;
    if (!ec || ec == net::error::operation_aborted) break;
  }
  if (ec) co_return ec;
  // Registered anew with the reactor: waiting for the connect left EPOLLOUT in the descriptor's
  // epoll mask for good, and every later wait for readability (TlsSocket's, once per response)
  // re-arms that mask, so epoll_wait returned at once for the writable socket and then had to be
  // called again.
  auto const descriptor = socket().release(ec);
  if (!ec) socket().assign(endpoint.protocol(), descriptor, ec);
  if (ec) co_return ec;
  remote_ip_ = endpoint.address().to_string();
  // Requests are small and sent whole; Nagle would only hold them back.
  socket().set_option(tcp::no_delay(true), ec);
  // Reads and writes are tried at once and waited for only when they would block (see write()).
  socket().non_blocking(true, ec);
  if (ec) co_return ec;
  co_return error_code{};
}

net::awaitable<error_code> Connection::handshake() {
  auto* tls = std::get_if<TlsSocket>(&stream_);
  if (tls == nullptr) co_return error_code{};
  auto& stream = *tls;
  SSL* ssl = stream.native_handle();
  // Called again after a turn of the server's: SNI and the name to verify are set already.
  if (stream.handshake_begun()) co_return co_await handshake_turn(stream);
  // SNI carries host names only (RFC 6066 section 3); an IP literal is checked against the
  // certificate's IP addresses instead.
  if (is_ip_literal(route_.origin.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), route_.origin.host.c_str());
  } else {
    if (!SSL_set_tlsext_host_name(ssl, route_.origin.host.c_str())) {
      co_return error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
    }
    // OpenSSL's own host check, rather than a verify callback, so that a mismatch is reported
    // as "hostname mismatch" by SSL_get_verify_result instead of a bare "verify failed".
    SSL_set1_host(ssl, route_.origin.host.c_str());
  }
  co_return co_await handshake_turn(stream);
}

net::awaitable<error_code> Connection::handshake_turn(TlsSocket& stream) {
  auto const ec = co_await stream.handshake();
  // A resumed session carries the certificate of the handshake that made it.
  if (!ec) certificate_expiry_ = peer_certificate_expiry(stream.native_handle());
  co_return ec;
}

net::awaitable<error_code> Connection::wait_for_server(Deadline patience_end) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer patience(socket().get_executor(), patience_end);
  auto const first = co_await (socket().async_wait(tcp::socket::wait_read, use_tuple) ||
                               patience.async_wait(use_tuple));
  if (first.index() == 0) co_return std::get<0>(std::get<0>(first));
  // Judged when the client looks: an answer that arrived while its one thread was busy elsewhere
  // came in time.
  error_code ec;
  if (socket().available(ec) > 0) co_return error_code{};
  co_return net::error::timed_out;
}

net::awaitable<error_code> Connection::open_tunnel(std::string_view connect_request,
                                                  unsigned& status, std::string& reason) {
  auto& plain = socket();
  auto [write_ec, written] = co_await net::async_write(plain, net::buffer(connect_request), use_tuple);
  if (write_ec) co_return write_ec;
  // Only the header: a 2xx answer to CONNECT has no body (RFC 9110 9.3.6), and after a refusal
  // the connection is dropped, body and all.
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  parser.header_limit(16 * 1024);
  beast::flat_buffer buffer;
  auto [read_ec, read] = co_await http::async_read_header(plain, buffer, parser, use_tuple);
  if (read_ec) co_return read_ec;
  status = parser.get().result_int();
  reason = std::string(parser.get().reason());
  // TLS starts with the client's hello: a proxy that says more before it is out of step.
  if (status / 100 == 2 && buffer.size() != 0) co_return http::error::unexpected_body;
  co_return error_code{};
}

// A request is written at once, without Asio's async_write: a write that completes at once (as
// a small request's nearly always does) would still post its completion through the scheduler,
// which polls epoll once more before running it.
net::awaitable<error_code> Connection::write(std::string_view request, bool& sent_any) {
  auto bytes = net::buffer(request);
  if (auto* tls = std::get_if<TlsSocket>(&stream_)) co_return co_await tls->write(bytes, sent_any);
  auto& plain = std::get<PlainStream>(stream_);
  while (bytes.size() != 0) {
    error_code ec;
    auto const written = plain.write_some(bytes, ec);
    bytes += written;
    if (written != 0) sent_any = true;
    if (ec == net::error::would_block) {
      auto [wait_ec] = co_await plain.async_wait(tcp::socket::wait_write, use_tuple);
      if (wait_ec) co_return wait_ec;
    } else if (ec) {
      co_return ec;
    }
  }
  co_return error_code{};
}

net::awaitable<std::tuple<error_code, std::size_t>> Connection::read_from_stream(
    net::mutable_buffer buffer) {
  if (auto* tls = std::get_if<TlsSocket>(&stream_)) co_return co_await tls->read_some(buffer);
  // Asio's own read, not a read_some() then async_wait(): async_wait re-arms the descriptor with
  // epoll_ctl, and the re-armed EPOLLOUT (the socket is writable) wakes epoll_wait once for
  // nothing; a speculative async_read_some that would block just waits for the next edge.
  co_return co_await std::get<PlainStream>(stream_).async_read_some(buffer, use_tuple);
}

// http::async_read_some, spelled out: Beast's version goes on reading for as long as the parser
// needs more, so a header arriving in pieces would be read whole before the caller could hold it
// to a limit (Beast 1.81 applies header_limit to each piece's unparsed rest, not to the header).
// This one reads from the socket once at most, and returns what the parser made of it.
net::awaitable<error_code> Connection::read_some(ResponseParser& parser, beast::flat_buffer& buffer,
                                                 std::size_t& parsed) {
  parsed = 0;
  for (bool have_read = false;; have_read = true) {
    if (buffer.size() != 0) {
      error_code ec;
      std::size_t used = 0;
      try {
        used = parser.put(buffer.data(), ec);
      } catch (const std::bad_alloc&) {
        // The body grows as it arrives, up to --max-filesize: memory may run out first. That
        // fails this fetch (its connection is dropped), never the run.
        co_return make_error_code(boost::system::errc::not_enough_memory);
      }
      buffer.consume(used);
      parsed += used;
      if (ec != http::error::need_more) co_return ec;
      if (used != 0 || have_read) co_return error_code{};
    }
    auto const room = read_buffer::next_room(buffer.capacity(), buffer.size());
    auto [ec, n] = co_await read_from_stream(buffer.prepare(room));
    buffer.commit(n);
    buffer.reserve(read_buffer::capacity_after_read(buffer.capacity(), room, n));
    if (ec == net::error::eof) {
      if (!parser.got_some()) co_return http::error::end_of_stream;
      error_code eof_ec;
      parser.put_eof(eof_ec);
      co_return eof_ec;
    }
    if (ec) co_return ec;
  }
}

void Connection::offer_tls_session(SSL_SESSION* session) {
  if (auto* tls = std::get_if<TlsSocket>(&stream_)) SSL_set_session(tls->native_handle(), session);
}

bool Connection::tls_resumed() {
  auto* tls = std::get_if<TlsSocket>(&stream_);
  return tls != nullptr && SSL_session_reused(tls->native_handle()) == 1;
}

Connection::IdleState Connection::idle_state() {
  if (!socket().is_open()) return IdleState::closed;
  auto* const tls = std::get_if<TlsSocket>(&stream_);
  // Read ahead, OpenSSL may hold a record that came with the end of the last response.
  bool const buffered = tls != nullptr && SSL_has_pending(tls->native_handle()) == 1;
  if (!buffered) {
    char byte = 0;
    ssize_t const n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return IdleState::closed;  // the server closed it while it sat in the pool
    if (n < 0)
      return errno == EAGAIN || errno == EWOULDBLOCK ? IdleState::quiet : IdleState::closed;
    if (tls == nullptr) return IdleState::unrequested_bytes;
  }
  // Over TLS the bytes may be a record that carries no data: a session ticket, a key update, or
  // the close_notify alert of a server that closed. A non-blocking peek processes such records
  // and says what, if anything, the application would read.
  switch (tls->peek_without_blocking()) {
    case TlsSocket::Waiting::nothing:
      return IdleState::quiet;
    case TlsSocket::Waiting::data:
      return IdleState::unrequested_bytes;
    case TlsSocket::Waiting::closed:
      break;
  }
  return IdleState::closed;
}

void Connection::cancel() {
  error_code ignored;
  socket().cancel(ignored);
  socket().close(ignored);
}

std::string Connection::describe_open_error(const error_code& ec) {
  if (ec == boost::system::errc::too_many_files_open ||
      ec == boost::system::errc::too_many_files_open_in_system) {
    return fmt::format("cannot open a socket: too many open files ({})",
                       ec == boost::system::errc::too_many_files_open
                           ? "EMFILE: poller's descriptor limit, ulimit -n"
                           : "ENFILE: the system-wide limit");
  }
  auto* tls = std::get_if<TlsSocket>(&stream_);
  if (tls == nullptr || ec.category() != net::error::get_ssl_category()) {
    return fmt::format("connect: {}", ec.message());
  }
  long const verify = SSL_get_verify_result(tls->native_handle());
  if (verify != X509_V_OK) {
    return fmt::format("TLS certificate verification failed: {}",
                       X509_verify_cert_error_string(verify));
  }
  // OpenSSL's words for a server stuck on TLS 1.0 or 1.1 ("tlsv1 alert protocol version") do not
  // say what is wrong.
  auto const reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL) {
    return fmt::format("TLS handshake failed: the server does not offer TLS 1.2 or newer ({})",
                       ec.message());
  }
  return fmt::format("TLS handshake failed: {}", ec.message());
}

}  // namespace poller
