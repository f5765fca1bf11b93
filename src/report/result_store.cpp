#include "poller/report/result_store.hpp"

#include <string_view>

namespace poller {
namespace {

void record_series(ResultStore::Series& series, const FetchResult& result,
                   const Verdict& verdict, const UrlState& state) {
  series.up = verdict.pass();
  series.health = state.health;
  series.state_changes = state.changes;
  series.failed_check = verdict.check;
  series.total.observe(result.time_total);
  series.http_status = result.status.value_or(0);
  if (verdict.pass()) {
    ++series.successes;
    series.last_success =
        result.started +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(result.time_total);
  } else {
    ++series.failures;
  }
  // The last certificate seen stays: a fetch that failed before a handshake says nothing new.
  if (result.cert_expiry) series.cert_expiry = result.cert_expiry;
  auto const phases = fetch_phases(result);
  for (std::size_t i = 0; i < phases.size(); ++i) {
    if (phases[i]) series.phases[i].observe(*phases[i]);
  }
}

// The series of `record` to change: copied first while a snapshot shares it.
ResultStore::Series& series_to_change(ResultStore::UrlRecord& record) {
  if (!record.series) {
    record.series = std::make_shared<ResultStore::Series>();
  } else if (record.series.use_count() > 1) {
    record.series = std::make_shared<ResultStore::Series>(*record.series);
  }
  return *record.series;
}

}  // namespace

ResultStore::Snapshot ResultStore::snapshot() const {
  Snapshot snapshot;
  snapshot.urls.reserve(urls_.size());
  for (auto const& [key, record] : urls_) {
    if (record.series) snapshot.urls.push_back({&key, record.series});
  }
  snapshot.rounds = rounds_;
  snapshot.round_lateness = lateness_;
  snapshot.connections_opened = connections_opened_;
  snapshot.connections_reused = connections_reused_;
  snapshot.shard = shard_;
  return snapshot;
}

void ResultStore::record_round(Duration lateness) {
  ++rounds_;
  lateness_.observe(lateness);
}

void ResultStore::record_lateness(Duration lateness) { lateness_.observe(lateness); }

void ResultStore::record(const FetchResult& result, const Verdict& verdict,
                         const UrlState& state) {
  if (result.cancelled() || result.target == nullptr) return;
  auto const& target = *result.target;
  auto found = urls_.find(UrlKeyLess::View{target.display_url, target.name});
  if (found == urls_.end()) {
    // Before any reload every fetched URL is listed; after one, each listed URL has a record.
    found = urls_.emplace(key_of(target), UrlRecord{}).first;
    found->second.listed = !reloaded_;
  }
  auto& record = found->second;
  if (record.fetches == 0) first_seen_.push_back(&*found);

  if (record.fetches > 0 && result.started > record.last_fetch) {
    auto const stretch = std::chrono::duration_cast<Duration>(result.started - record.last_fetch);
    record.watched += stretch;
    if (record.up_since_last) record.up += stretch;
  }
  record.last_fetch = result.started;
  record.up_since_last = state.up();
  ++fetches_;
  ++record.fetches;
  if (verdict.pass()) {
    record.latency.record(result.time_total);
  } else {
    ++failures_;
    ++record.failures;
  }
  if (metrics_ == Metrics::on && record.listed) {
    record_series(series_to_change(record), result, verdict, state);
  }
  connections_opened_ += result.connects;
  if (result.reused) ++connections_reused_;
}

void ResultStore::record_skip(const Target& target) {
  // A skip follows the fetch that asked for it, which made the series (if /metrics has one).
  auto found = urls_.find(UrlKeyLess::View{target.display_url, target.name});
  if (found != urls_.end() && found->second.series) {
    ++series_to_change(found->second).skipped_retry_after;
  }
}

void ResultStore::expose_only(const std::vector<Target>& targets) {
  if (metrics_ == Metrics::off) return;
  reloaded_ = true;
  for (auto& [key, record] : urls_) record.listed = false;
  for (auto const& target : targets) urls_[key_of(target)].listed = true;
  for (auto& [key, record] : urls_) {
    if (!record.listed) record.series.reset();
  }
}

}  // namespace poller
