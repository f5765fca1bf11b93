#pragma once
// -Z, --parallel: one lane per origin (scheme, host, port). Each lane fetches its URLs in list
// order (or up to --parallel-max-host at once) and keeps the fixed-rate schedule on its own, from
// the run's t0 with the run's interval, so a slow or dead host delays only itself. At most
// --parallel-max fetches read a body at once over all lanes: a fetch takes its place once its
// response's header is in and keeps it until its result is written, which bounds memory by
// --parallel-max × (the largest body + a constant), and a host that never answers holds none.

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

#include "poller/client/async_semaphore.hpp"
#include "poller/base/duration.hpp"
#include "poller/input/target.hpp"
#include "schedule.hpp"

namespace poller {

struct LaneSettings {
  Duration interval{};
  std::optional<std::uint64_t> count;  // rounds each lane runs; unset = until stopped
  std::size_t parallel_max = 50;       // bodies read (and held until written) over all lanes
  std::size_t parallel_max_host = 1;   // fetches in flight per lane (connections per origin)
};

// What the run does with each fetch and each round start; the lanes only schedule.
struct LaneHooks {
  // Fetches `target` (entry `entry` of the list) for `round` and takes the result its whole way
  // (checks, store, log, output), reading its body in one of `places` (--parallel-max) and
  // holding it until the result is written. False: the run stops (a cancelled fetch, stdout's
  // reader gone).
  std::function<boost::asio::awaitable<bool>(const Target&, std::size_t entry, std::uint64_t round,
                                             AsyncSemaphore& places)>
      fetch;
  // A lane starts `round`, `lateness` after its tick.
  std::function<void(std::uint64_t round, Duration lateness)> round_started;
};

class Lanes {
 public:
  Lanes(boost::asio::io_context& io, LaneSettings settings, LaneHooks hooks);
  ~Lanes();
  Lanes(const Lanes&) = delete;
  Lanes& operator=(const Lanes&) = delete;

  // Starts a lane per origin of `targets` and returns once every lane has ended (--count rounds
  // done, or stop()).
  boost::asio::awaitable<void> run(std::shared_ptr<const std::vector<Target>> targets);

  // SIGHUP: lanes take the new list at their next round; a new origin's lane starts at the next
  // tick; a dropped origin's lane ends after its fetch in flight (brought back before that, it
  // goes on: one lane per origin at any moment). Does nothing once run() has returned.
  void update(std::shared_ptr<const std::vector<Target>> targets);

  // Ends every lane: waits are cut short, fetches waiting for a permit get none.
  void stop();

 private:
  struct Lane;
  struct LaneList;

  static std::map<std::string, std::shared_ptr<LaneList>> group_by_origin(
      const std::shared_ptr<const std::vector<Target>>& targets);

  void start_lane(const std::string& origin, std::uint64_t first_round,
                  RoundSchedule::Clock::time_point first_start);
  boost::asio::awaitable<void> run_lane(std::shared_ptr<Lane> lane);
  boost::asio::awaitable<void> wait_until(Lane& lane, RoundSchedule::Clock::time_point start);
  boost::asio::awaitable<void> run_lane_round(Lane& lane, std::uint64_t round);
  boost::asio::awaitable<void> run_worker(Lane& lane, std::shared_ptr<const LaneList> list,
                                          std::uint64_t round);
  void lane_ended(const Lane& lane);

  boost::asio::io_context& io_;
  LaneSettings settings_;
  LaneHooks hooks_;
  AsyncSemaphore fetches_;
  std::shared_ptr<const std::vector<Target>> targets_;
  std::map<std::string, std::shared_ptr<Lane>> lanes_;  // the running ones, by origin
  RoundSchedule::Clock::time_point t0_{};
  std::size_t running_ = 0;
  std::unique_ptr<boost::asio::steady_timer> all_ended_;  // cancelled when the last lane ends
  bool stopping_ = false;
  bool ended_ = false;  // run() has returned
};

}  // namespace poller
