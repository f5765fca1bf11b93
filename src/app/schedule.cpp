#include "schedule.hpp"

#include <fmt/format.h>

namespace poller {

RoundSchedule::RoundSchedule(Clock::time_point first_start, Duration interval)
    : first_start_(first_start), interval_(interval) {}

RoundSchedule::NextRound RoundSchedule::next(Clock::time_point now) {
  // Interval 0: back to back, nothing is ever late.
  if (interval_ <= Duration::zero()) return {now, 0, false};

  ++tick_;
  auto const due = first_start_ + tick_ * interval_;
  if (due >= now) return {due, 0, false};

  // Overrun: the latest tick that has passed runs now; those between were missed.
  auto const latest = static_cast<std::uint64_t>((now - first_start_) / interval_);
  auto const skipped = latest - tick_;
  tick_ = latest;
  return {now, skipped, true};
}

std::string overrun_warning(std::string_view lane, std::uint64_t round, Duration interval,
                            std::uint64_t skipped_ticks) {
  auto text =
      fmt::format("{}{}round {} took longer than the {} interval; starting the next at once", lane,
                  lane.empty() ? "" : ": ", round, format_duration(interval));
  if (skipped_ticks != 0) text += fmt::format(", {} tick(s) skipped", skipped_ticks);
  return text;
}

}  // namespace poller
