#pragma once
// A counting semaphore for coroutines on one io_context: the client's limit on TLS handshakes in
// flight, -Z's --parallel-max (bodies read and held at once) and the app's one write to stdout
// at a time. Waiters are served first come, first served, so no lane starves; close() wakes every
// waiter without a permit, for a run that stops; a SemaphoreWait ends one waiter's wait, for a
// fetch whose deadline passes or that is cancelled while it waits.

#include <cstddef>
#include <deque>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace poller {

class SemaphoreWait;

class AsyncSemaphore {
 public:
  AsyncSemaphore(boost::asio::io_context& io, std::size_t permits) : io_(io), permits_(permits) {}

  // True with a permit held (give it back with release()); false once closed, without one.
  boost::asio::awaitable<bool> acquire();
  // The same, and while it waits `wait.cancel()` ends the wait with false, without a permit.
  boost::asio::awaitable<bool> acquire(SemaphoreWait& wait);
  void release();
  // Every waiter, and every later acquire(), gets false.
  void close();

  std::size_t waiting() const { return waiters_.size(); }
  std::size_t available() const { return permits_; }

 private:
  friend class SemaphoreWait;

  // A timer that never expires on its own: cancelling it wakes its waiter.
  struct Waiter {
    explicit Waiter(boost::asio::io_context& io) : wake(io) {}
    boost::asio::steady_timer wake;
    bool granted = false;
  };

  // Takes `waiter` out of the queue, unless a permit was already handed to it, and wakes it.
  void give_up(const std::shared_ptr<Waiter>& waiter);

  boost::asio::io_context& io_;
  std::size_t permits_;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  bool closed_ = false;
};

// One caller's wait in AsyncSemaphore::acquire(wait), to end from elsewhere (a deadline, a
// cancel). A waiter cancelled after a permit was handed to it (woken, not yet resumed) keeps the
// permit: its acquire() returns true and the caller gives it back as usual.
class SemaphoreWait {
 public:
  SemaphoreWait() = default;
  SemaphoreWait(const SemaphoreWait&) = delete;
  SemaphoreWait& operator=(const SemaphoreWait&) = delete;

  // Ends the wait in progress, if any; nothing otherwise.
  void cancel();

 private:
  friend class AsyncSemaphore;
  AsyncSemaphore* semaphore_ = nullptr;               // while waiting
  std::shared_ptr<AsyncSemaphore::Waiter> waiter_{};  // while waiting
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

// A permit that someone else takes on the holder's behalf, later, and that is given back when
// the holder goes: -Z's --parallel-max place, which the client takes once a response's body is
// about to be read, and the app holds until that result is written.
class DeferredPermit {
 public:
  explicit DeferredPermit(AsyncSemaphore& semaphore) : semaphore_(semaphore) {}
  ~DeferredPermit() {
    if (held_) semaphore_.release();
  }
  DeferredPermit(const DeferredPermit&) = delete;
  DeferredPermit& operator=(const DeferredPermit&) = delete;

  bool held() const { return held_; }
  // Takes the permit, unless held already: as AsyncSemaphore::acquire(wait).
  boost::asio::awaitable<bool> acquire(SemaphoreWait& wait);

 private:
  AsyncSemaphore& semaphore_;
  bool held_ = false;
};

}  // namespace poller
