#include "poller/report/line_format.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "poller/report/fetch_summary.hpp"
#include "poller/input/target.hpp"

namespace poller {
namespace {

// SGR codes: every terminal that speaks ANSI knows these few.
constexpr std::string_view green = "\x1b[32m", yellow = "\x1b[33m", bold_red = "\x1b[1;31m",
                           reset = "\x1b[0m";
// On a terminal the cause keeps at least this much, even when the line is wider than the screen.
constexpr std::size_t least_cause = 20;

// The URL's --name, else the URL as listed (password removed).
std::string_view name_of(const FetchResult& result) {
  return result.target != nullptr ? std::string_view(result.target->label())
                                  : std::string_view(result.url_effective);
}

}  // namespace

void append_fetch_line(const FetchResult& result, const Verdict& verdict, bool color,
                       std::optional<std::size_t> width, Record& out) {
  std::string status = result.status ? std::to_string(*result.status) : "---";
  if (!verdict.pass()) status = "✗ " + status;
  std::string const size = result.status ? short_size(result.bytes) : "-";
  // Columns are padded by code points, not bytes: ✗ is three bytes and one column.
  std::string const status_column = status + std::string(6 - column_count(status), ' ');
  std::string line =
      fmt::format("{}  {}{:>7} {:>5}  {:<7}  {}", local_time_of_day(result.started), status_column,
                  short_latency(result.time_total), size, connection_kind(result), name_of(result));
  if (!verdict.pass()) {
    line += "  ";
    auto const used = column_count(line);
    auto const room = width && *width > used ? *width - used : 0;
    line += short_error(verdict.reason, width ? std::max(least_cause, room) : std::string::npos);
  }
  if (color) {
    if (!verdict.pass()) {
      line = std::string(bold_red) + line + std::string(reset);
    } else {
      // Only the status: a screen of green lines says nothing a screen of plain ones does not.
      // A 5xx that passes (no -f) is a warning all the same.
      auto const at = line.find(status);
      auto const hue = result.status && *result.status >= 500 ? yellow : green;
      line = line.substr(0, at) + std::string(hue) + status + std::string(reset) +
             line.substr(at + status.size());
    }
  }
  out.append(line);
  out.append("\n");
}

}  // namespace poller
