#pragma once
// The two histograms of durations that a run's results keep: fine logarithmic buckets for the
// summary's quantiles, and Prometheus's fixed buckets for /metrics. Memory stays bounded over
// months of rounds: observations go into buckets, not a list.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "poller/base/duration.hpp"

namespace poller {

// Latencies in buckets 2 % wide: a quantile is known to within 2 %, whatever the count.
class LatencyHistogram {
 public:
  void record(Duration latency);
  std::uint64_t count() const { return count_; }
  // The q-quantile (0 < q <= 1), 0 when empty.
  Duration quantile(double q) const;
  // Exact, not a bucket's: 0 when empty.
  Duration min() const { return min_; }
  Duration max() const { return max_; }

 private:
  // Sparse and sorted by index: a URL's latencies fill few buckets, and each URL of a long list
  // has a histogram, so a bucket costs an element here rather than a map node's allocation
  // (bench/RESULTS.md, "Per origin without a connection").
  struct Bucket {
    std::int32_t index;
    std::uint64_t count;
  };
  std::vector<Bucket> buckets_;
  std::uint64_t count_ = 0;
  Duration min_{}, max_{};
};

// Bucket upper bounds in seconds, for the fetch phases and the round lateness alike: loopback
// phases take tens of microseconds, internet ones 10 ms to seconds, and --connect-timeout is 10 s
// by default. 15 buckets with +Inf: few enough that a URL's five phase histograms and its scrape
// text stay small (bench/RESULTS.md has the sizes).
inline constexpr std::array<double, 14> histogram_bounds{
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Counts per bucket (cumulated only when rendered), and the sum of the observations.
class SecondsHistogram {
 public:
  void observe(Duration value);
  std::uint64_t count() const;
  double sum() const { return sum_; }
  // Observations in bucket i alone; i == histogram_bounds.size() is the +Inf bucket.
  std::uint64_t bucket(std::size_t i) const { return counts_[i]; }

 private:
  std::array<std::uint64_t, histogram_bounds.size() + 1> counts_{};
  double sum_ = 0;
};

}  // namespace poller
