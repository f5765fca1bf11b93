#pragma once
// --on-state CMD: on each event (UrlState::changed) CMD runs with /bin/sh -c, the event in its
// environment only (POLLER_STATE, POLLER_URL, ...: never in the command text, where a URL's
// `$(...)` would run). Beside the rounds, which never wait: at most four at once, later events
// queued in order (at most a thousand: then the oldest waiting is dropped); each in a process group of its own, ended after the timeout (SIGTERM, then
// SIGKILL 2s later); each line it prints logged with the entry's name; a non-zero exit a warning.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "poller/base/asio_defaults.hpp"
#include "poller/base/duration.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

class StateHooks {
 public:
  StateHooks(net::any_io_executor executor, std::string command, Duration timeout);

  // A listener of judged results: queues a run for each event.
  void operator()(const FetchResult& result, const Verdict& verdict, const UrlState& state);

  // The run is ending. Without `grace`: waits for the running and queued hooks. With it: runs
  // what it can within `grace`, then ends the hooks still running and drops the queue.
  net::awaitable<void> finish(std::optional<Duration> grace);

  struct Child;  // a hook's process, its exit and its output (state_hooks.cpp)

  // The environment a hook gets for an event: poller's own, POLLER_* added.
  static std::vector<std::string> event_environment(const FetchResult& result,
                                                    const Verdict& verdict,
                                                    const UrlState& state);

 private:
  struct Event {
    std::string label;  // the entry's name, else its URL: the prefix of the hook's lines
    std::vector<std::string> environment;
  };

  void start_queued();
  net::awaitable<void> run(Child child, Event event);
  void ended(int pid, const std::string& label);
  bool idle() const { return running_.empty() && queue_.empty(); }

  net::any_io_executor executor_;
  std::string command_;
  Duration timeout_;
  std::deque<Event> queue_;
  std::set<int> running_;  // process (and group) ids
  bool closing_ = false;   // past the grace: nothing more starts
  std::uint64_t dropped_ = 0;  // events dropped from a full queue
  net::steady_timer idle_;  // cancelled when the last hook ends: wakes finish()
};

}  // namespace poller
