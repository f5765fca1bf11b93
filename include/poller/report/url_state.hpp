#pragma once
// What the run knows of each list entry across rounds, in one place: its state (unknown, up,
// down) and since when, how many passes or failures in a row, the digest of its last passing
// body. The run owns one table of them (UrlStates); the log, the hooks, --on-change, the board
// and /metrics read it. Pure: no I/O.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>

#include "poller/base/body_digest.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/report/politeness.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

// What it takes to change an entry's state (SPEC "State and alerts"): --down-after N failures in
// a row make it down, --up-after N passes in a row up. Per URL too.
struct StateRules {
  unsigned down_after = 1;
  unsigned up_after = 1;
};

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
  // Unknown until its rules decide; the start of the fetch that decided it (of the entry's first
  // fetch while unknown).
  Health health = Health::unknown;
  Time health_since{};
  // Whether this result was an event: a change to down, or from down to up (unknown to up is
  // not announced). Then `ended` is the health it ended, which had held since `ended_since`.
  bool changed = false;
  Health ended = Health::unknown;
  Time ended_since{};
  std::uint64_t changes = 0;  // events so far
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
  bool down() const { return health == Health::down; }
};

// "unknown", "up", "down": as JSON, -w %{state} and the hooks' POLLER_STATE say it.
std::string_view to_string(UrlState::Health health);

class UrlStates {
 public:
  // `digest_bodies`: keep each passing body's digest (--on-change). `entries`: the list's length,
  // made room for at once rather than an entry at a time. `max_retry_after`: the longest
  // back-off a Retry-After may ask for.
  explicit UrlStates(bool digest_bodies, std::size_t entries = 0,
                     Duration max_retry_after = std::chrono::hours(1))
      : digest_bodies_(digest_bodies), max_retry_after_(max_retry_after), states_(entries) {}

  // Takes a judged result into its entry's state (result.entry) by the entry's `rules` and returns
  // that state, which stays where it is for the rest of the run (a reload resets it in place).
  const UrlState& record(const FetchResult& result, const Verdict& verdict,
                         const StateRules& rules = {});

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
