#pragma once
// What the log says of results: news, not every round. A failure is logged when the entry goes
// down (the line starts "DOWN "), when its reason changes, and as a reminder at most every
// `reminder` while it stays down; -v logs every failure. Coming back up is one info line
// ("UP ...") with how long the entry was down.

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "poller/base/fetch_result.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

class ResultLog {
 public:
  using Clock = std::chrono::system_clock;

  // `shown_elsewhere`: failures are shown on the log's terminal already (--format line there),
  // and are not logged; the UP lines still are.
  explicit ResultLog(bool every_failure, Clock::duration reminder = std::chrono::minutes(10),
                     bool shown_elsewhere = false)
      : every_failure_(every_failure), shown_elsewhere_(shown_elsewhere), reminder_(reminder) {}

  void operator()(const FetchResult& result, const Verdict& verdict, const UrlState& state);

 private:
  // The failure last logged of an entry that is failing now (of: whose, as UrlState::of).
  struct Said {
    std::size_t of = 0;
    std::string reason;
    Clock::time_point at;
  };

  void log_failure(const FetchResult& result, const Verdict& verdict, const UrlState& state);

  bool every_failure_;
  bool shown_elsewhere_;
  Clock::duration reminder_;
  std::unordered_map<std::size_t, Said> said_;  // by list entry
};

}  // namespace poller
