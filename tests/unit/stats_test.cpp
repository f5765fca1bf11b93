// The run summary's latency quantiles and counts.

#include <gtest/gtest.h>

#include "poller/report/stats.hpp"
#include "record_result.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

double within(Duration actual, Duration expected) {
  return std::abs(std::chrono::duration<double>(actual - expected).count()) /
         std::chrono::duration<double>(expected).count();
}

TEST(LatencyHistogram, QuantilesAreWithinTwoPercent) {
  LatencyHistogram histogram;
  // 1 to 100 ms, in an order that is neither ascending nor descending.
  for (int i = 0; i < 100; ++i) histogram.record(std::chrono::milliseconds(1 + i * 37 % 100));

  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_LT(within(histogram.quantile(0.5), 50ms), 0.02);
  EXPECT_LT(within(histogram.quantile(0.99), 99ms), 0.02);
  EXPECT_LT(within(histogram.quantile(1.0), 100ms), 0.02);
}

TEST(LatencyHistogram, EmptyHistogramReportsZero) {
  EXPECT_EQ(LatencyHistogram().quantile(0.5), Duration::zero());
}

TEST(RunStats, SummaryCountsRoundsFetchesAndFailuresPerUrl) {
  Target a = *parse_target("http://127.0.0.1/a").target;
  Target b = *parse_target("http://user:pw@127.0.0.1/b").target;
  ResultStore store;
  for (int round = 1; round <= 2; ++round) {
    store.record_round(0ms);
    FetchResult ok;
    ok.target = &a;
    ok.time_total = 10ms;
    record(store, ok);
    FetchResult failed;
    failed.target = &b;
    failed.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};
    record(store, failed);
  }

  auto const lines = summary_lines(store);

  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "summary: 2 round(s), 4 fetch(es), 2 failure(s)");
  EXPECT_EQ(lines[1].rfind("summary: http://127.0.0.1/a: 2 fetch(es), 0 failure(s), min 10ms, median 10ms, p95 10ms, "
                              "p99 10ms, max 10ms", 0), 0u)
      << lines[1];
  EXPECT_EQ(lines[2], "summary: http://user@127.0.0.1/b: 2 fetch(es), 2 failure(s), no successful fetch");
}

// As ping's statistics: the spread of the times, and the share of the time the URL was up (each
// stretch between two fetches in the state the first of them left).
TEST(RunStats, SummaryGivesTheSpreadOfTimesAndTheShareOfTimeUp) {
  Target a = *parse_target("http://127.0.0.1/a").target;
  ResultStore store;
  auto const start = std::chrono::system_clock::time_point(1'800'000'000s);
  auto const fetch = [&](Duration at, Duration took, bool ok) {
    FetchResult result;
    result.target = &a;
    result.started = start + std::chrono::duration_cast<std::chrono::system_clock::duration>(at);
    result.time_total = took;
    if (ok) result.status = 200;
    if (!ok) result.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};
    record(store, result);
  };
  fetch(0s, 2ms, true);
  fetch(10s, 0ms, false);
  fetch(20s, 30ms, true);
  fetch(40s, 4ms, true);

  EXPECT_EQ(summary_lines(store).at(1),
            "summary: http://127.0.0.1/a: 4 fetch(es), 1 failure(s), min 2ms, median 3.97ms, "
            "p95 29.95ms, p99 29.95ms, max 30ms, up 75.0% of 40s");  // quantiles: within 1 %
}

}  // namespace
}  // namespace poller
