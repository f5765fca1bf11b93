#include "poller/report/board_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "poller/report/fetch_summary.hpp"

namespace poller {
namespace {

// Columns of a row but the name and the sparkline: the mark, status, last latency, p50, p95,
// success ratio and the state with how long it has held, with the spaces between them.
constexpr std::size_t since_columns = 11;  // "down 23h59m"
constexpr std::size_t fixed_columns = 42 + since_columns;
constexpr std::size_t least_name = 12, least_sparkline = 8;
// What the error of a failing row gets before the name and the sparkline grow past their least.
constexpr std::size_t least_error = 20;

std::string pad_right(std::string text, std::size_t columns) {
  auto const used = column_count(text);
  if (used < columns) text.append(columns - used, ' ');
  return text;
}

std::string status_text(const BoardRow& row) {
  return row.status ? std::to_string(*row.status) : "ERR";
}

std::string percent(const BoardRow& row) {
  // Floored: 99.9% of successes is not shown as 100%.
  return fmt::format("{}%", row.successes * 100 / std::max<std::uint64_t>(row.fetches, 1));
}

// "up 2h05m", "down 3m12s": the state and how long it has held.
std::string since_text(const BoardRow& row, std::chrono::system_clock::time_point now) {
  if (row.health == UrlState::Health::unknown) return "unknown";
  return fmt::format("{} {}", to_string(row.health), short_duration(now - row.health_since));
}

std::string title(std::uint64_t round, std::optional<std::uint64_t> rounds,
                  std::optional<BoardModel::SteadyTime> next_tick, BoardModel::SteadyTime now,
                  std::size_t up, std::size_t down, bool unicode, bool failing_only) {
  std::string_view const dot = unicode ? " · " : " | ";
  std::string text = "poller";
  text += dot;
  text += rounds ? fmt::format("round {}/{}", round, *rounds) : fmt::format("round {}", round);
  text += dot;
  if (!next_tick) {
    text += "last round";
  } else {
    auto const left = std::chrono::ceil<std::chrono::seconds>(*next_tick - now).count();
    text += left > 0 ? fmt::format("next in {}s", left) : std::string("next: now");
  }
  text += dot;
  text += fmt::format("{} up", up);
  text += dot;
  text += fmt::format("{} down", down);
  if (failing_only) {
    text += dot;
    text += "failing only";
  }
  return text;
}

// The widths of the columns that give way on a narrow screen, and grow on a wide one.
struct Widths {
  std::size_t name = 0, sparkline = 0;
};

// The name and the sparkline get their least; then the room left goes to a failing row's error
// up to its least, to the name up to its longest, to the error up to its longest, and last to
// the sparkline up to the fetches it has to show: it never holds cells it would leave empty.
Widths lay_out(std::size_t columns, std::size_t longest_name, std::size_t longest_error,
               std::size_t longest_recent) {
  Widths widths{std::min(longest_name, least_name), least_sparkline};
  auto left = columns > fixed_columns + widths.name + widths.sparkline
                  ? columns - fixed_columns - widths.name - widths.sparkline
                  : 0;
  auto const give = [&left](std::size_t want) {
    auto const given = std::min(want, left);
    left -= given;
    return given;
  };
  auto const error_want = longest_error > 0 ? longest_error + 2 : 0;
  auto error = give(std::min(error_want, least_error + 2));
  widths.name += give(longest_name - widths.name);
  error += give(error_want - error);
  widths.sparkline += give(std::max(longest_recent, least_sparkline) - least_sparkline);
  return widths;
}

}  // namespace

void BoardModel::round_started(std::uint64_t round, std::optional<SteadyTime> next_tick) {
  round_ = round;
  next_tick_ = next_tick;
}

void BoardModel::record(const FetchResult& result, const Verdict& verdict,
                        const UrlState& state) {
  if (entries_ && result.entry >= *entries_) return;  // of a URL a reload removed
  if (result.entry >= rows_.size()) rows_.resize(result.entry + 1);
  auto& row = rows_[result.entry];
  auto const& name = result.target->label();
  if (row.name != name) {
    row = BoardRow{};
    row.name = name;
  }
  row.health = state.health;
  row.health_since = state.health_since;
  ++row.fetches;
  if (verdict.pass()) ++row.successes;
  row.ok = verdict.pass();
  row.status = result.status;
  row.error = verdict.reason;
  row.latency = result.time_total;
  row.recent.push_back(verdict.pass() ? std::optional<Duration>(result.time_total) : std::nullopt);
  while (row.recent.size() > history) row.recent.pop_front();
}

void BoardModel::reloaded(std::size_t size, const std::function<bool(std::size_t)>& stays) {
  entries_ = size;
  if (rows_.size() > size) rows_.resize(size);
  for (std::size_t entry = 0; entry < rows_.size(); ++entry) {
    if (!stays(entry)) rows_[entry] = BoardRow{};
  }
}

std::vector<const BoardRow*> BoardModel::ordered(bool failing_only) const {
  std::vector<const BoardRow*> shown;
  for (auto const& row : rows_) {
    // An entry not fetched yet (or emptied by a reload) has no row.
    if (row.fetches > 0 && !row.ok) shown.push_back(&row);
  }
  if (failing_only) return shown;
  for (auto const& row : rows_) {
    if (row.fetches > 0 && row.ok) shown.push_back(&row);
  }
  return shown;
}

std::size_t BoardModel::most_scroll(std::size_t lines, bool failing_only) const {
  auto const total = ordered(failing_only).size();
  if (lines < 3 || total <= lines - 2 || page(lines) == 0) return 0;
  return total - page(lines);
}

std::vector<BoardLine> BoardModel::render(std::size_t columns, std::size_t lines, BoardTime now,
                                          bool unicode, const BoardView& view) const {
  auto const shown = ordered(view.failing_only);
  std::size_t up = 0, down = 0;
  for (auto const& row : rows_) {
    if (row.fetches > 0) ++(row.ok ? up : down);
  }

  std::vector<BoardLine> screen;
  if (lines == 0) return screen;
  screen.push_back({fit_columns(title(round_, rounds_, next_tick_, now.steady, up, down, unicode,
                                      view.failing_only),
                                columns),
                    BoardLine::Style::title});
  if (lines < 3) return screen;

  // The rows on this screen: all of them, or a page from the scroll and a line for the rest.
  auto const all_fit = shown.size() <= lines - 2;
  auto const first = std::min(view.scroll, most_scroll(lines, view.failing_only));
  auto const last = all_fit ? shown.size() : first + page(lines);

  std::size_t longest_name = 4, longest_error = 0, longest_recent = 0;
  for (auto i = first; i < last; ++i) {
    longest_name = std::max(longest_name, column_count(shown[i]->name));
    if (!shown[i]->ok) {
      longest_error = std::max(longest_error, column_count(short_error(shown[i]->error, columns)));
    }
    longest_recent = std::max(longest_recent, shown[i]->recent.size());
  }
  auto const widths = lay_out(columns, longest_name, longest_error, longest_recent);
  // One scale for every sparkline, said in the heading: a row of 800 ms stands higher than one
  // of 1 ms.
  Duration highest{};
  for (auto i = first; i < last; ++i) {
    highest = std::max(highest, highest_latency(shown[i]->recent, widths.sparkline));
  }
  // No successful fetch on the screen, no scale to say.
  auto const scale = highest.count() > 0 ? "0-" + short_latency(highest) : std::string("RECENT");
  auto const recent_heading = highest.count() > 0 ? "RECENT " + scale : scale;
  auto const heading = fmt::format(
      "  {}  {:<6} {:>6}  {}  {:>6} {:>6}  {:>4}  {}", pad_right("NAME", widths.name), "STATUS",
      "LAST",
      pad_right(column_count(recent_heading) <= widths.sparkline ? recent_heading : scale,
                widths.sparkline),
      "P50", "P95", "OK", "SINCE");
  screen.push_back({fit_columns(heading, columns), BoardLine::Style::heading});

  if (shown.empty() && view.failing_only) {
    screen.push_back(
        {fit_columns("no failing URL (f: every URL)", columns), BoardLine::Style::plain});
  }
  for (auto i = first; i < last; ++i) {
    auto const& row = *shown[i];
    auto const p50 = latency_percentile(row.recent, 50);
    auto const p95 = latency_percentile(row.recent, 95);
    auto text = fmt::format(
        "{} {}  {:<6} {:>6}  {}  {:>6} {:>6}  {:>4}  {}",
        row.ok ? (unicode ? "✓" : " ") : (unicode ? "✗" : "X"),
        pad_right(fit_columns_middle(row.name, widths.name), widths.name), status_text(row),
        short_latency(row.latency),
        pad_right(sparkline(row.recent, widths.sparkline, unicode, highest), widths.sparkline),
        p50 ? short_latency(*p50) : "-", p95 ? short_latency(*p95) : "-", percent(row),
        pad_right(since_text(row, now.system), since_columns));
    // The error takes what is left of the width.
    if (!row.ok) {
      auto const used = column_count(text) + 2;
      text += "  " + short_error(row.error, columns > used ? columns - used : 0);
    }
    auto style = BoardLine::Style::plain;
    if (!row.ok) {
      style = BoardLine::Style::failing;
    } else if (row.status && *row.status >= 500) {
      style = BoardLine::Style::warning;
    }
    screen.push_back({fit_columns(text, columns), style});
  }
  if (!all_fit) {
    auto const failing_below = static_cast<std::size_t>(
        std::count_if(shown.begin() + static_cast<std::ptrdiff_t>(last), shown.end(),
                      [](const BoardRow* row) { return !row->ok; }));
    auto const below = shown.size() - last;
    std::string_view const dot = unicode ? " · " : " | ";
    std::string more;
    if (first > 0) more = fmt::format("{} {} above", unicode ? "↑" : "^", first);
    if (below > 0) {
      if (!more.empty()) more += dot;
      more += fmt::format("{} {} more URL{}, {} of them failing", unicode ? "…" : "...", below,
                          below == 1 ? "" : "s", failing_below);
    }
    more += dot;
    more += unicode ? "↑↓ PgUp PgDn Home End: scroll" : "arrows PgUp PgDn Home End: scroll";
    screen.push_back({fit_columns(more, columns),
                      failing_below > 0 ? BoardLine::Style::failing : BoardLine::Style::plain});
  }
  return screen;
}

Duration highest_latency(const std::deque<std::optional<Duration>>& latencies, std::size_t width) {
  auto const first = latencies.size() > width ? latencies.size() - width : 0;
  Duration highest{};
  for (auto i = first; i < latencies.size(); ++i) {
    if (latencies[i]) highest = std::max(highest, *latencies[i]);
  }
  return highest;
}

std::string sparkline(const std::deque<std::optional<Duration>>& latencies, std::size_t width,
                      bool unicode, Duration highest) {
  static constexpr std::array<std::string_view, 8> blocks{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static constexpr std::string_view ascii = "_.-:=+*#";
  auto const first = latencies.size() > width ? latencies.size() - width : 0;
  std::string line;
  for (auto i = first; i < latencies.size(); ++i) {
    if (!latencies[i]) {
      line += unicode ? "✗" : "!";
      continue;
    }
    auto const share = highest.count() > 0 ? static_cast<double>(latencies[i]->count()) /
                                                 static_cast<double>(highest.count())
                                           : 0.0;
    auto const level = std::clamp(static_cast<int>(std::lround(share * 7)), 0, 7);
    if (unicode) {
      line += blocks[static_cast<std::size_t>(level)];
    } else {
      line += ascii[static_cast<std::size_t>(level)];
    }
  }
  return line;
}

std::optional<Duration> latency_percentile(const std::deque<std::optional<Duration>>& latencies,
                                           double p) {
  std::vector<Duration> values;
  for (auto const& latency : latencies) {
    if (latency) values.push_back(*latency);
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  auto const rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

}  // namespace poller
