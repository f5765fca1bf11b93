#include "poller/stats.hpp"

#include <cmath>

#include <fmt/format.h>

#include "poller/target.hpp"

namespace poller {
namespace {

constexpr double bucket_ratio = 1.02;
double const log_ratio = std::log(bucket_ratio);

}  // namespace

void LatencyHistogram::record(Duration latency) {
  double const micros = std::max(1.0, std::chrono::duration<double, std::micro>(latency).count());
  ++buckets_[static_cast<int>(std::floor(std::log(micros) / log_ratio))];
  ++count_;
}

Duration LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return Duration::zero();
  auto const rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (auto const& [bucket, n] : buckets_) {
    seen += n;
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      // The middle of the bucket: within 1 % of every latency in it.
      double const micros = std::exp((bucket + 0.5) * log_ratio);
      return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::micro>(micros));
    }
  }
  return Duration::zero();
}

void RunStats::record(const FetchResult& result) {
  if (result.cancelled()) return;
  ++fetches_;
  auto const& url = result.target->display_url;
  auto found = index_.find(url);
  if (found == index_.end()) {
    found = index_.emplace(url, per_url_.size()).first;
    per_url_.push_back(PerUrl{url, 0, 0, {}});
  }
  auto& entry = per_url_[found->second];
  ++entry.fetches;
  if (result.ok()) {
    entry.latency.record(result.time_total);
  } else {
    ++failures_;
    ++entry.failures;
  }
}

std::vector<std::string> RunStats::summary_lines() const {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("summary: {} round(s), {} fetch(es), {} failure(s)", rounds_, fetches_,
                              failures_));
  for (auto const& entry : per_url_) {
    // Latencies are those of successful fetches: a URL that never succeeded has none to show.
    if (entry.latency.count() == 0) {
      lines.push_back(fmt::format("summary: {}: {} fetch(es), {} failure(s), no successful fetch",
                                  entry.url, entry.fetches, entry.failures));
      continue;
    }
    lines.push_back(fmt::format("summary: {}: {} fetch(es), {} failure(s), median {}, p99 {}",
                                entry.url, entry.fetches, entry.failures,
                                format_duration(entry.latency.quantile(0.5)),
                                format_duration(entry.latency.quantile(0.99))));
  }
  return lines;
}

}  // namespace poller
