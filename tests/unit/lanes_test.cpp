// The engine in-process with -Z's lanes, driven on an io_context, with fetch hooks that stand
// for the client (a timer as the fetch's duration), so what the lanes start, and when, is
// observable.
#include "engine.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include "poller/base/asio_defaults.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const std::vector<Target>> list_of(std::initializer_list<std::string> urls) {
  auto targets = std::make_shared<std::vector<Target>>();
  for (auto const& url : urls) targets->push_back(*parse_target(url).target);
  return targets;
}

// Fetches that take `fetch_time` each, counted per origin, with the most in flight at once.
struct FetchRecorder {
  explicit FetchRecorder(net::io_context& io, Duration fetch_time)
      : io(io), fetch_time(fetch_time) {}

  EngineHooks hooks() {
    return {[this](const Target& target, std::size_t, std::uint64_t round,
                   DeferredPermit*) -> net::awaitable<FetchResult> {
              auto const origin = target.origin.to_string();
              ++fetches[origin];
              started.push_back(std::chrono::steady_clock::now());
              last_round[origin] = round;
              order.push_back(target.display_url.substr(target.display_url.rfind('/')));
              most_at_once[origin] = std::max(most_at_once[origin], ++in_flight[origin]);
              most_at_once_overall = std::max(most_at_once_overall, ++in_flight_overall);
              net::steady_timer took(io, fetch_time);
              co_await took.async_wait(use_tuple);
              --in_flight[origin];
              --in_flight_overall;
              FetchResult result;
              result.target = &target;
              result.round = round;
              co_return result;
            },
            [](FetchResult& result) { return wire_verdict(result); },
            [](const FetchResult&, const Verdict&) -> net::awaitable<void> { co_return; }, [] { return true; },
            [](std::uint64_t, Duration, EngineHooks::Clock::time_point) {},
            nullptr};
  }

  net::io_context& io;
  Duration fetch_time;
  std::map<std::string, int> fetches, in_flight, most_at_once;
  std::map<std::string, std::uint64_t> last_round;
  std::vector<std::string> order;  // the paths, in the order fetched
  std::vector<std::chrono::steady_clock::time_point> started;  // each fetch's start
  int in_flight_overall = 0, most_at_once_overall = 0;
};

TEST(Lanes, AReloadAfterABoundedRunEndedStartsNoLane) {
  net::io_context io{1};
  FetchRecorder recorder(io, 0ms);
  Engine lanes(io, EngineSettings{10ms, 1, true, 50, 1}, recorder.hooks());
  net::co_spawn(io, lanes.run(list_of({"http://127.0.0.1:1/a"})), net::detached);
  io.run();
  ASSERT_EQ(recorder.fetches["http://127.0.0.1:1"], 1);

  // A SIGHUP taken as the run ended: its output is closed, nothing may fetch or write.
  lanes.update(list_of({"http://127.0.0.1:1/a", "http://127.0.0.2:1/b"}));
  io.restart();
  io.run_for(200ms);
  EXPECT_EQ(recorder.fetches["http://127.0.0.2:1"], 0);
  EXPECT_EQ(recorder.fetches["http://127.0.0.1:1"], 1);
}

TEST(Lanes, AnOriginDroppedAndBroughtBackDuringItsFetchKeepsOneLane) {
  net::io_context io{1};
  // Each fetch outlasts the interval, so a second lane would start while the first one fetches.
  FetchRecorder recorder(io, 150ms);
  Engine lanes(io, EngineSettings{50ms, std::nullopt, true, 50, 1}, recorder.hooks());
  auto const with = list_of({"http://127.0.0.1:1/a"});
  auto const without = list_of({"http://127.0.0.2:1/b"});
  net::co_spawn(io, lanes.run(with), net::detached);

  net::steady_timer reloads(io, 20ms);  // during the first fetch of 127.0.0.1
  reloads.async_wait([&](error_code) {
    lanes.update(without);
    lanes.update(with);
  });
  net::steady_timer stop(io, 600ms);
  stop.async_wait([&](error_code) { lanes.stop(); });
  io.run();

  EXPECT_EQ(recorder.most_at_once["http://127.0.0.1:1"], 1);
  // The lane went on after its fetch: later rounds were fetched.
  EXPECT_GE(recorder.fetches["http://127.0.0.1:1"], 2);
}

