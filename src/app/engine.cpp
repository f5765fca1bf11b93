#include "engine.hpp"

#include <algorithm>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "poller/base/asio_defaults.hpp"
#include "poller/input/shard.hpp"

namespace poller {

using Clock = RoundSchedule::Clock;

// One lane's part of a list: the entries (indexes into the list) in list order.
struct Engine::LaneList {
  std::shared_ptr<const std::vector<Target>> all;
  std::vector<std::size_t> entries;
};

struct Engine::Lane {
  Lane(net::io_context& io, std::string key, std::shared_ptr<const LaneList> list)
      : key(std::move(key)), list(std::move(list)), timer(io) {}

  std::string key;                       // the origin with -Z; empty for the one lane
  std::shared_ptr<const LaneList> list;  // replaced by a reload, taken up at the next round
  net::steady_timer timer;
  std::uint64_t first_round = 1;
  Clock::time_point first_start{};
  Clock::time_point round_start{};  // when the round under way was due
  std::size_t cursor = 0;  // the next entry of the round's list to fetch
  bool dropped = false;    // a reload left its key out
};

// Word that a lane ended (or that the run stops), for run() to count its lanes again. One
// message buffered is enough: run() looks at the count itself after each.
struct Engine::LaneEnds {
  explicit LaneEnds(net::io_context& io) : channel(io, 1) {}
  void tell() { channel.try_send(error_code{}); }
  net::experimental::channel<void(error_code)> channel;
};

Engine::Engine(net::io_context& io, EngineSettings settings, EngineHooks hooks)
    : io_(io),
      settings_(settings),
      hooks_(std::move(hooks)),
      shared_(settings.lane_per_origin),
      places_(io, std::max<std::size_t>(settings.parallel_max, 1)),
      deliveries_(io, 1),
      lane_ends_(std::make_unique<LaneEnds>(io)) {}

Engine::~Engine() = default;

std::map<std::string, std::shared_ptr<Engine::LaneList>> Engine::split(
    const std::shared_ptr<const std::vector<Target>>& targets) const {
  std::map<std::string, std::shared_ptr<LaneList>> lanes;
  // The one lane exists even for an empty list: its rounds go on, empty, until a reload.
  if (!settings_.lane_per_origin)
    lanes.emplace("", std::make_shared<LaneList>(LaneList{targets, {}}));
  for (std::size_t entry = 0; entry < targets->size(); ++entry) {
    auto& lane = lanes[settings_.lane_per_origin ? (*targets)[entry].origin.to_string() : ""];
    if (!lane) lane = std::make_shared<LaneList>(LaneList{targets, {}});
    lane->entries.push_back(entry);
  }
  return lanes;
}

net::awaitable<void> Engine::run(std::shared_ptr<const std::vector<Target>> targets) {
  for (auto& [key, list] : split(targets))
    lanes_.emplace(key, std::make_shared<Lane>(io_, key, list));
  // t0 once the lanes exist: making thousands of lanes is the run's start-up, not its first
  // round's lateness.
  t0_ = Clock::now();
  for (auto& [key, lane] : lanes_) {
    lane->first_start = t0_ + lane_offset(*lane->list);
    start_lane(lane);
  }
  // Either way the run waits for its lanes to end: none may deliver once the output is closed.
  while (running_ > 0 || (!stopping_ && !settings_.count))
    co_await lane_ends_->channel.async_receive(use_tuple);
  ended_ = true;
}

// --spread with -Z: the lane's fixed fraction of the interval, from its origin. A lane is
// never empty, so its first entry names its origin.
Duration Engine::lane_offset(const LaneList& list) const {
  if (!settings_.spread || !settings_.lane_per_origin || list.entries.empty()) return {};
  auto const& origin = (*list.all)[list.entries.front()].origin;
  return std::chrono::duration_cast<Duration>(settings_.interval * spread_fraction(origin));
}

void Engine::update(std::shared_ptr<const std::vector<Target>> targets) {
  // Once the run has ended (or is ending), nothing may start: the output is being closed.
  if (stopping_ || ended_) return;
  auto lists = split(targets);
  // A lane still running keeps its key, dropped or not: a key dropped by one reload and brought
  // back by the next, its fetch still in flight, goes on in the same lane rather than in a
  // second one beside it.
  for (auto& [key, lane] : lanes_) {
    auto found = lists.find(key);
    if (found == lists.end()) {
      if (!lane->dropped) {
        lane->dropped = true;
        lane->timer.cancel();
      }
    } else {
      lane->list = found->second;
      lane->dropped = false;
      lists.erase(found);
    }
  }
  // New lanes start at the next tick, with that tick's round number; after the last round of a
  // bounded run, not at all.
  auto start = Clock::now();
  std::uint64_t round = rounds_begun_ + 1;
  if (settings_.interval > Duration::zero()) {
    auto const tick = static_cast<std::uint64_t>((start - t0_) / settings_.interval) + 1;
    start = t0_ + tick * settings_.interval;
    round = tick + 1;
  }
  if (past_last_round(round)) return;
  for (auto& [key, list] : lists) {
    auto lane = std::make_shared<Lane>(io_, key, list);
    lane->first_round = round;
    lane->first_start = start + lane_offset(*list);
    lanes_.emplace(key, lane);
    start_lane(lane);
  }
}

void Engine::stop() {
  stopping_ = true;
  places_.close();
  for (auto& [key, lane] : lanes_) lane->timer.cancel();
  lane_ends_->tell();
}

void Engine::start_lane(std::shared_ptr<Lane> lane) {
  ++running_;
  net::co_spawn(io_, run_lane(lane), [this, lane](std::exception_ptr error) {
    if (auto found = lanes_.find(lane->key); found != lanes_.end() && found->second == lane)
      lanes_.erase(found);
    --running_;
    lane_ends_->tell();
    // A lane that throws is a bug: let it out of io_context::run.
    if (error) std::rethrow_exception(error);
  });
}

// Waits for the lane's next start. A reload that dropped the lane cancels the wait, and one that
// brought it back before it woke must not make it start early: it then waits on.
net::awaitable<void> Engine::wait_until(Lane& lane, Clock::time_point start) {
  while (!stopping_ && !lane.dropped && Clock::now() < start) {
    lane.timer.expires_at(start);
    co_await lane.timer.async_wait(use_tuple);
  }
}

net::awaitable<void> Engine::run_lane(std::shared_ptr<Lane> lane) {
  RoundSchedule schedule(lane->first_start, settings_.interval);
  auto scheduled_start = lane->first_start;
  co_await wait_until(*lane, scheduled_start);
  for (auto round = lane->first_round; !stopping_ && !lane->dropped; ++round) {
    rounds_begun_ = std::max(rounds_begun_, round);
    lane->round_start = scheduled_start;
    hooks_.round_started(round, Clock::now() - scheduled_start,
                         scheduled_start + settings_.interval);
    co_await run_lane_round(*lane, round);
    if (stopping_ || lane->dropped || (settings_.count && round >= *settings_.count)) break;

    auto const next = schedule.next(Clock::now());
    if (next.overran)
      spdlog::warn("{}", overrun_warning(lane->key, round, settings_.interval, next.skipped_ticks));
    scheduled_start = next.start;
    co_await wait_until(*lane, next.start);
  }
}

// Not a coroutine: the awaitable it returns is the workers', so a round costs no frame of its
// own.
net::awaitable<void> Engine::run_lane_round(Lane& lane, std::uint64_t round) {
  // The round keeps the list it started with, whatever a reload brings meanwhile.
  auto list = lane.list;
  lane.cursor = 0;
  auto const workers =
      shared_ ? std::min(settings_.parallel_max_host, list->entries.size()) : std::size_t{1};
  if (workers <= 1) return run_worker(lane, std::move(list), round);
  return run_workers(lane, std::move(list), round, workers);
}

// --parallel-max-host N: N workers take the lane's URLs one after another.
net::awaitable<void> Engine::run_workers(Lane& lane, std::shared_ptr<const LaneList> list,
                                         std::uint64_t round, std::size_t workers) {
  using Worker = decltype(net::co_spawn(io_, run_worker(lane, list, round), net::deferred));
  std::vector<Worker> all;
  all.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i)
    all.push_back(net::co_spawn(io_, run_worker(lane, list, round), net::deferred));
  auto [order, errors] = co_await net::experimental::make_parallel_group(std::move(all))
                             .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  for (auto const& error : errors)
    if (error) std::rethrow_exception(error);
}

