#pragma once
// A TLS client connection that runs OpenSSL on the socket's own descriptor, and waits for the
// descriptor with Asio when OpenSSL wants to read or write: a ByteStream like the plain socket,
// plus what only the TLS step (tls_handshake.cpp) uses. Private to the client.
//
// Why not asio::ssl::stream: it keeps two 17 KiB buffers of its own and a 2 × 17 KiB BIO pair
// per connection, and copies every byte through them. With a thousand hosts in the list those
// idle buffers were most of the memory poller used, and the copies a third of its CPU per HTTPS
// request. Here OpenSSL reads and writes the socket itself (read-ahead on, buffers released while
// idle), so an idle connection costs its SSL object and little else.

#include <cstddef>
#include <memory>
#include <tuple>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

#include "byte_stream.hpp"

namespace poller {

class TlsSocket final : public ByteStream {
 public:
  // Throws boost::system::system_error when OpenSSL cannot make the connection's SSL object.
  TlsSocket(const boost::asio::any_io_executor& executor, boost::asio::ssl::context& context);

  SSL* native_handle() { return ssl_.get(); }

  // After the TCP connect: the handshake, up to the server's next turn. Returns
  // asio::error::would_block while it waits for the server to send (the caller waits for the
  // socket to be readable, and calls again), success once it is done. Other errors are in
  // Asio's SSL category, as asio::ssl::stream reports them.
  boost::asio::awaitable<boost::system::error_code> handshake();

  // A clean close_notify from the server reads as asio::error::eof, a close without one as
  // asio::ssl::error::stream_truncated.
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(
      boost::asio::mutable_buffer buffer) override;
  boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer buffer,
                                                          bool& sent_any) override;
  // Besides the socket's bytes, the records OpenSSL read ahead: the ones that arrived unasked
  // (a session ticket, a key update, a close_notify) are taken in without blocking first.
  IdleState idle_state() override;

 private:
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };

  // Retries `step` (an SSL_* call returning 1 on success) until it succeeds or fails for good,
  // waiting for the descriptor in between.
  // With `yield_on_read`, a step that wants to read returns asio::error::would_block at once.
  template <class Step>
  boost::asio::awaitable<boost::system::error_code> drive(Step step, bool yield_on_read = false);

  // Whether application data waits once the records that arrived unasked are taken in.
  enum class Waiting { nothing, data, closed };
  Waiting peek_without_blocking();

  std::unique_ptr<SSL, SslFree> ssl_;
  bool handshake_begun_ = false;
};

}  // namespace poller
