#pragma once
// The run: rounds on schedule, signals, reloads, and the exit status.

#include "options.hpp"
#include "poller/input/url_list.hpp"

namespace poller {

enum ExitStatus : int {
  exit_ok = 0,          // every fetch succeeded, or stdout's reader went away
  exit_fetch_failed = 1,
  exit_usage = 2,       // bad option or URL file; nothing was fetched
};

// Call first thing in main(): SIGHUP and SIGUSR1, which poller takes as requests but whose default
// action is to kill, wait until run() has its handler in place (a reload asked for while a long
// list loads is then done, not fatal). SIGINT and SIGTERM are not held: before the run they end
// poller as they end any program, which is what was asked (a list read from a terminal or a FIFO
// may be waited for without end).
void hold_signals();

// Runs until --count rounds are done or a signal ends it. Throws UsageError for settings that
// turn out unusable before the first request (a CA file that does not load). `parse_line_options`
// reads the options on list lines (line_options.hpp).
int run(const Options& options, LineOptionsParser parse_line_options);

}  // namespace poller