TEST(Lanes, ALaneAddedToABoundedRunDoesNotExtendIt) {
  net::io_context io{1};
  FetchRecorder recorder(io, 0ms);
  // Rounds at 0, 300 and 600 ms; a lane added before the second tick starts there, as round 2.
  Engine lanes(io, EngineSettings{300ms, 3, true, 50, 1}, recorder.hooks());
  net::co_spawn(io, lanes.run(list_of({"http://127.0.0.1:1/a"})), net::detached);
  net::steady_timer reload(io, 50ms);
  reload.async_wait([&](error_code) {
    lanes.update(list_of({"http://127.0.0.1:1/a", "http://127.0.0.2:1/b"}));
  });
  io.run();

  EXPECT_EQ(recorder.fetches["http://127.0.0.1:1"], 3);
  EXPECT_EQ(recorder.fetches["http://127.0.0.2:1"], 2);
  EXPECT_EQ(recorder.last_round["http://127.0.0.2:1"], 3u);
}

TEST(Lanes, WithoutLanePerOriginOneLaneFetchesTheWholeListInOrder) {
  net::io_context io{1};
  FetchRecorder recorder(io, 10ms);
  Engine engine(io, EngineSettings{0ms, 2, false, 50, 4}, recorder.hooks());
  net::co_spawn(
      io,
      engine.run(list_of({"http://127.0.0.1:1/a", "http://127.0.0.2:1/b", "http://127.0.0.1:1/c"})),
      net::detached);
  io.run();

  EXPECT_EQ(recorder.most_at_once_overall, 1);
  EXPECT_EQ(recorder.order, (std::vector<std::string>{"/a", "/b", "/c", "/a", "/b", "/c"}));
}

TEST(Lanes, SpreadWithOneLanePacesItsFetchesOverTheInterval) {
  net::io_context io{1};
  FetchRecorder recorder(io, 0ms);
  // 4 URLs, 400 ms: one every 100 ms.
  Engine engine(io, EngineSettings{400ms, 1, false, 50, 1, true}, recorder.hooks());
  net::co_spawn(io,
                engine.run(list_of({"http://127.0.0.1:1/a", "http://127.0.0.1:1/b",
                                    "http://127.0.0.1:1/c", "http://127.0.0.1:1/d"})),
                net::detached);
  io.run();

  ASSERT_EQ(recorder.started.size(), 4u);
  // Measured from the first fetch, which may itself start a moment after its tick.
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_GE(recorder.started[i] - recorder.started[0], i * 100ms - 5ms) << i;
    EXPECT_LT(recorder.started[i] - recorder.started[0], i * 100ms + 80ms) << i;
  }
}

TEST(Lanes, AnEntryTheSkipHookNamesIsNeitherFetchedNorDelivered) {
  net::io_context io{1};
  FetchRecorder recorder(io, 0ms);
  auto hooks = recorder.hooks();
  int delivered = 0;
  hooks.deliver = [&](const FetchResult&, const Verdict&) -> net::awaitable<void> {
    ++delivered;
    co_return;
  };
  hooks.skip = [](const Target&, std::size_t entry) { return entry == 1; };
  Engine engine(io, EngineSettings{0ms, 2, true, 50, 1}, hooks);
  net::co_spawn(io,
                engine.run(list_of(
                    {"http://127.0.0.1:1/a", "http://127.0.0.1:1/b", "http://127.0.0.1:1/c"})),
                net::detached);
  io.run();

  EXPECT_EQ(recorder.order, (std::vector<std::string>{"/a", "/c", "/a", "/c"}));
  EXPECT_EQ(delivered, 4);
}

}  // namespace
}  // namespace poller
