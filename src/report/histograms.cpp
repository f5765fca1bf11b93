#include "poller/report/histograms.hpp"

#include <algorithm>
#include <cmath>

namespace poller {
namespace {

constexpr double bucket_ratio = 1.02;
double const log_ratio = std::log(bucket_ratio);

}  // namespace

void LatencyHistogram::record(Duration latency) {
  double const micros = std::max(1.0, std::chrono::duration<double, std::micro>(latency).count());
  auto const index = static_cast<std::int32_t>(std::floor(std::log(micros) / log_ratio));
  auto bucket = std::lower_bound(buckets_.begin(), buckets_.end(), index,
                                 [](const Bucket& b, std::int32_t i) { return b.index < i; });
  if (bucket == buckets_.end() || bucket->index != index)
    bucket = buckets_.insert(bucket, Bucket{index, 0});
  ++bucket->count;
  min_ = count_ == 0 ? latency : std::min(min_, latency);
  max_ = std::max(max_, latency);
  ++count_;
}

Duration LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return Duration::zero();
  auto const rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (auto const& [bucket, n] : buckets_) {
    seen += n;
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      // The middle of the bucket: within 1 % of every latency in it; never outside those seen.
      double const micros = std::exp((bucket + 0.5) * log_ratio);
      return std::clamp(std::chrono::duration_cast<Duration>(
                            std::chrono::duration<double, std::micro>(micros)),
                        min_, max_);
    }
  }
  return Duration::zero();
}

void SecondsHistogram::observe(Duration value) {
  double const s = std::chrono::duration<double>(value).count();
  auto const bucket = std::lower_bound(histogram_bounds.begin(), histogram_bounds.end(), s);
  ++counts_[static_cast<std::size_t>(bucket - histogram_bounds.begin())];
  sum_ += s;
}

std::uint64_t SecondsHistogram::count() const {
  std::uint64_t total = 0;
  for (auto const n : counts_) total += n;
  return total;
}

}  // namespace poller
