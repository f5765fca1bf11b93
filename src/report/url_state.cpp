#include "poller/report/url_state.hpp"

#include "poller/input/target.hpp"

namespace poller {

const UrlState& UrlStates::record(const FetchResult& result, const Verdict& verdict) {
  if (result.entry >= states_.size()) states_.resize(result.entry + 1);
  auto& slot = states_[result.entry];
  if (!slot) slot = std::make_unique<UrlState>();
  auto& state = *slot;
  auto const& target = *result.target;
  if (state.url != target.display_url || state.name != target.name)
    state = UrlState{target.display_url, target.name};

  bool const pass = verdict.pass();
  if (state.fetches == 0 || state.passed != pass || state.status != result.status)
    state.outcome_since = result.started;
  ++state.fetches;
  state.passed = pass;
  state.status = result.status;
  state.passes_in_a_row = pass ? state.passes_in_a_row + 1 : 0;
  state.failures_in_a_row = pass ? 0 : state.failures_in_a_row + 1;
  auto const health = pass ? UrlState::Health::up : UrlState::Health::down;
  if (state.health != health) {
    state.health = health;
    state.health_since = result.started;
  }
  if (pass && digest_bodies_) {
    auto const digest = result.body_sha256 ? *result.body_sha256 : BodyDigest::of(result.body);
    state.body_changed = state.body_digest != digest;
    state.body_digest = digest;
  }
  return state;
}

const UrlState* UrlStates::find(std::size_t entry) const {
  if (entry >= states_.size() || !states_[entry] || states_[entry]->fetches == 0) return nullptr;
  return states_[entry].get();
}

void UrlStates::reload(std::size_t size, const std::function<bool(std::size_t)>& stays) {
  // Reset in place, never freed: a result being written may still refer to its state.
  for (std::size_t entry = 0; entry < states_.size(); ++entry)
    if (states_[entry] && (entry >= size || !stays(entry))) *states_[entry] = UrlState{};
}

}  // namespace poller
