// One list entry's state across results: health and since when, runs of passes and failures,
// the outcome's last change, the --on-change digest, and what a reload keeps.
#include "poller/report/url_state.hpp"

#include <chrono>
#include <optional>
#include <tuple>

#include <gtest/gtest.h>

#include "poller/input/target.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

struct UrlStatesTest : ::testing::Test {
  Target a = *parse_target("http://127.0.0.1:1/a").target;
  Target b = *parse_target("http://127.0.0.1:1/b").target;
  UrlStates states{true};

  const UrlState& fetch(const Target& target, std::size_t entry, std::optional<unsigned> status,
                        std::chrono::seconds at, std::string body = "ok") {
    FetchResult result;
    result.target = &target;
    result.entry = entry;
    result.status = status;
    result.started = std::chrono::system_clock::time_point(at);
    result.body = std::move(body);
    if (!status) result.error = FetchError{FetchErrorKind::connect, "Connection refused"};
    return states.record(result, wire_verdict(result));
  }
};

TEST_F(UrlStatesTest, HealthAndSinceFollowTheVerdicts) {
  EXPECT_EQ(states.find(0), nullptr);
  fetch(a, 0, 200, 10s);
  fetch(a, 0, 200, 20s);
  auto const& state = fetch(a, 0, std::nullopt, 30s);
  EXPECT_EQ(state.health, UrlState::Health::down);
  EXPECT_EQ(state.health_since, std::chrono::system_clock::time_point(30s));
  EXPECT_EQ(state.failures_in_a_row, 1u);
  EXPECT_EQ(state.passes_in_a_row, 0u);
  fetch(a, 0, std::nullopt, 40s);
  fetch(a, 0, 200, 50s);
  EXPECT_TRUE(states.find(0)->up());
  EXPECT_EQ(states.find(0)->health_since, std::chrono::system_clock::time_point(50s));
  EXPECT_EQ(states.find(0)->fetches, 5u);
}

TEST_F(UrlStatesTest, TheOutcomeChangesWithTheStatusToo) {
  fetch(a, 0, 200, 10s);
  fetch(a, 0, 200, 20s);
  EXPECT_EQ(states.find(0)->outcome_since, std::chrono::system_clock::time_point(10s));
  fetch(a, 0, 204, 30s);
  EXPECT_EQ(states.find(0)->outcome_since, std::chrono::system_clock::time_point(30s));
  EXPECT_TRUE(states.find(0)->up());
}

TEST_F(UrlStatesTest, ABodyIsChangedOnlyWhenItDiffersFromTheLastPassingOne) {
  EXPECT_TRUE(fetch(a, 0, 200, 1s, "one").body_changed);
  EXPECT_FALSE(fetch(a, 0, 200, 2s, "one").body_changed);
  fetch(a, 0, std::nullopt, 3s);
  EXPECT_FALSE(fetch(a, 0, 200, 4s, "one").body_changed);
  EXPECT_TRUE(fetch(a, 0, 200, 5s, "two").body_changed);
}

TEST_F(UrlStatesTest, EntriesAreApartEvenForOneUrl) {
  fetch(a, 0, 200, 1s, "one");
  EXPECT_TRUE(fetch(a, 1, 200, 1s, "one").body_changed);
}

TEST_F(UrlStatesTest, AnotherUrlAtThePositionStartsAfresh) {
  fetch(a, 0, 200, 1s, "one");
  auto const& state = fetch(b, 0, 200, 2s, "one");
  EXPECT_EQ(state.fetches, 1u);
  EXPECT_TRUE(state.body_changed);
}

TEST_F(UrlStatesTest, AReloadKeepsTheEntriesThatStayAndResetsTheOthers) {
  fetch(a, 0, 200, 1s);
  fetch(b, 1, 200, 1s);
  fetch(b, 2, 200, 1s);
  states.reload(2, [](std::size_t entry) { return entry == 0; });
  EXPECT_EQ(states.find(0)->fetches, 1u);
  EXPECT_EQ(states.find(1), nullptr);
  EXPECT_EQ(states.find(2), nullptr);
  EXPECT_FALSE(fetch(a, 0, 200, 2s).body_changed);
  EXPECT_TRUE(fetch(b, 1, 200, 2s).body_changed);
}

// --down-after 2 --up-after 3: fetches in a row decide; a change to down, or from down to up, is
// an event that names the health it ended and since when (unknown to up is not announced).
TEST_F(UrlStatesTest, RulesDecideTheStateAndItsChangesAreEvents) {
  StateRules const rules{.down_after = 2, .up_after = 3};
  auto const at = [&](std::optional<unsigned> status, std::chrono::seconds when) {
    FetchResult result;
    result.target = &a;
    result.status = status;
    result.started = std::chrono::system_clock::time_point(when);
    if (!status) result.error = FetchError{FetchErrorKind::connect, "Connection refused"};
    auto const& state = states.record(result, wire_verdict(result), rules);
    return std::tuple(state.health, state.changed, state.changes);
  };
  using H = UrlState::Health;
  EXPECT_EQ(at(200, 0s), std::tuple(H::unknown, false, 0u));
  EXPECT_EQ(at(200, 10s), std::tuple(H::unknown, false, 0u));
  EXPECT_EQ(at(200, 20s), std::tuple(H::up, false, 0u));  // not announced
  EXPECT_EQ(at(std::nullopt, 30s), std::tuple(H::up, false, 0u));
  EXPECT_EQ(at(200, 40s), std::tuple(H::up, false, 0u));  // the run of failures is broken
  EXPECT_EQ(at(std::nullopt, 50s), std::tuple(H::up, false, 0u));
  EXPECT_EQ(at(std::nullopt, 60s), std::tuple(H::down, true, 1u));
  auto const& went_down = *states.find(0);
  EXPECT_EQ(went_down.ended, H::up);
  EXPECT_EQ(went_down.ended_since, std::chrono::system_clock::time_point(20s));
  EXPECT_EQ(went_down.health_since, std::chrono::system_clock::time_point(60s));
  EXPECT_EQ(at(200, 70s), std::tuple(H::down, false, 1u));
  EXPECT_EQ(at(200, 80s), std::tuple(H::down, false, 1u));
  EXPECT_EQ(at(200, 90s), std::tuple(H::up, true, 2u));
  EXPECT_EQ(states.find(0)->ended_since, std::chrono::system_clock::time_point(60s));
}

}  // namespace
}  // namespace poller
