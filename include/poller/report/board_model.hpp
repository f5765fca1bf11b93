#pragma once
// --format board, the picture without the terminal: what each URL did lately, and the lines of
// text (with a style each) that show it on a screen of a given size. Pure: the terminal that
// draws the lines is board_terminal.cpp's business.

#include <chrono>
#include <cstdint>
#include <deque>
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
  enum class Style { plain, title, heading, failing };
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
  // When the outcome (ok or not, the status) last differed from the fetch before (UrlState).
  std::chrono::system_clock::time_point changed;
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

  const std::vector<BoardRow>& rows() const { return rows_; }

  // The screen: a title line, a heading, one line per URL while they fit (then a line saying
  // how many more, and how many of them fail). `unicode`: block characters for the sparkline
  // and ✓/✗ marks, else ASCII.
  std::vector<BoardLine> render(std::size_t columns, std::size_t lines, SteadyTime now,
                                bool unicode) const;

 private:
  std::optional<std::uint64_t> rounds_;  // --count
  std::uint64_t round_ = 0;
  std::optional<SteadyTime> next_tick_;
  std::vector<BoardRow> rows_;  // by list entry
};

// The latencies as a sparkline of one character each (the newest last): eight heights scaled
// from 0 to the largest, a failure as ✗ (! in ASCII).
std::string sparkline(const std::deque<std::optional<Duration>>& latencies, std::size_t width,
                      bool unicode);

// The nearest-rank percentile (0 < p <= 100) of the successful latencies; nullopt if none.
std::optional<Duration> latency_percentile(const std::deque<std::optional<Duration>>& latencies,
                                           double p);

}  // namespace poller
