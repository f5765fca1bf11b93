#include "poller/client/connect_window.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "poller/base/asio_defaults.hpp"
#include "poller/base/duration.hpp"

namespace poller {

ConnectWindow::ConnectWindow(net::io_context& io, std::size_t size, Clock::duration patience)
    : places_(io, std::max<std::size_t>(size, 1)), patience_(patience), patience_timer_(io) {}

net::awaitable<std::uint64_t> ConnectWindow::enter(SemaphoreWait& wait) {
  bool const granted = co_await places_.acquire(wait);
  if (!granted) co_return 0;
  auto const ticket = ++last_ticket_;
  held_.push_back({ticket, Clock::now() + patience_});
  arm();
  co_return ticket;
}

void ConnectWindow::leave(std::uint64_t ticket) {
  if (ticket == 0) return;
  // A linear search of at most the window, from the oldest: openings mostly end in order.
  auto const found = std::find_if(held_.begin(), held_.end(),
                                  [ticket](const Held& held) { return held.ticket == ticket; });
  if (found == held_.end()) return;  // its patience ran out: the place was given back then
  held_.erase(found);
  places_.release();
  if (held_.empty() && armed_) {
    // Nothing left to time: a pending timer would keep the run's event loop alive.
    armed_ = false;
    ++generation_;
    patience_timer_.cancel();
  }
}

void ConnectWindow::close() {
  places_.close();
  held_.clear();
  armed_ = false;
  ++generation_;
  patience_timer_.cancel();
}

// One timer for the whole window, set for the oldest place's patience.
void ConnectWindow::arm() {
  if (armed_ || held_.empty()) return;
  armed_ = true;
  patience_timer_.expires_at(held_.front().patience_end);
  patience_timer_.async_wait([this, generation = generation_](error_code) { expire(generation); });
}

void ConnectWindow::expire(unsigned generation) {
  if (generation != generation_) return;
  armed_ = false;
  auto const now = Clock::now();
  while (!held_.empty() && held_.front().patience_end <= now) {
    held_.pop_front();
    places_.release();
    spdlog::debug("a new connection still opening after {} goes on without its place in the "
                  "connect window",
                  format_duration(std::chrono::duration_cast<Duration>(patience_)));
  }
  arm();
}

}  // namespace poller
