#pragma once
// Prometheus metrics of a run (--metrics-listen): per URL the outcome of its last fetch and a
// histogram of the fetch's phases, overall the rounds and the connections; rendered in the text
// exposition format 0.0.4. No I/O here: metrics_server serves what this renders.
// https://github.com/prometheus/docs/blob/main/content/docs/instrumenting/exposition_formats.md

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poller/duration.hpp"
#include "poller/fetch_result.hpp"
#include "poller/shard.hpp"
#include "poller/target.hpp"

namespace poller {

// The phases of a fetch, as blackbox_exporter's probe_http_duration_seconds names them.
enum class FetchPhase { resolve, connect, tls, processing, transfer };
inline constexpr std::size_t fetch_phase_count = 5;
std::string_view to_string(FetchPhase phase);

// How long each phase of a fetch took; nullopt for a phase that did not happen: a reused
// connection has no resolve, connect or tls, plain http no tls, a fetch without a response no
// transfer. A phase that did not happen is no 0-second observation: it would drag the
// histogram's quantiles towards zero as more connections are reused.
using FetchPhases = std::array<std::optional<Duration>, fetch_phase_count>;
FetchPhases fetch_phases(const FetchResult& result);

// Bucket upper bounds in seconds, for the fetch phases and the round lateness alike: loopback
// phases take tens of microseconds, internet ones 10 ms to seconds, and --connect-timeout is 10 s
// by default. 15 buckets with +Inf: each URL's five phase histograms take 640 bytes, and its
// scrape text 4 to 7 KB (39 MB for 10,000 URLs on one host).
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

class MetricsRegistry {
 public:
  // A round starts, `lateness` after its scheduled start (the round timer's delay).
  void record_round(Duration lateness);
  // One fetch's outcome; a cancelled fetch is not recorded.
  void record(const FetchResult& result);
  // --shard K/N: poller_shard_info{shard="K",shards="N"} 1, so that queries over a fleet can
  // find a missing shard. Without it the family is left out.
  void set_shard(Shard shard) { shard_ = shard; }
  // After a reload: the series of URLs no longer listed go.
  void keep_only(const std::vector<Target>& targets);

  // Where a rendering in pieces stands. A fresh cursor starts at the beginning.
  struct Cursor {
    std::size_t family = 0;
    std::optional<std::string> after_url;  // the last URL rendered of this family
    bool header_written = false;
  };
  // Appends the next piece of the exposition to `out`, going on until about `budget` bytes are
  // appended (a URL's lines are never split); returns false once the end is appended. A scrape of
  // 10,000 URLs is megabytes: rendered in pieces, it never holds the io thread (and the rounds)
  // for long nor all in memory. A URL added or removed between pieces may be missed in this
  // scrape, never doubled: URLs come in sorted order and the cursor remembers the last.
  bool render_some(Cursor& cursor, std::string& out, std::size_t budget) const;
  std::string render() const;  // all at once

 private:
  struct UrlSeries {
    bool up = false;
    unsigned http_status = 0;
    std::optional<std::chrono::system_clock::time_point> last_success;
    std::optional<std::chrono::system_clock::time_point> cert_expiry;
    std::uint64_t successes = 0;
    std::uint64_t failures = 0;
    std::array<SecondsHistogram, fetch_phase_count> phases;  // by FetchPhase
  };
  using UrlMap = std::map<std::string, UrlSeries, std::less<>>;

  struct Family;
  static const std::vector<Family>& families();
  void render_family_header(const Family& family, std::string& out) const;

  UrlMap urls_;  // display URL (password removed) -> its series; sorted, see render_some
  std::uint64_t rounds_ = 0;
  SecondsHistogram lateness_;
  std::uint64_t connections_opened_ = 0;
  std::uint64_t connections_reused_ = 0;
  std::optional<Shard> shard_;
};

// A label value as the text format wants it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);

}  // namespace poller
