#pragma once
// A connection's bytes, plain or TLS, behind one read/write interface: the HTTP session and the
// pool use a stream without asking which it is; only the steps that open it know (tls_handshake).
// Private to the client.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "poller/base/asio_defaults.hpp"

namespace poller {

using tcp = net::ip::tcp;

class ByteStream {
 public:
  explicit ByteStream(const net::any_io_executor& executor);
  virtual ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // The TCP socket underneath, for the steps that open the connection and for cancel().
  tcp::socket& socket() { return socket_; }

  // Shaped like Asio's with as_tuple: what the next read returns, or asio::error::eof once the
  // peer has closed cleanly (over TLS, with a close_notify; without one, stream_truncated).
  virtual net::awaitable<std::tuple<error_code, std::size_t>> read_some(
      net::mutable_buffer buffer) = 0;
  // Sends `buffer` whole. `sent_any` is set once a byte of it (over TLS, of a record) has gone to
  // the socket, even if the write then fails: a server may have seen it.
  virtual net::awaitable<error_code> write(net::const_buffer buffer, bool& sent_any) = 0;

  // Idle connections only: whether it may carry the next request. Anything waiting to be read
  // on it was sent before any request asked for it, and would be read as the next response; a
  // connection the server closed is no better.
  enum class IdleState { quiet, closed, unrequested_bytes };
  virtual IdleState idle_state() = 0;

  // The connection goes idle (into the pool): from now on the event loop, which waits for the
  // socket anyway, notes whether the server sends anything (a byte, a close), so that the next
  // idle_state() of a connection that stayed quiet costs no syscall. The wait stays armed while
  // the connection carries its next request, so the first read of the response then waits on it
  // (no speculative read, no re-arming of the descriptor).
  void watch_while_idle();

 protected:
  // Whether the watch says the socket stayed quiet since watch_while_idle(); once per watch,
  // false without one. What the server sent after the event loop last looked (one batch of
  // handlers ago at most) is not seen: no more than a byte that comes just after a peek.
  bool stayed_quiet();
  // Whether the watch's wait is still armed: nothing has come since the connection went idle,
  // so a read now would only find nothing (over TLS, a read() that fails with EAGAIN).
  bool watch_armed() const;
  // Until the armed watch's wait completes: the socket is readable (or closed, or cancelled).
  // One wait on the descriptor, not two: a second would complete apart from the first, and the
  // event loop would poll epoll once more in between.
  net::awaitable<error_code> wait_on_watch();
  // What a non-blocking peek at the socket finds: nothing yet, a close, or bytes.
  IdleState peek_socket();

 private:
  // Shared with the wait's handler, which may run after the stream is gone (a close cancels it).
  struct IdleWatch;
  class WatchHandler;

  tcp::socket socket_;
  std::shared_ptr<IdleWatch> watch_;
};

// HTTP in the clear: the socket's bytes as they are.
class PlainSocket final : public ByteStream {
 public:
  using ByteStream::ByteStream;
  net::awaitable<std::tuple<error_code, std::size_t>> read_some(
      net::mutable_buffer buffer) override;
  net::awaitable<error_code> write(net::const_buffer buffer, bool& sent_any) override;
  IdleState idle_state() override;
};

}  // namespace poller
