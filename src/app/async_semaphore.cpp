#include "async_semaphore.hpp"

#include "poller/asio_defaults.hpp"

namespace poller {

net::awaitable<bool> AsyncSemaphore::acquire() {
  if (closed_) co_return false;
  if (permits_ > 0 && waiters_.empty()) {
    --permits_;
    co_return true;
  }
  auto waiter = std::make_shared<Waiter>(io_);
  waiter->wake.expires_at(net::steady_timer::time_point::max());
  waiters_.push_back(waiter);
  co_await waiter->wake.async_wait(use_tuple);
  // Woken by release() (granted: the permit was handed over) or by close().
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

}  // namespace poller
