#pragma once
// Fixed-rate round starts on the steady clock: round k is due at t0 + k·interval. A round that
// overruns is followed at once by the next; the ticks it ran over are skipped, never replayed.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "poller/base/duration.hpp"

namespace poller {

class RoundSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  struct NextRound {
    Clock::time_point start;     // when the next round is due (now or later)
    std::uint64_t skipped_ticks;  // ticks that passed during the overrun and will not run
    bool overran;                 // the round that just ended ran past the next round's tick
  };

  RoundSchedule(Clock::time_point first_start, Duration interval);

  // Called when the current round ends at `now`; moves the schedule on to the next round.
  NextRound next(Clock::time_point now);

 private:
  Clock::time_point first_start_;
  Duration interval_;
  std::uint64_t tick_ = 0;  // the tick the current round belongs to
};

// The warning for a round that overran its interval, the same for the run and for a -Z lane
// (`lane` names its origin; empty without -Z): "[ORIGIN: ]round 3 took longer than the 5s
// interval; starting the next at once[, 2 tick(s) skipped]".
std::string overrun_warning(std::string_view lane, std::uint64_t round, Duration interval,
                            std::uint64_t skipped_ticks);

}  // namespace poller
