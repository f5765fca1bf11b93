#pragma once
// --format board, the picture without the terminal: what each URL did lately, and the lines of
// text (with a style each) that show it on a screen of a given size. Pure: the terminal that
// draws the lines is board_terminal.cpp's business.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "poller/base/duration.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/input/target.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

struct BoardLine {
  // `warning`: a passing row whose last status is 500 or more (it passes without -f).
  enum class Style { plain, title, heading, failing, warning };
  std::string text;  // UTF-8 (or ASCII, see BoardModel::render), at most the screen's width
  Style style = Style::plain;
};

// One URL's recent past.
struct BoardRow {
  std::string name;  // the URL as listed, until a list entry can be named
  std::uint64_t fetches = 0;
  std::uint64_t successes = 0;
  bool ok = false;
  std::optional<unsigned> status;
  std::string error;   // of the last fetch, when it failed
  Duration latency{};  // of the last fetch
  // The latencies of the last fetches, oldest first; nullopt for a failed fetch.
  std::deque<std::optional<Duration>> recent;
  // The entry's state and since when (UrlState): the board shows "down 3m12s".
  UrlState::Health health = UrlState::Health::unknown;
  std::chrono::system_clock::time_point health_since;
};

// What the person at the board chose with its keys.
struct BoardView {
  std::size_t scroll = 0;     // rows scrolled past (render clamps it)
  bool failing_only = false;  // `f`
};

// The moment a screen is drawn at: the steady clock for the next tick, the system clock for how
// long a row has been in its state.
struct BoardTime {
  std::chrono::steady_clock::time_point steady;
  std::chrono::system_clock::time_point system;
};

class BoardModel {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  // Fetches kept per URL, for the sparkline and p50/p95.
  static constexpr std::size_t history = 60;

  explicit BoardModel(std::optional<std::uint64_t> rounds = std::nullopt) : rounds_(rounds) {}

  // `next_tick`: when the next round is due to start, if there is one.
  void round_started(std::uint64_t round, std::optional<SteadyTime> next_tick);
  // Keeps the fetch in its list entry's row; a row whose URL changed (SIGHUP) starts afresh.
  void record(const FetchResult& result, const Verdict& verdict, const UrlState& state);
  // A reload (SIGHUP) brought a list of `size` entries, entry i the same as before if
  // `stays(i)`: the rows of the others leave the board, and results of entries past the new
  // list's end (from a round that began before) are not taken.
  void reloaded(std::size_t size, const std::function<bool(std::size_t entry)>& stays);

  const std::vector<BoardRow>& rows() const { return rows_; }

  // The screen: a title line, a heading, then the rows, failing ones first (each group in the
  // list's order), from `view.scroll` on while they fit; when some do not, the last line says
  // how many are above and below, and how many of those below fail. `unicode`: block
  // characters for the sparkline and ✓/✗ marks, else ASCII.
  std::vector<BoardLine> render(std::size_t columns, std::size_t lines, BoardTime now,
                                bool unicode, const BoardView& view = {}) const;
  // The largest scroll that still fills the screen: the last rows at the bottom.
  std::size_t most_scroll(std::size_t lines, bool failing_only) const;
  // How many rows a screen of `lines` shows at once when they do not all fit.
  static std::size_t page(std::size_t lines) { return lines > 3 ? lines - 3 : 0; }

 private:
  // The rows to show, in the board's order.
  std::vector<const BoardRow*> ordered(bool failing_only) const;

  std::optional<std::uint64_t> rounds_;  // --count
  std::uint64_t round_ = 0;
  std::optional<SteadyTime> next_tick_;
  std::vector<BoardRow> rows_;  // by list entry
  std::optional<std::size_t> entries_;  // the list's length since the last reload
};

// The latencies as a sparkline of one character each (the newest last): eight heights from 0
// to `highest` (the largest of every row shown, so that rows compare), a failure as ✗ (! in
// ASCII).
std::string sparkline(const std::deque<std::optional<Duration>>& latencies, std::size_t width,
                      bool unicode, Duration highest);
// The largest successful latency of the last `width` fetches.
Duration highest_latency(const std::deque<std::optional<Duration>>& latencies, std::size_t width);

// The nearest-rank percentile (0 < p <= 100) of the successful latencies; nullopt if none.
std::optional<Duration> latency_percentile(const std::deque<std::optional<Duration>>& latencies,
                                           double p);

}  // namespace poller
