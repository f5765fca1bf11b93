#include "poller/report/url_state.hpp"

#include <functional>
#include <string_view>

#include "poller/input/target.hpp"

namespace poller {
namespace {

std::size_t identity(const Target& target) {
  std::hash<std::string_view> const hash;
  return hash(target.display_url) * 31 + hash(target.name);
}

// The health `state` has after its latest fetch: changed only when the fetches in a row reach
// the rule's count.
UrlState::Health decided_health(const UrlState& state, const StateRules& rules) {
  using Health = UrlState::Health;
  if (state.passed && state.health != Health::up && state.passes_in_a_row >= rules.up_after)
    return Health::up;
  if (!state.passed && state.health != Health::down &&
      state.failures_in_a_row >= rules.down_after)
    return Health::down;
  return state.health;
}

}  // namespace

std::string_view to_string(UrlState::Health health) {
  switch (health) {
    case UrlState::Health::up: return "up";
    case UrlState::Health::down: return "down";
    case UrlState::Health::unknown: break;
  }
  return "unknown";
}

const UrlState& UrlStates::record(const FetchResult& result, const Verdict& verdict,
                                  const StateRules& rules) {
  if (result.entry >= states_.size()) states_.resize(result.entry + 1);
  auto& state = states_[result.entry];
  auto const of = identity(*result.target);
  if (state.fetches == 0 || state.of != of) {
    state = UrlState{};
    state.of = of;
    state.health_since = result.started;
  }

  bool const pass = verdict.pass();
  if (state.fetches == 0 || state.passed != pass || state.status != result.status)
    state.outcome_since = result.started;
  ++state.fetches;
  state.passed = pass;
  state.status = result.status;
  state.passes_in_a_row = pass ? state.passes_in_a_row + 1 : 0;
  state.failures_in_a_row = pass ? 0 : state.failures_in_a_row + 1;
  auto const health = decided_health(state, rules);
  state.changed = false;
  if (state.health != health) {
    state.changed = health == UrlState::Health::down || state.health == UrlState::Health::down;
    if (state.changed) ++state.changes;
    state.ended = state.health;
    state.ended_since = state.health_since;
    state.health = health;
    state.health_since = result.started;
  }
  if (pass && digest_bodies_ && result.status == 304 && result.conditional) {
    state.body_changed = false;  // the body the validators were taken from, unchanged
  } else if (pass && digest_bodies_) {
    auto const digest = result.body_sha256 ? *result.body_sha256 : BodyDigest::of(result.body);
    state.body_changed = state.body_digest != digest;
    state.body_digest = digest;
  }
  // Measured from when the response was in: a delay is counted from its arrival.
  auto const answered =
      result.started + std::chrono::duration_cast<UrlState::Time::duration>(result.time_total);
  take_politeness(state.polite, result, verdict, max_retry_after_, answered);
  return state;
}

const UrlState* UrlStates::find(std::size_t entry) const {
  if (entry >= states_.size() || states_[entry].fetches == 0) return nullptr;
  return &states_[entry];
}

const UrlState* UrlStates::find(std::size_t entry, const Target& target) const {
  auto const* state = find(entry);
  return state != nullptr && state->of == identity(target) ? state : nullptr;
}

void UrlStates::reload(std::size_t size, const std::function<bool(std::size_t)>& stays) {
  // Reset in place, never freed: a result being written may still refer to its state.
  for (std::size_t entry = 0; entry < states_.size(); ++entry)
    if (entry >= size || !stays(entry)) states_[entry] = UrlState{};
  if (states_.size() < size) states_.resize(size);
}

}  // namespace poller
