#include "byte_stream.hpp"

#include <cerrno>

#include <sys/socket.h>

namespace poller {

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
  return peek_socket();
}

}  // namespace poller
