#include "tls_handshake.hpp"

#include <ctime>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include "poller/base/duration.hpp"
#include "poller/client/tls_handshake_limit.hpp"
#include "tls_socket.hpp"

namespace poller {
namespace {

using Clock = std::chrono::steady_clock;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// Until the server has sent something (or closed), or `patience_end` has passed: then
// asio::error::timed_out. time_point::max() waits until the socket is cancelled.
net::awaitable<error_code> wait_for_server(net::ip::tcp::socket& socket,
                                           Clock::time_point patience_end) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer patience(socket.get_executor(), patience_end);
  auto const first = co_await (socket.async_wait(net::ip::tcp::socket::wait_read, use_tuple) ||
                               patience.async_wait(use_tuple));
  if (first.index() == 0) co_return std::get<0>(std::get<0>(first));
  // Judged when the client looks: an answer that arrived while its one thread was busy elsewhere
  // came in time.
  error_code ec;
  if (socket.available(ec) > 0) co_return error_code{};
  co_return net::error::timed_out;
}

}  // namespace

void TlsHandshake::cancel() {
  cancelled_ = true;
  slot_wait_.cancel();
}

// SNI, the name to verify and the session to resume, set once before the first flight.
net::awaitable<error_code> TlsHandshake::begin(TlsSocket& tls, const Origin& origin) {
  SSL* ssl = tls.native_handle();
  // SNI carries host names only (RFC 6066 section 3); an IP literal is checked against the
  // certificate's IP addresses instead.
  if (is_ip_literal(origin.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), origin.host.c_str());
  } else {
    if (!SSL_set_tlsext_host_name(ssl, origin.host.c_str())) {
      co_return error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
    }
    // OpenSSL's own host check, rather than a verify callback, so that a mismatch is reported
    // as "hostname mismatch" by SSL_get_verify_result instead of a bare "verify failed".
    SSL_set1_host(ssl, origin.host.c_str());
  }
  co_return co_await tls.handshake();
}

net::awaitable<error_code> TlsHandshake::run(TlsSocket& tls, const Origin& origin) {
  had_slot_ = true;
  server_silent_ = false;
  std::optional<SemaphorePermit> slot;
  for (bool begun = false;;) {
    if (!slot) {
      if (cancelled_) co_return net::error::operation_aborted;
      had_slot_ = co_await slots_.acquire(slot_wait_);
      if (!had_slot_) co_return net::error::operation_aborted;
      slot.emplace(slots_);
      // Woken with a slot just as the deadline passed or a cancel came: the abort found no wait.
      if (cancelled_) co_return net::error::operation_aborted;
    }
    error_code ec;
    if (!begun) {
      if (auto const saved = sessions_.take(origin)) SSL_set_session(tls.native_handle(), saved.get());
      begun = true;
      ec = co_await begin(tls, origin);
    } else {
      ec = co_await tls.handshake();
    }
    if (ec != net::error::would_block) co_return ec;
    // The server's turn: with the slot for a while, then without it until the server answers.
    ec = co_await wait_for_server(tls.socket(), Clock::now() + tls_handshake_patience);
    if (ec == net::error::timed_out) {
      slot.reset();
      server_silent_ = true;
      spdlog::debug("{}: no answer to the TLS handshake within {}; waiting for it without a slot",
                    origin.to_string(), format_duration(tls_handshake_patience));
      ec = co_await wait_for_server(tls.socket(), Clock::time_point::max());
      if (!ec) server_silent_ = false;
    }
    if (ec) co_return ec;
  }
}

// ASN1_TIME_to_tm and timegm rather than ASN1_TIME_diff against now: the exact instant, not a
// day-and-second difference from a clock read a moment earlier. A resumed session carries the
// certificate of the handshake that made it.
std::optional<std::chrono::system_clock::time_point> certificate_expiry(TlsSocket& tls) {
  X509* const leaf = SSL_get0_peer_certificate(tls.native_handle());
  if (leaf == nullptr) return std::nullopt;
  std::tm expiry{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &expiry) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(::timegm(&expiry));
}

bool session_resumed(TlsSocket& tls) { return SSL_session_reused(tls.native_handle()) == 1; }

std::string describe_tls_failure(TlsSocket& tls, const error_code& ec) {
  long const verify = SSL_get_verify_result(tls.native_handle());
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
