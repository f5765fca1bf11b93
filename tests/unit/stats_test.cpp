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
  for (int ms = 1; ms <= 100; ++ms) histogram.record(std::chrono::milliseconds(ms));

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
  EXPECT_EQ(lines[1].rfind("summary: http://127.0.0.1/a: 2 fetch(es), 0 failure(s), median 10", 0), 0u)
      << lines[1];
  EXPECT_EQ(lines[2], "summary: http://user@127.0.0.1/b: 2 fetch(es), 2 failure(s), no successful fetch");
}

}  // namespace
}  // namespace poller
