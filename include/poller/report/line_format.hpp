#pragma once
// --format line: one aligned line per fetch for people reading a terminal or a log file. Pure.
//
//   14:02:07  200      12ms  1.2K  reused   http://127.0.0.1:8080/health
//   14:02:07  ✗ 503   0.9ms   15B  new      http://127.0.0.1:8080/api  HTTP status 503
//   14:02:08  ✗ ---   0.2ms     -  -        http://127.0.0.1:1/  Connection refused
//
// The cause of a failure comes last, after the name: in the status column it would push every
// column after it out of line.

#include <cstddef>
#include <optional>

#include "poller/base/fetch_result.hpp"
#include "poller/report/record.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

// Appends the fetch's line, "\n" included. With `color`, ANSI SGR codes: a failure in bold red,
// a success's status in green, or yellow for a 500 or more that passed (no -f): the line stays
// readable without them, a failure has its ✗. The cause of a failure is cut to end the line at
// `width` (a terminal's), or whole without one (a pipe, a file).
void append_fetch_line(const FetchResult& result, const Verdict& verdict, bool color,
                       std::optional<std::size_t> width, Record& out);

}  // namespace poller
