#pragma once
// The deadline of the fetch in flight, enforced by one lazily re-armed timer.
// Internal to poller_core.
//
// Arming a timer per read or write costs two timerfd_settime syscalls each (arm, then cancel),
// more than the rest of a 100 µs loopback fetch. Instead the timer stays armed at the earliest
// deadline it was given; when it fires, it either finds the current deadline passed and aborts,
// or re-arms itself for the current one. Fetches that end in time then cost no timer syscalls,
// but for one re-arm per --max-time period.

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace poller {

class FetchDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  // `on_expiry` aborts whatever the fetch is waiting for.
  FetchDeadline(boost::asio::io_context& io, std::function<void()> on_expiry);

  // From now on, `deadline` bounds what is in flight (it may move later, or earlier).
  void set(Clock::time_point deadline);
  // Nothing is in flight: a firing timer does nothing.
  void clear() { deadline_ = Clock::time_point::max(); }
  // Whether the deadline passed since the last set().
  bool expired() const { return expired_; }
  // The run is over: let the io_context finish.
  void shutdown();

 private:
  void arm(Clock::time_point when);
  void on_timer(unsigned generation);

  boost::asio::steady_timer timer_;
  std::function<void()> on_expiry_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_for_ = Clock::time_point::max();
  unsigned generation_ = 0;  // tells the live wait from ones cancelled by a re-arm
  bool waiting_ = false;
  bool expired_ = false;
};

}  // namespace poller
