#include "tls_socket.hpp"

#include <cerrno>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/system_error.hpp>
#include <openssl/err.h>

#include "poller/base/asio_defaults.hpp"

namespace poller {
namespace {

error_code last_ssl_error() {
  return error_code(static_cast<int>(ERR_get_error()), net::error::get_ssl_category());
}

}  // namespace

TlsSocket::TlsSocket(const net::any_io_executor& executor, net::ssl::context& context)
    : ByteStream(executor), ssl_(SSL_new(context.native_handle())) {
  if (!ssl_) throw boost::system::system_error(last_ssl_error(), "SSL_new");
  SSL_set_connect_state(ssl_.get());
}

template <class Step>
net::awaitable<error_code> TlsSocket::drive(Step step, bool yield_on_read) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int const result = step();
    if (result == 1) co_return error_code{};
    switch (SSL_get_error(ssl_.get(), result)) {
      case SSL_ERROR_WANT_READ: {
        if (yield_on_read) co_return net::error::would_block;
        auto [ec] = co_await socket().async_wait(net::socket_base::wait_read, use_tuple);
        if (ec) co_return ec;
        continue;
      }
      case SSL_ERROR_WANT_WRITE: {
        auto [ec] = co_await socket().async_wait(net::socket_base::wait_write, use_tuple);
        if (ec) co_return ec;
        continue;
      }
      case SSL_ERROR_ZERO_RETURN:
        co_return net::error::eof;
      case SSL_ERROR_SYSCALL:
        // OpenSSL 3 reports a close without close_notify as SSL_ERROR_SSL (below); this is the
        // socket's own error, such as a reset.
        if (errno != 0) co_return error_code(errno, boost::system::system_category());
        co_return net::ssl::error::stream_truncated;
      default: {
        auto const error = ERR_peek_error();
        if (ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
          ERR_clear_error();
          co_return net::ssl::error::stream_truncated;
        }
        co_return last_ssl_error();
      }
    }
  }
}

net::awaitable<error_code> TlsSocket::handshake() {
  // OpenSSL works the descriptor with plain read() and write(), which must not block: the
  // connection made the socket non-blocking.
  if (!handshake_begun_ && SSL_set_fd(ssl_.get(), socket().native_handle()) != 1) {
    co_return last_ssl_error();
  }
  handshake_begun_ = true;
  co_return co_await drive([this] { return SSL_do_handshake(ssl_.get()); }, true);
}

net::awaitable<std::tuple<error_code, std::size_t>> TlsSocket::read_some(net::mutable_buffer buffer) {
  if (watch_armed() && SSL_has_pending(ssl_.get()) != 1) {
    // A reused connection's first read: nothing has come since it went idle, not even the
    // response yet, so wait for it on the watch's armed wait rather than try a read() first.
    if (auto const ec = co_await wait_on_watch()) co_return std::tuple{ec, std::size_t{0}};
  }
  std::size_t n = 0;
  auto ec = co_await drive([&] { return SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &n); });
  co_return std::tuple{ec, n};
}

net::awaitable<error_code> TlsSocket::write(net::const_buffer buffer, bool& sent_any) {
  // With SSL_MODE_ENABLE_PARTIAL_WRITE off (the default), SSL_write_ex returns only once all of
  // `buffer` is written, retried with the same arguments after a WANT_WRITE. It may have sent
  // some records before it fails: the socket BIO's count of bytes written says.
  BIO* const socket_bio = SSL_get_wbio(ssl_.get());
  auto const before = BIO_number_written(socket_bio);
  std::size_t written = 0;
  auto const ec = co_await drive(
      [&] { return SSL_write_ex(ssl_.get(), buffer.data(), buffer.size(), &written); });
  if (BIO_number_written(socket_bio) != before) sent_any = true;
  co_return ec;
}

TlsSocket::Waiting TlsSocket::peek_without_blocking() {
  ERR_clear_error();
  errno = 0;
  char byte = 0;
  std::size_t n = 0;
  int const result = SSL_peek_ex(ssl_.get(), &byte, 1, &n);
  if (result == 1) return Waiting::data;
  int const error = SSL_get_error(ssl_.get(), result);
  ERR_clear_error();
  // WANT_READ: every record there was taken in, and the socket has nothing more for now.
  return error == SSL_ERROR_WANT_READ ? Waiting::nothing : Waiting::closed;
}

TlsSocket::IdleState TlsSocket::idle_state() {
  if (!socket().is_open()) return IdleState::closed;
  // Read ahead, OpenSSL may hold a record that came with the end of the last response.
  if (SSL_has_pending(ssl_.get()) != 1) {
    auto const state = stayed_quiet() ? IdleState::quiet : peek_socket();
    if (state != IdleState::unrequested_bytes) return state;
  }
  // The bytes may be a record that carries no data: a session ticket, a key update, or the
  // close_notify alert of a server that closed. A non-blocking peek processes such records and
  // says what, if anything, the application would read.
  switch (peek_without_blocking()) {
    case Waiting::nothing:
      return IdleState::quiet;
    case Waiting::data:
      return IdleState::unrequested_bytes;
    case Waiting::closed:
      break;
  }
  return IdleState::closed;
}

}  // namespace poller
