#include "lanes.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "poller/base/asio_defaults.hpp"

namespace poller {
namespace {

using Clock = RoundSchedule::Clock;

// A lane that throws is a bug: let it out of io_context::run, as the run's own coroutine does.
void rethrow(std::exception_ptr error) {
  if (error) std::rethrow_exception(error);
}

}  // namespace

// One origin's part of a list: the entries (indexes into the list) in list order.
struct Lanes::LaneList {
  std::shared_ptr<const std::vector<Target>> all;
  std::vector<std::size_t> entries;
};

std::map<std::string, std::shared_ptr<Lanes::LaneList>> Lanes::group_by_origin(
    const std::shared_ptr<const std::vector<Target>>& targets) {
  std::map<std::string, std::shared_ptr<LaneList>> lanes;
  for (std::size_t entry = 0; entry < targets->size(); ++entry) {
    auto& lane = lanes[(*targets)[entry].origin.to_string()];
    if (!lane) lane = std::make_shared<LaneList>(LaneList{targets, {}});
    lane->entries.push_back(entry);
  }
  return lanes;
}

struct Lanes::Lane {
  Lane(net::io_context& io, std::string origin, std::shared_ptr<const LaneList> list)
      : origin(std::move(origin)), list(std::move(list)), timer(io) {}

  std::string origin;
  std::shared_ptr<const LaneList> list;  // replaced by a reload, taken up at the next round
  net::steady_timer timer;
  std::uint64_t first_round = 1;
  Clock::time_point first_start{};
  std::size_t cursor = 0;  // the next entry of the round's list to fetch
  bool dropped = false;    // a reload left its origin out
};

Lanes::Lanes(net::io_context& io, LaneSettings settings, LaneHooks hooks)
    : io_(io),
      settings_(settings),
      hooks_(std::move(hooks)),
      fetches_(io, std::max<std::size_t>(settings.parallel_max, 1)) {}

Lanes::~Lanes() = default;

net::awaitable<void> Lanes::run(std::shared_ptr<const std::vector<Target>> targets) {
  targets_ = std::move(targets);
  all_ended_ = std::make_unique<net::steady_timer>(io_);
  for (auto& [origin, list] : group_by_origin(targets_))
    lanes_.emplace(origin, std::make_shared<Lane>(io_, origin, list));
  // t0 once the lanes exist, as the sequential run's is once the list is loaded: making
  // thousands of lanes is the run's start-up, not its first round's lateness.
  t0_ = Clock::now();
  for (auto& [origin, lane] : lanes_) {
    lane->first_start = t0_;
    ++running_;
    net::co_spawn(io_, run_lane(lane), rethrow);
  }
  // A bounded run ends when every lane has done its rounds; an unbounded one goes on even with
  // no lane (a reload may bring some). Either way the run waits for its lanes to end: none may
  // write once the output is closed.
  while (running_ > 0 || (!stopping_ && !settings_.count)) {
    all_ended_->expires_at(Clock::time_point::max());
    co_await all_ended_->async_wait(use_tuple);
  }
  ended_ = true;
}

void Lanes::update(std::shared_ptr<const std::vector<Target>> targets) {
  // Once the run has ended (or is ending), nothing may start: the output is being closed.
  if (stopping_ || ended_) return;
  targets_ = std::move(targets);
  auto lists = group_by_origin(targets_);
  // A lane still running keeps its origin, dropped or not: an origin dropped by one reload and
  // brought back by the next, its fetch still in flight, goes on in the same lane rather than
  // in a second one beside it.
  for (auto& [origin, lane] : lanes_) {
    auto found = lists.find(origin);
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
  // New origins start at the next tick, with that tick's round number.
  auto const now = Clock::now();
  std::uint64_t tick = 0;
  auto start = now;
  if (settings_.interval > Duration::zero()) {
    tick = static_cast<std::uint64_t>((now - t0_) / settings_.interval) + 1;
    start = t0_ + tick * settings_.interval;
  }
  for (auto& [origin, list] : lists) {
    auto lane = std::make_shared<Lane>(io_, origin, list);
    lane->first_round = tick + 1;
    lane->first_start = start;
    lanes_.emplace(origin, lane);
    ++running_;
    net::co_spawn(io_, run_lane(lane), rethrow);
  }
}

void Lanes::stop() {
  stopping_ = true;
  fetches_.close();
  for (auto& [origin, lane] : lanes_) lane->timer.cancel();
  if (all_ended_) all_ended_->cancel();
}

void Lanes::lane_ended(const Lane& lane) {
  if (auto found = lanes_.find(lane.origin); found != lanes_.end() && found->second.get() == &lane)
    lanes_.erase(found);
  --running_;
  if (all_ended_) all_ended_->cancel();
}

// Waits for the lane's next start. A reload that dropped the lane cancels the wait, and one that
// brought it back before it woke must not make it start early: it then waits on.
net::awaitable<void> Lanes::wait_until(Lane& lane, Clock::time_point start) {
  while (!stopping_ && !lane.dropped && Clock::now() < start) {
    lane.timer.expires_at(start);
    co_await lane.timer.async_wait(use_tuple);
  }
}

net::awaitable<void> Lanes::run_lane(std::shared_ptr<Lane> lane) {
  RoundSchedule schedule(lane->first_start, settings_.interval);
  auto scheduled_start = lane->first_start;
  co_await wait_until(*lane, scheduled_start);
  for (std::uint64_t round = lane->first_round, done = 0; !stopping_ && !lane->dropped; ++round) {
    hooks_.round_started(round, Clock::now() - scheduled_start);
    co_await run_lane_round(*lane, round);
    ++done;
    if (stopping_ || lane->dropped || (settings_.count && done >= *settings_.count)) break;

    auto const next = schedule.next(Clock::now());
    if (next.overran)
      spdlog::warn("{}",
                   overrun_warning(lane->origin, round, settings_.interval, next.skipped_ticks));
    scheduled_start = next.start;
    co_await wait_until(*lane, next.start);
  }
  lane_ended(*lane);
}

net::awaitable<void> Lanes::run_lane_round(Lane& lane, std::uint64_t round) {
  // The round keeps the list it started with, whatever a reload brings meanwhile.
  auto const list = lane.list;
  lane.cursor = 0;
  auto const workers = std::min(settings_.parallel_max_host, list->entries.size());
  if (workers <= 1) {
    co_await run_worker(lane, list, round);
    co_return;
  }
  // --parallel-max-host N: N workers take the lane's URLs one after another.
  struct Join {
    explicit Join(net::io_context& io) : done(io) {}
    net::steady_timer done;
    std::size_t left = 0;
  };
  auto join = std::make_shared<Join>(io_);
  join->left = workers;
  join->done.expires_at(Clock::time_point::max());
  for (std::size_t i = 0; i < workers; ++i) {
    net::co_spawn(io_, run_worker(lane, list, round), [join](std::exception_ptr error) {
      if (--join->left == 0) join->done.cancel();
      if (error) std::rethrow_exception(error);
    });
  }
  co_await join->done.async_wait(use_tuple);
}

net::awaitable<void> Lanes::run_worker(Lane& lane, std::shared_ptr<const LaneList> list,
                                       std::uint64_t round) {
  while (!stopping_ && !lane.dropped && lane.cursor < list->entries.size()) {
    auto const entry = list->entries[lane.cursor++];
    // The fetch takes its --parallel-max place once its response begins (see LaneHooks::fetch).
    if (!co_await hooks_.fetch((*list->all)[entry], entry, round, fetches_)) co_return;
  }
}

}  // namespace poller