// --spread with one lane: the fetch at `position` of `of` waits for its own start time,
// position/of of the interval into the round, and its lateness is measured from there.
net::awaitable<void> Engine::pace(Lane& lane, std::uint64_t round, std::size_t position,
                                  std::size_t of) {
  // In floating point: a long interval times a long list overflows 64-bit nanoseconds.
  auto const start =
      lane.round_start + std::chrono::duration_cast<Duration>(
                             settings_.interval * (static_cast<double>(position) / of));
  co_await wait_until(lane, start);
  hooks_.round_started(round, Clock::now() - start, lane.round_start + settings_.interval);
}

net::awaitable<void> Engine::run_worker(Lane& lane, std::shared_ptr<const LaneList> list,
                                        std::uint64_t round) {
  while (!stopping_ && !lane.dropped && lane.cursor < list->entries.size()) {
    auto const position = lane.cursor++;
    auto const entry = list->entries[position];
    auto const& target = (*list->all)[entry];
    if (position > 0 && paced()) co_await pace(lane, round, position, list->entries.size());
    if (stopping_ || lane.dropped) co_return;
    if (hooks_.skip && hooks_.skip(target, entry)) continue;
    std::optional<DeferredPermit> place;
    if (shared_) place.emplace(places_);
    auto result = co_await hooks_.fetch(target, entry, round, place ? &*place : nullptr);
    result.entry = entry;
    if (result.cancelled()) co_return;
    std::optional<SemaphorePermit> delivering;
    if (shared_) {
      if (!co_await deliveries_.acquire()) co_return;
      delivering.emplace(deliveries_);
    }
    auto const verdict = hooks_.judge(result);
    co_await hooks_.deliver(result, verdict);
    delivering.reset();
    if (!hooks_.go_on()) co_return;
  }
}

}  // namespace poller
