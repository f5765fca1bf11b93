#pragma once
// The deadlines of the fetches in flight, enforced by one lazily re-armed timer for the run.
// Internal to the client.
//
// Arming a timer per read or write costs two timerfd_settime syscalls each (arm, then cancel),
// more than the rest of a loopback fetch; so would a timer per fetch. Instead one timer
// stays armed at the earliest deadline it was given; when it fires, it aborts the fetches whose
// deadline passed and re-arms itself for the earliest one left. Fetches that end in time then
// cost no timer syscalls, but for one re-arm per --max-time period, however many are in flight.

#include <chrono>
#include <functional>
#include <map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace poller {

class FetchDeadline;

class DeadlineTimer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DeadlineTimer(boost::asio::io_context& io) : timer_(io) {}
  // The run is over: no deadline arms the timer again, and the io_context may finish.
  void shutdown();

 private:
  friend class FetchDeadline;
  using Entries = std::multimap<Clock::time_point, FetchDeadline*>;

  void place(FetchDeadline& deadline, Clock::time_point when);
  void remove(FetchDeadline& deadline);
  void arm(Clock::time_point when);
  void on_timer(unsigned generation);

  boost::asio::steady_timer timer_;
  Entries entries_;  // every deadline set, earliest first
  // Nodes of removed entries, kept for the next fetch's deadline: one fetch after another then
  // allocates no node.
  std::vector<Entries::node_type> spare_nodes_;
  Clock::time_point armed_for_ = Clock::time_point::max();
  unsigned generation_ = 0;  // tells the live wait from ones cancelled by a re-arm
  bool waiting_ = false;
  bool shut_down_ = false;
};

// The deadline of one fetch, moved as its steps go (connect, then the whole fetch).
class FetchDeadline {
 public:
  using Clock = DeadlineTimer::Clock;
  // `on_expiry` aborts whatever the fetch is waiting for.
  FetchDeadline(DeadlineTimer& timer, std::function<void()> on_expiry)
      : timer_(timer), on_expiry_(std::move(on_expiry)) {}
  ~FetchDeadline() { clear(); }
  FetchDeadline(const FetchDeadline&) = delete;
  FetchDeadline& operator=(const FetchDeadline&) = delete;

  // From now on, `deadline` bounds what is in flight (it may move later, or earlier); max: none.
  void set(Clock::time_point deadline);
  // Nothing is in flight.
  void clear() { timer_.remove(*this); }
  // Whether the deadline passed since the last set().
  bool expired() const { return expired_; }

 private:
  friend class DeadlineTimer;
  DeadlineTimer& timer_;
  std::function<void()> on_expiry_;
  DeadlineTimer::Entries::iterator entry_{};
  bool placed_ = false;
  bool expired_ = false;
};

}  // namespace poller
