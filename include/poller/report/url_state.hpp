#pragma once
// What the run knows of each list entry across rounds, in one place: whether its checks pass and
// since when, how many in a row, the digest of its last passing body. The run owns one table of
// them (UrlStates); --on-change, the board and /metrics read it. Pure: no I/O.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include "poller/base/body_digest.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/report/politeness.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

struct UrlState {
  enum class Health { unknown, up, down };
  using Time = std::chrono::system_clock::time_point;

  // What the state is of: a hash of the entry's URL as listed and its name (a number, not two
  // more strings per entry). A result of another URL at this position (from a round that began
  // before a reload) starts the state afresh.
  std::size_t of = 0;

  std::uint64_t fetches = 0;
  std::uint64_t passes_in_a_row = 0;
  std::uint64_t failures_in_a_row = 0;
  // Up after a fetch that passed, down after one that failed (thresholds: a later issue).
  Health health = Health::unknown;
  Time health_since{};  // the start of the first fetch of the current health
  // The last fetch's outcome, and when it (passing or not, the status) last differed from the
  // fetch before: the board's "changed".
  bool passed = false;
  std::optional<unsigned> status;
  Time outcome_since{};
  // With --on-change: the last passing body's digest, and whether that body differed from the
  // passing one before it (true for the first).
  std::optional<BodyDigest::Value> body_digest;
  bool body_changed = false;
  // Retry-After and validators (politeness.hpp): forgotten with the rest when the entry changes.
  Politeness polite;

  bool up() const { return health == Health::up; }
};

class UrlStates {
 public:
  // `digest_bodies`: keep each passing body's digest (--on-change). `entries`: the list's length,
  // made room for at once rather than an entry at a time. `max_retry_after`: the longest
  // back-off a Retry-After may ask for.
  explicit UrlStates(bool digest_bodies, std::size_t entries = 0,
                     Duration max_retry_after = std::chrono::hours(1))
      : digest_bodies_(digest_bodies), max_retry_after_(max_retry_after), states_(entries) {}

  // Takes a judged result into its entry's state (result.entry) and returns that state, which
  // stays where it is for the rest of the run (a reload resets it in place).
  const UrlState& record(const FetchResult& result, const Verdict& verdict);

  // The entry's state; null before its first result.
  const UrlState* find(std::size_t entry) const;
  // The same, when it is `target`'s: null for the state of another URL at that position (a
  // round that began before a reload fetches the old list).
  const UrlState* find(std::size_t entry, const Target& target) const;

  // A reload brought a list of `size` entries: entry i keeps its state if `stays(i)` (the same
  // URL with the same settings at the same position); the others start afresh.
  void reload(std::size_t size, const std::function<bool(std::size_t entry)>& stays);

 private:
  bool digest_bodies_;
  Duration max_retry_after_;
  std::deque<UrlState> states_;  // by list entry; a deque, so that a state never moves
};

}  // namespace poller
