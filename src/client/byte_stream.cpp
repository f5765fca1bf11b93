#include "byte_stream.hpp"

#include <cerrno>
#include <utility>

#include <sys/socket.h>

#include "resumption.hpp"

namespace poller {

struct ByteStream::IdleWatch {
  std::uint64_t armed = 0;  // watches armed so far: a late handler of an earlier one is ignored
  bool quiet = false;       // armed, and nothing has come since; reset by stayed_quiet()
  bool armed_wait_pending = false;  // the last watch's wait has not completed yet
  Resumption<error_code> reader;    // a read waiting for it (wait_on_watch)
};

// The watch's wait handler. Destroyed uncalled (the io_context goes away while it is pending), it
// drops the read waiting on it: that read's coroutine owns the stream, which owns the watch.
class ByteStream::WatchHandler {
 public:
  WatchHandler(std::shared_ptr<IdleWatch> watch, std::uint64_t armed)
      : watch_(std::move(watch)), armed_(armed) {}
  WatchHandler(WatchHandler&&) noexcept = default;
  WatchHandler& operator=(WatchHandler&&) = delete;
  ~WatchHandler() {
    if (!watch_ || watch_->armed != armed_) return;
    Resumption<error_code> const dropped = std::move(watch_->reader);  // and freed here
  }

  // Readable (bytes or a close), an error, or cancelled: either way no longer known quiet.
  void operator()(const error_code& ec) {
    auto const watch = std::move(watch_);
    if (watch->armed != armed_) return;
    watch->quiet = false;
    watch->armed_wait_pending = false;
    if (watch->reader) watch->reader.resume_now(ec);
  }

 private:
  std::shared_ptr<IdleWatch> watch_;
  std::uint64_t armed_;
};

ByteStream::ByteStream(const net::any_io_executor& executor) : socket_(executor) {}
ByteStream::~ByteStream() = default;

void ByteStream::watch_while_idle() {
  if (!watch_) watch_ = std::make_shared<IdleWatch>();
  auto const armed = ++watch_->armed;
  watch_->quiet = true;
  watch_->armed_wait_pending = true;
  socket_.async_wait(tcp::socket::wait_read, WatchHandler(watch_, armed));
}

bool ByteStream::watch_armed() const { return watch_ && watch_->armed_wait_pending; }

net::awaitable<error_code> ByteStream::wait_on_watch() {
  // A plain pointer: the stream, and its watch, outlive the wait (its coroutine holds the
  // stream). A shared_ptr captured here was found freed while the stream still held it
  // (valgrind, GCC 12); the cause, in the copies of the initiation, was not pinned down.
  IdleWatch* const watch = watch_.get();
  auto [ec] = co_await net::async_initiate<decltype(use_tuple), void(error_code)>(
      [watch](auto handler) { watch->reader.keep(std::move(handler)); }, use_tuple);
  co_return ec;
}

bool ByteStream::stayed_quiet() {
  if (!watch_) return false;
  bool const quiet = watch_->quiet;
  watch_->quiet = false;  // the connection is taken: the next idle time arms a new watch
  return quiet;
}

ByteStream::IdleState ByteStream::peek_socket() {
  char byte = 0;
  ssize_t const n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return IdleState::closed;  // the server closed it while it sat in the pool
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? IdleState::quiet : IdleState::closed;
  return IdleState::unrequested_bytes;
}

// Asio's own read, not a read_some() then async_wait(): async_wait re-arms the descriptor with
// epoll_ctl, and the re-armed EPOLLOUT (the socket is writable) wakes epoll_wait once for
// nothing; a speculative async_read_some that would block just waits for the next edge.
net::awaitable<std::tuple<error_code, std::size_t>> PlainSocket::read_some(
    net::mutable_buffer buffer) {
  if (watch_armed()) {
    // A reused connection's first read: nothing has come yet, the response included. Once the
    // watch says it has, read at once: an asynchronous read that completes at once would still
    // go round the scheduler, which polls epoll once more first.
    if (auto const ec = co_await wait_on_watch()) co_return std::tuple{ec, std::size_t{0}};
    error_code ec;
    auto const n = socket().read_some(buffer, ec);
    if (ec != net::error::would_block) co_return std::tuple{ec, n};
  }
  co_return co_await socket().async_read_some(buffer, use_tuple);
}

// Written at once, without Asio's async_write: a write that completes at once (as a small
// request's nearly always does) would still post its completion through the scheduler, which
// polls epoll once more before running it.
net::awaitable<error_code> PlainSocket::write(net::const_buffer buffer, bool& sent_any) {
  auto& plain = socket();
  while (buffer.size() != 0) {
    error_code ec;
    auto const written = plain.write_some(buffer, ec);
    buffer += written;
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

ByteStream::IdleState PlainSocket::idle_state() {
  if (!socket().is_open()) return IdleState::closed;
  if (stayed_quiet()) return IdleState::quiet;
  return peek_socket();
}

}  // namespace poller
