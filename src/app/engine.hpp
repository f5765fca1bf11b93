#pragma once
// The one scheduling engine. The list is split into lanes: one lane over the whole list, or with
// -Z one per origin (scheme, host, port). Each lane fetches its URLs in list order (with -Z up to
// --parallel-max-host at once) and keeps the fixed-rate schedule on its own: round k is due at
// t0 + k·interval, so a slow or dead host delays only its own lane. Rounds are the run's: a lane
// that a reload adds starts at the next tick with that tick's round number, and a bounded run
// ends once every lane has done round --count.
//
// With -Z, at most --parallel-max fetches read a body at once over all lanes: a fetch takes its
// place once its response's header is in and keeps it until its result is delivered, which
// bounds memory by --parallel-max × (the largest body + a constant), and a host that never
// answers holds none. Results are delivered one at a time, whole.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "poller/base/duration.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/client/async_semaphore.hpp"
#include "poller/input/target.hpp"
#include "poller/report/verdict.hpp"
#include "schedule.hpp"

namespace poller {

struct EngineSettings {
  Duration interval{};
  std::optional<std::uint64_t> count;  // the run's rounds; unset = until stopped
  bool lane_per_origin = false;        // -Z; else one lane over the whole list
  std::size_t parallel_max = 50;       // -Z: bodies read (and held until delivered) at once
  std::size_t parallel_max_host = 1;   // -Z: fetches in flight per lane (connections per origin)
  // --spread: with -Z each lane's ticks are offset by its origin's fraction of the interval
  // (shard.hpp's spread_fraction); with one lane, URL i of n starts no earlier than i/n of the
  // interval into its round.
  bool spread = false;
};

// What the run does with each fetch and each round start; the engine only schedules.
struct EngineHooks {
  using Clock = RoundSchedule::Clock;

  // Fetches `target` (list entry `entry`) for `round`. `place` is the --parallel-max place for
  // the client to take once a body follows, held until the result is delivered; null when no
  // other fetch can be in flight (one lane, one worker).
  std::function<boost::asio::awaitable<FetchResult>(const Target&, std::size_t entry,
                                                    std::uint64_t round, DeferredPermit* place)>
      fetch;
  // Decides whether the fetch passes, once (report/verdict.hpp).
  std::function<Verdict(FetchResult&)> judge;
  // Hands a judged result to the run's listeners (store, log, output); the awaitable is the
  // output's write, which may wait on a slow reader.
  std::function<boost::asio::awaitable<void>(const FetchResult&, const Verdict&)> deliver;
  // Asked after each delivery: false ends the run (stdout's reader went away).
  std::function<bool()> go_on;
  // A lane starts `round`, `lateness` after its tick; the lane's next tick is `next_tick`. With
  // --spread and one lane, also each paced fetch of the round after the first, `lateness`
  // after its own start time.
  std::function<void(std::uint64_t round, Duration lateness, Clock::time_point next_tick)>
      round_started;
  // Asked before each fetch: true leaves the entry out of this round (its server asked for a
  // pause with Retry-After); nothing is fetched or delivered for it. Unset: nothing is skipped.
  std::function<bool(const Target&, std::size_t entry)> skip;
};

class Engine {
 public:
  Engine(boost::asio::io_context& io, EngineSettings settings, EngineHooks hooks);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the lanes of `targets` and returns once every lane has ended (--count rounds done,
  // or stop()). An unbounded run goes on with no lane at all: a reload may bring some.
  boost::asio::awaitable<void> run(std::shared_ptr<const std::vector<Target>> targets);

  // SIGHUP: lanes take the new list at their next round; a new lane starts at the next tick; a
  // dropped lane ends after its fetch in flight (brought back before that, it goes on: one lane
  // per key at any moment). Does nothing once run() has returned.
  void update(std::shared_ptr<const std::vector<Target>> targets);

  // Ends every lane: waits are cut short, fetches waiting for a place get none.
  void stop();

 private:
  struct Lane;
  struct LaneList;
  struct LaneEnds;

  std::map<std::string, std::shared_ptr<LaneList>> split(
      const std::shared_ptr<const std::vector<Target>>& targets) const;
  Duration lane_offset(const LaneList& list) const;
  boost::asio::awaitable<void> pace(Lane& lane, std::uint64_t round, std::size_t position,
                                    std::size_t of);

  void start_lane(std::shared_ptr<Lane> lane);
  boost::asio::awaitable<void> run_lane(std::shared_ptr<Lane> lane);
  boost::asio::awaitable<void> wait_until(Lane& lane, RoundSchedule::Clock::time_point start);
  boost::asio::awaitable<void> run_lane_round(Lane& lane, std::uint64_t round);
  boost::asio::awaitable<void> run_workers(Lane& lane, std::shared_ptr<const LaneList> list,
                                           std::uint64_t round, std::size_t workers);
  boost::asio::awaitable<void> run_worker(Lane& lane, std::shared_ptr<const LaneList> list,
                                          std::uint64_t round);
  // --spread with one lane: each fetch of a round has its own start time.
  bool paced() const {
    return settings_.spread && !shared_ && settings_.interval > Duration::zero();
  }
  bool past_last_round(std::uint64_t round) const {
    return settings_.count && round > *settings_.count;
  }

  boost::asio::io_context& io_;
  EngineSettings settings_;
  EngineHooks hooks_;
  bool const shared_;          // fetches may overlap: places and one delivery at a time
  AsyncSemaphore places_;      // --parallel-max
  AsyncSemaphore deliveries_;  // one result delivered at a time
  std::unique_ptr<LaneEnds> lane_ends_;
  std::map<std::string, std::shared_ptr<Lane>> lanes_;  // the running ones, by key
  RoundSchedule::Clock::time_point t0_{};
  std::uint64_t rounds_begun_ = 0;  // the highest round any lane has started
  std::size_t running_ = 0;
  bool stopping_ = false;
  bool ended_ = false;  // run() has returned
};

}  // namespace poller
