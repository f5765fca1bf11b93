#pragma once
// What a run's fetches and rounds came to, recorded once for both readers: the summary lines
// (SIGUSR1, and -v at exit; stats.hpp) and the Prometheus exposition (--metrics-listen;
// metrics.hpp). No I/O here.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "poller/base/duration.hpp"
#include "poller/report/fetch_phases.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/report/histograms.hpp"
#include "poller/input/shard.hpp"
#include "poller/input/target.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

class ResultStore {
 public:
  // What /metrics shows of one URL: the outcome of its last fetch, and its counts and phase
  // histograms since it was listed. Kept small: one per URL, and the phase histograms are most
  // of it (bench/RESULTS.md, "Figures moved out of code comments").
  struct Series {
    bool up = false;  // the last fetch passed
    UrlState::Health health = UrlState::Health::unknown;
    std::uint64_t state_changes = 0;
    std::string_view failed_check;  // of the last fetch: "status", "body", ... or none
    SecondsHistogram total;         // each fetch's total time
    unsigned http_status = 0;
    std::optional<std::chrono::system_clock::time_point> last_success;
    std::optional<std::chrono::system_clock::time_point> cert_expiry;
    std::uint64_t successes = 0;
    std::uint64_t failures = 0;
    std::uint64_t skipped_retry_after = 0;  // fetches not made: the server's Retry-After
    std::array<SecondsHistogram, fetch_phase_count> phases;  // by FetchPhase
  };

  // One URL over the whole run, as the summary shows it, and its series for /metrics.
  struct UrlRecord {
    std::uint64_t fetches = 0;
    std::uint64_t failures = 0;
    LatencyHistogram latency;  // of the successful fetches
    // Time between its first and last fetch, and the part of it in the up state (each stretch
    // between two fetches counted as the state after the first of them).
    std::chrono::system_clock::time_point last_fetch{};
    bool up_since_last = false;
    Duration watched{};
    Duration up{};
    // Whether the list as last loaded has the URL. A reload that drops it takes its series out
    // of /metrics, and a fetch of the round under way, which may still finish after the reload,
    // makes none: the summary counts it, the exposition does not. Listed anew, it starts afresh.
    bool listed = true;
    // Null without --metrics-listen, and while the URL is not listed. Shared with the
    // snapshots of scrapes under way, and copied before a change while one holds it.
    std::shared_ptr<Series> series;
  };
  // What a record is kept by: the URL as listed (password removed) and its --name (empty: none).
  // One URL listed twice with two names is two records, as it is two checks.
  using UrlKey = std::pair<std::string, std::string>;
  static UrlKey key_of(const Target& target) { return {target.display_url, target.name}; }
  // Compares keys and views of keys alike, so that a fetch's record is found without copying
  // its URL into a key.
  struct UrlKeyLess {
    using is_transparent = void;
    using View = std::pair<std::string_view, std::string_view>;
    static View view(const UrlKey& key) { return {key.first, key.second}; }
    static View view(const View& key) { return key; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  // Sorted, so that the exposition lists each family's URLs in one order, scrape after scrape.
  using Urls = std::map<UrlKey, UrlRecord, UrlKeyLess>;

  // What /metrics renders: the exposed series and the run's totals as they were at one moment.
  // Taking one costs a pointer per URL; a fetch that changes a series a snapshot holds changes
  // a copy, so a scrape written in pieces while fetches go on still shows one moment.
  struct Snapshot {
    struct Exposed {
      const UrlKey* key;
      std::shared_ptr<const Series> series;
    };
    std::vector<Exposed> urls;  // sorted by key
    std::uint64_t rounds = 0;
    SecondsHistogram round_lateness;
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_reused = 0;
    std::optional<Shard> shard;
  };
  Snapshot snapshot() const;

  // Whether /metrics reads the store. Only then does a URL get its Series: a run without
  // --metrics-listen does not pay for a URL's histograms that nobody reads.
  enum class Metrics { off, on };
  explicit ResultStore(Metrics metrics = Metrics::off) : metrics_(metrics) {}

  // A round starts, `lateness` after its scheduled start (the round timer's delay).
  void record_round(Duration lateness);
  // With -Z, each lane starts its rounds on its own: the first lane to start a round records the
  // round, the others only their lateness.
  void record_lateness(Duration lateness);
  // One fetch's outcome, after its checks; a cancelled fetch is not recorded.
  void record(const FetchResult& result, const Verdict& verdict, const UrlState& state);
  // A fetch of `target` not made: its server asked, with Retry-After, not to be fetched yet.
  void record_skip(const Target& target);
  // After a reload: URLs no longer listed leave /metrics, now and for fetches still under way;
  // the summary keeps them.
  void expose_only(const std::vector<Target>& targets);

  // Totals over the run, reloads or not.
  std::uint64_t rounds() const { return rounds_; }
  std::uint64_t fetches() const { return fetches_; }
  std::uint64_t failures() const { return failures_; }
  const SecondsHistogram& round_lateness() const { return lateness_; }
  std::uint64_t connections_opened() const { return connections_opened_; }
  std::uint64_t connections_reused() const { return connections_reused_; }

  // --shard K/N: the instance's place in a fleet, for poller_shard_info.
  void set_shard(Shard shard) { shard_ = shard; }
  const std::optional<Shard>& shard() const { return shard_; }

  const Urls& urls() const { return urls_; }
  // The records of fetched URLs in the order they were first fetched, the summary's order. Map
  // nodes never move and none is erased, so the pointers stay valid.
  const std::vector<const Urls::value_type*>& urls_first_seen() const { return first_seen_; }

 private:
  Metrics metrics_;
  Urls urls_;
  std::vector<const Urls::value_type*> first_seen_;
  bool reloaded_ = false;  // since when a URL first fetched may not be listed
  std::uint64_t rounds_ = 0;
  std::uint64_t fetches_ = 0;
  std::uint64_t failures_ = 0;
  SecondsHistogram lateness_;
  std::uint64_t connections_opened_ = 0;
  std::uint64_t connections_reused_ = 0;
  std::optional<Shard> shard_;
};

}  // namespace poller
