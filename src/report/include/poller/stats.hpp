#pragma once
// Run statistics for the summary on SIGUSR1 and at exit with -v: rounds, fetches, failures, and
// per URL the median and p99 latency. Memory stays bounded over months of rounds: latencies go
// into logarithmic buckets, not a list.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "poller/duration.hpp"
#include "poller/fetch_result.hpp"

namespace poller {

// Latencies in buckets 2 % wide: a quantile is known to within 2 %, whatever the count.
class LatencyHistogram {
 public:
  void record(Duration latency);
  std::uint64_t count() const { return count_; }
  // The q-quantile (0 < q <= 1), 0 when empty.
  Duration quantile(double q) const;

 private:
  std::map<int, std::uint64_t> buckets_;  // bucket index -> count; sparse
  std::uint64_t count_ = 0;
};

class RunStats {
 public:
  void record(const FetchResult& result);
  void round_started() { ++rounds_; }

  // Lines for stderr: a totals line, then one per URL in first-seen order.
  std::vector<std::string> summary_lines() const;

 private:
  struct PerUrl {
    std::string url;
    std::uint64_t fetches = 0;
    std::uint64_t failures = 0;
    LatencyHistogram latency;
  };

  std::uint64_t rounds_ = 0;
  std::uint64_t fetches_ = 0;
  std::uint64_t failures_ = 0;
  std::vector<PerUrl> per_url_;
  std::map<std::string, std::size_t, std::less<>> index_;  // display URL -> per_url_ position
};

}  // namespace poller
