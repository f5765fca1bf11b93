#include "poller/fetch_deadline.hpp"

namespace poller {

FetchDeadline::FetchDeadline(boost::asio::io_context& io, std::function<void()> on_expiry)
    : timer_(io), on_expiry_(std::move(on_expiry)) {}

void FetchDeadline::set(Clock::time_point deadline) {
  deadline_ = deadline;
  expired_ = false;
  // No limit (-m 0): nothing to arm; a wait armed earlier finds no deadline when it fires.
  if (deadline == Clock::time_point::max()) return;
  if (!waiting_ || deadline < armed_for_) arm(deadline);
}

void FetchDeadline::shutdown() {
  clear();
  ++generation_;
  waiting_ = false;
  timer_.cancel();
}

void FetchDeadline::arm(Clock::time_point when) {
  armed_for_ = when;
  waiting_ = true;
  timer_.expires_at(when);  // cancels the wait armed before, whose handler then sees a stale generation
  timer_.async_wait([this, generation = ++generation_](boost::system::error_code) { on_timer(generation); });
}

void FetchDeadline::on_timer(unsigned generation) {
  if (generation != generation_) return;
  waiting_ = false;
  if (deadline_ == Clock::time_point::max()) return;
  if (Clock::now() < deadline_) {
    arm(deadline_);
    return;
  }
  expired_ = true;
  on_expiry_();
}

}  // namespace poller
