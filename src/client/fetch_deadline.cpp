#include "fetch_deadline.hpp"

namespace poller {

void FetchDeadline::set(Clock::time_point deadline) {
  expired_ = false;
  // No limit (-m 0): nothing to arm; a wait armed earlier finds no deadline when it fires.
  if (deadline == Clock::time_point::max()) {
    clear();
    return;
  }
  timer_.place(*this, deadline);
}

void DeadlineTimer::place(FetchDeadline& deadline, Clock::time_point when) {
  if (deadline.placed_) {
    // Moved, not erased and inserted: the node (and its allocation) is reused.
    auto node = entries_.extract(deadline.entry_);
    node.key() = when;
    deadline.entry_ = entries_.insert(std::move(node));
  } else if (!spare_nodes_.empty()) {
    auto node = std::move(spare_nodes_.back());
    spare_nodes_.pop_back();
    node.key() = when;
    node.mapped() = &deadline;
    deadline.entry_ = entries_.insert(std::move(node));
    deadline.placed_ = true;
  } else {
    deadline.entry_ = entries_.emplace(when, &deadline);
    deadline.placed_ = true;
  }
  if (!shut_down_ && (!waiting_ || when < armed_for_)) arm(when);
}

void DeadlineTimer::remove(FetchDeadline& deadline) {
  if (!deadline.placed_) return;
  auto node = entries_.extract(deadline.entry_);
  // As many as were ever in flight at once, at most.
  spare_nodes_.push_back(std::move(node));
  deadline.placed_ = false;
}

void DeadlineTimer::shutdown() {
  shut_down_ = true;
  ++generation_;
  waiting_ = false;
  timer_.cancel();
}

void DeadlineTimer::arm(Clock::time_point when) {
  armed_for_ = when;
  waiting_ = true;
  // Cancels the wait armed before, whose handler then sees a stale generation.
  timer_.expires_at(when);
  timer_.async_wait(
      [this, generation = ++generation_](boost::system::error_code) { on_timer(generation); });
}

void DeadlineTimer::on_timer(unsigned generation) {
  if (generation != generation_) return;
  waiting_ = false;
  auto const now = Clock::now();
  while (!entries_.empty() && entries_.begin()->first <= now) {
    auto& deadline = *entries_.begin()->second;
    remove(deadline);
    deadline.expired_ = true;
    deadline.on_expiry_();  // cancels I/O only: the fetch ends later, on its own handlers
  }
  if (!entries_.empty() && !shut_down_) arm(entries_.begin()->first);
}

}  // namespace poller
