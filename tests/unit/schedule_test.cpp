#include "schedule.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace poller {
namespace {

using namespace std::chrono_literals;
using Clock = RoundSchedule::Clock;

// A fixed, arbitrary start so that times read as offsets from t0.
Clock::time_point const t0 = Clock::time_point(1000h);

TEST(Schedule, RoundKIsDueAtT0PlusKIntervals) {
  RoundSchedule schedule(t0, 5s);
  for (int k = 1; k <= 4; ++k) {
    auto const ended = t0 + (k - 1) * 5s + 1s;  // each round takes one second
    auto const next = schedule.next(ended);
    EXPECT_EQ(next.start, t0 + k * 5s) << "round " << k;
    EXPECT_EQ(next.skipped_ticks, 0u);
    EXPECT_FALSE(next.overran);
  }
}

TEST(Schedule, ARoundEndingEarlyWaitsForTheNextTick) {
  RoundSchedule schedule(t0, 5s);
  auto const next = schedule.next(t0 + 100ms);
  EXPECT_EQ(next.start, t0 + 5s);
  EXPECT_FALSE(next.overran);
  EXPECT_EQ(next.skipped_ticks, 0u);
}

TEST(Schedule, ARoundEndingExactlyOnTheTickIsNotAnOverrun) {
  RoundSchedule schedule(t0, 5s);
  auto const next = schedule.next(t0 + 5s);
  EXPECT_EQ(next.start, t0 + 5s);
  EXPECT_FALSE(next.overran);
  EXPECT_EQ(next.skipped_ticks, 0u);
}

TEST(Schedule, AnOverrunStartsTheNextRoundAtOnceWithoutSkippingWhenOnlyOneTickPassed) {
  RoundSchedule schedule(t0, 5s);
  auto const next = schedule.next(t0 + 7s);
  EXPECT_EQ(next.start, t0 + 7s);
  EXPECT_TRUE(next.overran);
  EXPECT_EQ(next.skipped_ticks, 0u);
}

TEST(Schedule, AnOverrunPastSeveralTicksReportsTheSkippedOnes) {
  RoundSchedule schedule(t0, 5s);
  // Ticks at 5s and 10s have passed: the round starting now stands for 10s, 5s is skipped.
  auto const next = schedule.next(t0 + 12s);
  EXPECT_EQ(next.start, t0 + 12s);
  EXPECT_TRUE(next.overran);
  EXPECT_EQ(next.skipped_ticks, 1u);
}

TEST(Schedule, AfterAnOverrunTheGridIsKeptWithoutDrift) {
  RoundSchedule schedule(t0, 5s);
  schedule.next(t0 + 12s);
  auto const next = schedule.next(t0 + 13s);
  EXPECT_EQ(next.start, t0 + 15s);
  EXPECT_FALSE(next.overran);
  EXPECT_EQ(next.skipped_ticks, 0u);
}

TEST(Schedule, ALongStallSkipsEveryMissedTickOnce) {
  RoundSchedule schedule(t0, 1s);
  auto const stalled = schedule.next(t0 + 60500ms);
  EXPECT_EQ(stalled.start, t0 + 60500ms);
  EXPECT_TRUE(stalled.overran);
  EXPECT_EQ(stalled.skipped_ticks, 59u);  // ticks 1..59 skipped; tick 60 runs now
  auto const after = schedule.next(t0 + 60600ms);
  EXPECT_EQ(after.start, t0 + 61s);
  EXPECT_EQ(after.skipped_ticks, 0u);
  EXPECT_FALSE(after.overran);
}

TEST(Schedule, IntervalZeroAlwaysStartsNowAndNeverOverruns) {
  RoundSchedule schedule(t0, Duration::zero());
  for (auto const ended : {t0, t0 + 1ms, t0 + 10s, t0 + 1h}) {
    auto const next = schedule.next(ended);
    EXPECT_EQ(next.start, ended);
    EXPECT_FALSE(next.overran);
    EXPECT_EQ(next.skipped_ticks, 0u);
  }
}

TEST(Schedule, WorksWithSubSecondIntervals) {
  RoundSchedule schedule(t0, 250ms);
  EXPECT_EQ(schedule.next(t0 + 10ms).start, t0 + 250ms);
  EXPECT_EQ(schedule.next(t0 + 260ms).start, t0 + 500ms);
}

// One text for the run and for a -Z lane, which names its origin first.
TEST(Schedule, OverrunWarningNamesTheLaneAndTheSkippedTicks) {
  EXPECT_EQ(overrun_warning("", 3, 5s, 0),
            "round 3 took longer than the 5s interval; starting the next at once");
  EXPECT_EQ(overrun_warning("http://10.0.0.7:80", 3, 5s, 2),
            "http://10.0.0.7:80: round 3 took longer than the 5s interval; starting the next at "
            "once, 2 tick(s) skipped");
}

}  // namespace
}  // namespace poller
