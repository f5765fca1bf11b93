#include "poller/report/stats.hpp"

#include <fmt/format.h>

namespace poller {

std::vector<std::string> summary_lines(const ResultStore& store) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("summary: {} round(s), {} fetch(es), {} failure(s)", store.rounds(),
                              store.fetches(), store.failures()));
  for (auto const* entry : store.urls_first_seen()) {
    auto const& [key, record] = *entry;
    auto const& url = key.second.empty() ? key.first : key.second;  // its name, if it has one
    // Latencies are those of successful fetches: a URL that never succeeded has none to show.
    if (record.latency.count() == 0) {
      lines.push_back(fmt::format("summary: {}: {} fetch(es), {} failure(s), no successful fetch",
                                  url, record.fetches, record.failures));
      continue;
    }
    // As ping's statistics: the spread of the times, and how much of the run the URL was up.
    auto line = fmt::format(
        "summary: {}: {} fetch(es), {} failure(s), min {}, median {}, p95 {}, p99 {}, max {}", url,
        record.fetches, record.failures, format_duration(record.latency.min()),
        format_duration(record.latency.quantile(0.5)),
        format_duration(record.latency.quantile(0.95)),
        format_duration(record.latency.quantile(0.99)), format_duration(record.latency.max()));
    if (record.watched > Duration::zero()) {
      line += fmt::format(", up {:.1f}% of {}",
                          100.0 * static_cast<double>(record.up.count()) /
                              static_cast<double>(record.watched.count()),
                          format_duration(record.watched));
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace poller
