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
// success ratio and time of the last change, with the spaces between them.
constexpr std::size_t fixed_columns = 50;
constexpr std::size_t least_name = 12, least_sparkline = 8;
// Kept for the error at the end of a failing row, when there is one.
constexpr std::size_t error_columns = 20;

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

std::string title(std::uint64_t round, std::optional<std::uint64_t> rounds,
                  std::optional<BoardModel::SteadyTime> next_tick, BoardModel::SteadyTime now,
                  std::size_t up, std::size_t down, bool unicode) {
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
  return text;
}

}  // namespace

void BoardModel::round_started(std::uint64_t round, std::optional<SteadyTime> next_tick) {
  round_ = round;
  next_tick_ = next_tick;
}

void BoardModel::record(const FetchResult& result, const Verdict& verdict,
                        const UrlState& state) {
  if (result.entry >= rows_.size()) rows_.resize(result.entry + 1);
  auto& row = rows_[result.entry];
  auto const& name = result.target->label();
  if (row.name != name) {
    row = BoardRow{};
    row.name = name;
  }
  row.changed = state.outcome_since;
  ++row.fetches;
  if (verdict.pass()) ++row.successes;
  row.ok = verdict.pass();
  row.status = result.status;
  row.error = verdict.reason;
  row.latency = result.time_total;
  row.recent.push_back(verdict.pass() ? std::optional<Duration>(result.time_total) : std::nullopt);
  while (row.recent.size() > history) row.recent.pop_front();
}

std::vector<BoardLine> BoardModel::render(std::size_t columns, std::size_t lines, SteadyTime now,
                                          bool unicode) const {
  std::vector<const BoardRow*> shown;
  std::size_t longest_name = 4, up = 0, down = 0;
  for (auto const& row : rows_) {
    if (row.fetches == 0) continue;  // an entry not fetched yet (or emptied by a reload)
    shown.push_back(&row);
    longest_name = std::max(longest_name, column_count(row.name));
    ++(row.ok ? up : down);
  }

  std::vector<BoardLine> screen;
  if (lines == 0) return screen;
  screen.push_back(
      {fit_columns(title(round_, rounds_, next_tick_, now, up, down, unicode), columns),
       BoardLine::Style::title});
  if (lines < 3) return screen;

  // The name as long as it is, with the sparkline growing on a wide screen; on a narrow one the
  // sparkline gives way first, down to a few fetches, then the name.
  std::size_t const reserve = down > 0 ? error_columns : 0;
  auto const room = columns > fixed_columns + reserve ? columns - fixed_columns - reserve : 0;
  auto const spark_width =
      std::clamp(room > longest_name ? room - longest_name : 0, least_sparkline, history);
  auto const name_width =
      std::min(longest_name, std::max(least_name, room > spark_width ? room - spark_width : 0));

  auto const heading = fmt::format("  {}  {:<6} {:>6}  {}  {:>6} {:>6}  {:>4}  {}",
                                   pad_right("NAME", name_width), "STATUS", "LAST",
                                   pad_right("RECENT", spark_width), "P50", "P95", "OK", "CHANGED");
  screen.push_back({fit_columns(heading, columns), BoardLine::Style::heading});

  auto const room_for_rows = lines - 2;
  auto const fitting = shown.size() <= room_for_rows ? shown.size() : room_for_rows - 1;
  for (std::size_t i = 0; i < fitting; ++i) {
    auto const& row = *shown[i];
    auto const p50 = latency_percentile(row.recent, 50);
    auto const p95 = latency_percentile(row.recent, 95);
    auto text = fmt::format("{} {}  {:<6} {:>6}  {}  {:>6} {:>6}  {:>4}  {}",
                            row.ok ? (unicode ? "✓" : " ") : (unicode ? "✗" : "X"),
                            pad_right(fit_columns_middle(row.name, name_width), name_width),
                            status_text(row), short_latency(row.latency),
                            pad_right(sparkline(row.recent, spark_width, unicode), spark_width),
                            p50 ? short_latency(*p50) : "-", p95 ? short_latency(*p95) : "-",
                            percent(row), local_time_of_day(row.changed));
    if (!row.ok) text += "  " + short_error(row.error, error_columns * 4);
    screen.push_back(
        {fit_columns(text, columns), row.ok ? BoardLine::Style::plain : BoardLine::Style::failing});
  }
  if (fitting < shown.size()) {
    auto const hidden_failing = static_cast<std::size_t>(
        std::count_if(shown.begin() + static_cast<std::ptrdiff_t>(fitting), shown.end(),
                      [](const BoardRow* row) { return !row->ok; }));
    auto const hidden = shown.size() - fitting;
    auto const more = fmt::format("{} {} more URL{}, {} of them failing", unicode ? "…" : "...",
                                  hidden, hidden == 1 ? "" : "s", hidden_failing);
    screen.push_back({fit_columns(more, columns),
                      hidden_failing > 0 ? BoardLine::Style::failing : BoardLine::Style::plain});
  }
  return screen;
}

std::string sparkline(const std::deque<std::optional<Duration>>& latencies, std::size_t width,
                      bool unicode) {
  static constexpr std::array<std::string_view, 8> blocks{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static constexpr std::string_view ascii = "_.-:=+*#";
  auto const first = latencies.size() > width ? latencies.size() - width : 0;
  Duration highest{};
  for (auto i = first; i < latencies.size(); ++i) {
    if (latencies[i]) highest = std::max(highest, *latencies[i]);
  }
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
