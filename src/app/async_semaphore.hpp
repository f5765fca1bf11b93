#pragma once
// A counting semaphore for coroutines on one io_context: -Z's --parallel-max (fetches at once)
// and the one write to stdout at a time. Waiters are served first come, first served, so no lane
// starves; close() wakes every waiter without a permit, for a run that stops.

#include <cstddef>
#include <deque>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace poller {

class AsyncSemaphore {
 public:
  AsyncSemaphore(boost::asio::io_context& io, std::size_t permits) : io_(io), permits_(permits) {}

  // True with a permit held (give it back with release()); false once closed, without one.
  boost::asio::awaitable<bool> acquire();
  void release();
  // Every waiter, and every later acquire(), gets false.
  void close();

  std::size_t waiting() const { return waiters_.size(); }
  std::size_t available() const { return permits_; }

 private:
  // A timer that never expires on its own: cancelling it wakes its waiter.
  struct Waiter {
    explicit Waiter(boost::asio::io_context& io) : wake(io) {}
    boost::asio::steady_timer wake;
    bool granted = false;
  };

  boost::asio::io_context& io_;
  std::size_t permits_;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  bool closed_ = false;
};

// Holds a permit for a scope; gives it back however the scope is left.
class SemaphorePermit {
 public:
  explicit SemaphorePermit(AsyncSemaphore& semaphore) : semaphore_(&semaphore) {}
  ~SemaphorePermit() {
    if (semaphore_) semaphore_->release();
  }
  SemaphorePermit(const SemaphorePermit&) = delete;
  SemaphorePermit& operator=(const SemaphorePermit&) = delete;

 private:
  AsyncSemaphore* semaphore_;
};

}  // namespace poller
