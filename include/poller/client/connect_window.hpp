#pragma once
// The client's pace for new connections: at most a window of them are being opened (resolve,
// TCP connect, proxy tunnel, TLS handshake) at once, over all origins. A list of thousands of
// new origins would otherwise start every connect in the same instant: its SYNs overflow the
// listen backlog of a server that hosts many of them, and its handshakes queue behind each
// other on the client's one thread while their --connect-timeout runs (issue 29).
//
// A window rather than a rate: it is self-clocking, as TCP's congestion window is. Openings
// start as fast as earlier ones end, however fast the client and the servers are, with no
// rate to tune per machine; and a burst is never larger than the window, which is below the
// listen backlogs in common use (128, the old SOMAXCONN; 511, nginx's default).
//
// An opening that has not ended within the patience stops counting (it goes on): a host that
// does not answer, or a SYN that was dropped and waits for its retransmission, holds a place
// for no longer than that, so a list with many dead hosts still opens at least a window per
// patience.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "poller/client/async_semaphore.hpp"

namespace poller {

// As wide as two waves of origins that never answer can be passed at the TLS handshake's
// patience (tls_handshake_limit.hpp), so that 300 of them listed first hold up a healthy
// origin for well under a second, and narrower than its 256 slots, so that the handshakes
// that have a place are not queued behind each other for long.
inline constexpr std::size_t max_connects_at_once = 128;
inline constexpr std::chrono::milliseconds connect_patience{250};

class ConnectWindow {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectWindow(boost::asio::io_context& io, std::size_t size, Clock::duration patience);
  ConnectWindow(const ConnectWindow&) = delete;
  ConnectWindow& operator=(const ConnectWindow&) = delete;

  // Waits for a place; returns its ticket (never 0), or 0 once closed or when `wait` was
  // cancelled. Places are handed out first come, first served.
  boost::asio::awaitable<std::uint64_t> enter(SemaphoreWait& wait);
  // The opening with `ticket` has ended: its place goes to the next waiter, unless the patience
  // already took it back. Ticket 0 is ignored.
  void leave(std::uint64_t ticket);
  // Every waiter, and every later enter(), gets 0; the patience timer stops.
  void close();

  // Openings that hold a place now.
  std::size_t opening() const { return held_.size(); }
  std::size_t waiting() const { return places_.waiting(); }

 private:
  struct Held {
    std::uint64_t ticket;
    Clock::time_point patience_end;
  };

  void arm();
  void expire(unsigned generation);

  AsyncSemaphore places_;
  Clock::duration const patience_;
  std::deque<Held> held_;  // in the order given, so the first ends its patience first
  boost::asio::steady_timer patience_timer_;
  unsigned generation_ = 0;  // a timer handler of an earlier arming does nothing
  bool armed_ = false;
  std::uint64_t last_ticket_ = 0;
};

// Holds a place for a scope; leaves however the scope is left.
class ConnectPlace {
 public:
  ConnectPlace(ConnectWindow& window, std::uint64_t ticket) : window_(window), ticket_(ticket) {}
  ~ConnectPlace() { window_.leave(ticket_); }
  ConnectPlace(const ConnectPlace&) = delete;
  ConnectPlace& operator=(const ConnectPlace&) = delete;

 private:
  ConnectWindow& window_;
  std::uint64_t ticket_;
};

}  // namespace poller
