#include "poller/client/async_semaphore.hpp"

#include <algorithm>

#include "poller/base/asio_defaults.hpp"

namespace poller {

net::awaitable<bool> AsyncSemaphore::acquire() {
  SemaphoreWait wait;
  co_return co_await acquire(wait);
}

net::awaitable<bool> AsyncSemaphore::acquire(SemaphoreWait& wait) {
  if (closed_) co_return false;
  if (permits_ > 0 && waiters_.empty()) {
    --permits_;
    co_return true;
  }
  auto waiter = std::make_shared<Waiter>(io_);
  waiter->wake.expires_at(net::steady_timer::time_point::max());
  waiters_.push_back(waiter);
  wait.semaphore_ = this;
  wait.waiter_ = waiter;
  co_await waiter->wake.async_wait(use_tuple);
  wait.semaphore_ = nullptr;
  wait.waiter_.reset();
  // Woken by release() (granted: the permit was handed over), by close() or by wait.cancel().
  co_return waiter->granted;
}

void AsyncSemaphore::release() {
  if (!waiters_.empty() && !closed_) {
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    next->granted = true;  // handed over: the count stays as it is
    next->wake.cancel();
    return;
  }
  ++permits_;
}

void AsyncSemaphore::close() {
  closed_ = true;
  for (auto& waiter : waiters_) waiter->wake.cancel();
  waiters_.clear();
}

void AsyncSemaphore::give_up(const std::shared_ptr<Waiter>& waiter) {
  // A linear search: cancels are rare (a deadline, a signal), the queue is short.
  auto const queued = std::find(waiters_.begin(), waiters_.end(), waiter);
  if (queued != waiters_.end()) waiters_.erase(queued);
  waiter->wake.cancel();  // granted or not, waking twice is harmless
}

net::awaitable<bool> DeferredPermit::acquire(SemaphoreWait& wait) {
  if (!held_) held_ = co_await semaphore_.acquire(wait);
  co_return held_;
}

void SemaphoreWait::cancel() {
  if (semaphore_ != nullptr) semaphore_->give_up(waiter_);
}

}  // namespace poller
