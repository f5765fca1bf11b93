// --format board's model: the rows it keeps and the screen it lays out, at any size.

#include <gtest/gtest.h>

#include "poller/report/board_model.hpp"
#include "poller/report/fetch_summary.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

// How many sparkline cells a row shows.
std::size_t sparkline_cells(const std::string& row) {
  std::size_t cells = 0;
  for (std::string_view block : {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}) {
    for (auto at = row.find(block); at != std::string::npos; at = row.find(block, at + 1)) ++cells;
  }
  return cells;
}

struct BoardModelTest : ::testing::Test {
  Target up = *parse_target("http://127.0.0.1:8080/up").target;
  Target down = *parse_target("http://127.0.0.1:1/down").target;
  BoardModel model{5};
  UrlStates states{false};
  BoardModel::SteadyTime now{};
  std::chrono::system_clock::time_point wall_now{};

  void record(const FetchResult& result) {
    auto const verdict = wire_verdict(result);
    model.record(result, verdict, states.record(result, verdict));
  }

  void fetch(const Target& target, std::size_t entry, bool ok, Duration total,
             std::string error = "connect to 127.0.0.1:1: Connection refused") {
    FetchResult result;
    result.target = &target;
    result.entry = entry;
    if (ok) result.status = 200;
    if (!ok) result.error = FetchError{FetchErrorKind::connect, std::move(error)};
    result.time_total = total;
    record(result);
  }

  std::vector<BoardLine> screen(std::size_t columns, std::size_t lines, bool unicode = true,
                                BoardView view = {}) {
    return model.render(columns, lines, {now, wall_now}, unicode, view);
  }

  // Targets http://127.0.0.1:8080/0 ... /count-1.
  static std::vector<Target> numbered(int count) {
    std::vector<Target> targets;
    for (int i = 0; i < count; ++i) {
      targets.push_back(*parse_target("http://127.0.0.1:8080/" + std::to_string(i)).target);
    }
    return targets;
  }
  // The rows' names, in the screen's order.
  static std::vector<std::string> names(const std::vector<BoardLine>& lines) {
    std::vector<std::string> found;
    for (auto const& line : lines) {
      auto const at = line.text.find("/", line.text.find("http://") + 7);
      if (line.text.find("http://") != std::string::npos && at != std::string::npos) {
        found.push_back(line.text.substr(at + 1, line.text.find(' ', at) - at - 1));
      }
    }
    return found;
  }
};

TEST_F(BoardModelTest, TitleSaysTheRoundTheNextTickAndTheCounts) {
  model.round_started(2, now + 4500ms);
  fetch(up, 0, true, 10ms);
  fetch(down, 1, false, 1ms);
  auto const lines = screen(120, 10, false);
  EXPECT_EQ(lines[0].text, "poller | round 2/5 | next in 5s | 1 up | 1 down");
  model.round_started(5, std::nullopt);
  EXPECT_EQ(screen(120, 10, false)[0].text, "poller | round 5/5 | last round | 1 up | 1 down");
}

TEST_F(BoardModelTest, AFailingRowIsMarkedAndShowsItsError) {
  fetch(up, 0, true, 10ms);
  fetch(down, 1, false, 1ms);
  auto const lines = screen(120, 10);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2].style, BoardLine::Style::failing);
  EXPECT_TRUE(lines[2].text.starts_with("✗ http://127.0.0.1:1/down")) << lines[2].text;
  EXPECT_NE(lines[2].text.find("ERR"), std::string::npos);
  EXPECT_TRUE(lines[2].text.ends_with("Connection refused")) << lines[2].text;
  EXPECT_EQ(lines[3].style, BoardLine::Style::plain);
  EXPECT_TRUE(lines[3].text.starts_with("✓ http://127.0.0.1:8080/up")) << lines[3].text;
}

TEST_F(BoardModelTest, ARowShowsTheUrlsNameWhenItHasOne) {
  Target named = up;
  named.name = "shop front";
  fetch(named, 0, true, 10ms);
  fetch(down, 1, false, 1ms);
  auto const lines = screen(120, 10);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[2].text.starts_with("✗ http://127.0.0.1:1/down")) << lines[2].text;
  EXPECT_TRUE(lines[3].text.starts_with("✓ shop front ")) << lines[3].text;
}

TEST_F(BoardModelTest, SparklineAndPercentilesFollowTheLatencies) {
  for (auto total : {10ms, 20ms, 40ms, 80ms}) fetch(up, 0, true, total);
  fetch(up, 0, false, 0ms);
  auto const& row = model.rows()[0];
  EXPECT_EQ(sparkline(row.recent, 20, true, 80ms), "▂▃▅█✗");
  EXPECT_EQ(sparkline(row.recent, 3, false, highest_latency(row.recent, 3)), "=#!");
  EXPECT_EQ(sparkline(row.recent, 20, true, 160ms), "▁▂▃▅✗");  // a scale another row set
  EXPECT_EQ(latency_percentile(row.recent, 50), Duration(20ms));
  EXPECT_EQ(latency_percentile(row.recent, 95), Duration(80ms));
  EXPECT_EQ(row.successes, 4u);
  EXPECT_EQ(row.fetches, 5u);
  EXPECT_NE(screen(120, 10)[2].text.find(" 80% "), std::string::npos) << screen(120, 10)[2].text;
}

TEST_F(BoardModelTest, KeepsOnlyTheRecentHistory) {
  for (std::size_t i = 0; i < BoardModel::history + 5; ++i) fetch(up, 0, true, 1ms);
  EXPECT_EQ(model.rows()[0].recent.size(), BoardModel::history);
}

TEST_F(BoardModelTest, SinceSaysTheStateAndHowLongItHasHeld) {
  FetchResult result;
  result.target = &up;
  result.status = 200;
  result.started = std::chrono::system_clock::time_point(100s);
  record(result);
  result.started = std::chrono::system_clock::time_point(200s);
  result.status = 204;  // another outcome, the same state
  record(result);
  EXPECT_EQ(model.rows()[0].health_since, std::chrono::system_clock::time_point(100s));
  wall_now = std::chrono::system_clock::time_point(100s + 2h + 5min);
  EXPECT_NE(screen(120, 10)[2].text.find("  up 2h05m"), std::string::npos)
      << screen(120, 10)[2].text;
  result.status.reset();
  result.error = FetchError{FetchErrorKind::connect, "Connection refused"};
  result.started = std::chrono::system_clock::time_point(300s);
  record(result);
  wall_now = std::chrono::system_clock::time_point(300s + 3min + 12s);
  EXPECT_NE(screen(120, 10)[2].text.find("  down 3m12s"), std::string::npos)
      << screen(120, 10)[2].text;
}

TEST_F(BoardModelTest, ARowWhoseUrlChangedStartsAfresh) {
  fetch(up, 0, true, 10ms);
  fetch(down, 0, false, 1ms);
  EXPECT_EQ(model.rows()[0].name, "http://127.0.0.1:1/down");
  EXPECT_EQ(model.rows()[0].fetches, 1u);
}

TEST_F(BoardModelTest, EveryLineFitsTheWidth) {
  fetch(up, 0, true, 10ms);
  fetch(down, 1, false, 1ms);
  for (std::size_t columns : {20u, 40u, 80u, 200u}) {
    for (auto const& line : screen(columns, 10)) {
      EXPECT_LE(column_count(line.text), columns) << line.text;
    }
  }
  // A wide screen gives the sparkline more room once it has fetches to fill it with.
  for (int i = 0; i < 30; ++i) fetch(up, 0, true, 10ms);
  EXPECT_GT(column_count(screen(200, 10)[1].text), column_count(screen(100, 10)[1].text));
}

TEST_F(BoardModelTest, EveryLineFitsTheWidthWithWideCharactersToo) {
  Target named = up;
  named.name = "東京駅前の店";  // six characters, twelve cells
  fetch(named, 0, true, 10ms);
  fetch(down, 1, false, 1ms);
  for (std::size_t columns = 20; columns <= 140; ++columns) {
    for (auto const& line : screen(columns, 10)) {
      EXPECT_LE(column_count(line.text), columns) << line.text;
    }
  }
  // On a screen wide enough, the name whole, in twelve cells, and the columns after it aligned.
  auto const lines = screen(140, 10);
  EXPECT_TRUE(lines[3].text.starts_with("✓ 東京駅前の店")) << lines[3].text;
  EXPECT_EQ(column_count(lines[3].text.substr(0, lines[3].text.find(" 200"))),
            column_count(lines[2].text.substr(0, lines[2].text.find(" ERR"))));
}

TEST_F(BoardModelTest, FailingRowsComeFirstEachInTheListsOrder) {
  auto const targets = numbered(6);
  for (std::size_t i = 0; i < targets.size(); ++i) fetch(targets[i], i, i % 2 == 0, 1ms);
  EXPECT_EQ(names(screen(140, 20)), (std::vector<std::string>{"1", "3", "5", "0", "2", "4"}));
  // `f`: the failing ones only, and the title says so.
  auto const failing = screen(140, 20, true, BoardView{0, true});
  EXPECT_EQ(names(failing), (std::vector<std::string>{"1", "3", "5"}));
  EXPECT_NE(failing[0].text.find("failing only"), std::string::npos) << failing[0].text;
}

TEST_F(BoardModelTest, NoScaleWithoutASuccessfulFetch) {
  fetch(down, 0, false, 1ms);
  auto const heading = screen(140, 10)[1].text;
  EXPECT_NE(heading.find("  RECENT  "), std::string::npos) << heading;
  EXPECT_EQ(heading.find("0-"), std::string::npos) << heading;
}

TEST_F(BoardModelTest, FailingOnlyWithNoneFailingSaysSo) {
  fetch(up, 0, true, 1ms);
  auto const lines = screen(140, 20, true, BoardView{0, true});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].text, "no failing URL (f: every URL)");
}

TEST_F(BoardModelTest, RowsPastTheScreenAreCountedWithTheirFailures) {
  auto const targets = numbered(10);
  for (std::size_t i = 0; i < targets.size(); ++i) fetch(targets[i], i, i < 6, 1ms);
  auto const lines = screen(100, 6, false);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(names(lines), (std::vector<std::string>{"6", "7", "8"}));
  EXPECT_EQ(lines[5].text,
            "... 7 more URLs, 1 of them failing | arrows PgUp PgDn Home End: scroll");
  EXPECT_EQ(lines[5].style, BoardLine::Style::failing);
  EXPECT_EQ(screen(100, 12).size(), 12u);  // all ten fit, with title and heading
}

TEST_F(BoardModelTest, AScrolledScreenShowsTheRowsFurtherDown) {
  auto const targets = numbered(10);
  for (std::size_t i = 0; i < targets.size(); ++i) fetch(targets[i], i, true, 1ms);
  EXPECT_EQ(model.most_scroll(6, false), 7u);  // pages of three
  auto const lines = screen(100, 6, false, BoardView{4, false});
  EXPECT_EQ(names(lines), (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_EQ(lines[5].text,
            "^ 4 above | ... 3 more URLs, 0 of them failing | arrows PgUp PgDn Home End: scroll");
  // Past the end: the last page.
  auto const end = screen(100, 6, false, BoardView{1000, false});
  EXPECT_EQ(names(end), (std::vector<std::string>{"7", "8", "9"}));
  EXPECT_TRUE(end[5].text.starts_with("^ 7 above | arrows")) << end[5].text;
  EXPECT_EQ(model.most_scroll(12, false), 0u);
}

// One scale for every row, said in the heading: a row of 801 ms stands high, one of 1 ms low.
TEST_F(BoardModelTest, EverySparklineHasTheSameScale) {
  auto const targets = numbered(2);
  for (int i = 0; i < 3; ++i) {
    fetch(targets[0], 0, true, 801ms);
    fetch(targets[1], 1, true, 1ms);
  }
  auto const lines = screen(140, 10);
  // Over a sparkline of three fetches, the scale alone; over a wider one, with its name.
  EXPECT_NE(lines[1].text.find("  0-801ms  "), std::string::npos) << lines[1].text;
  for (int i = 0; i < 20; ++i) fetch(targets[1], 1, true, 1ms);
  EXPECT_NE(screen(140, 10)[1].text.find("  RECENT 0-801ms "), std::string::npos)
      << screen(140, 10)[1].text;
  EXPECT_NE(lines[2].text.find(" ███ "), std::string::npos) << lines[2].text;
  EXPECT_NE(lines[3].text.find(" ▁▁▁ "), std::string::npos) << lines[3].text;
}

// The error gets the width the sparkline would leave empty: a row of three fetches does not hold
// sixty cells.
TEST_F(BoardModelTest, TheErrorTakesTheFreeWidth) {
  auto const cause = "the server said something long: " + std::string(70, 'e');
  fetch(up, 0, true, 1ms);
  fetch(up, 0, true, 1ms);
  fetch(down, 1, false, 1ms, cause);
  auto const lines = screen(160, 10);
  EXPECT_TRUE(lines[2].text.ends_with("  " + std::string(70, 'e'))) << lines[2].text;
  EXPECT_LE(column_count(lines[2].text), 160u);
  EXPECT_EQ(sparkline_cells(lines[3].text), 2u);
  // Narrower: the error is cut at the edge, the row still fits.
  auto const narrow = screen(120, 10);
  EXPECT_EQ(column_count(narrow[2].text), 120u) << narrow[2].text;
  EXPECT_TRUE(narrow[2].text.ends_with("e…")) << narrow[2].text;
}

TEST_F(BoardModelTest, A5xxThatPassesIsAWarning) {
  FetchResult result;
  result.target = &up;
  result.status = 503;
  record(result);  // no -f: the wire's verdict passes it
  auto const lines = screen(120, 10);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[2].text.starts_with("✓ ")) << lines[2].text;
  EXPECT_EQ(lines[2].style, BoardLine::Style::warning);
}

TEST_F(BoardModelTest, RowsOfUrlsAReloadRemovedLeave) {
  auto const targets = numbered(3);
  for (std::size_t i = 0; i < targets.size(); ++i) fetch(targets[i], i, true, 1ms);
  // Entry 1 is another URL now, entry 2 is gone.
  model.reloaded(2, [](std::size_t entry) { return entry == 0; });
  EXPECT_EQ(names(screen(140, 10)), (std::vector<std::string>{"0"}));
  fetch(targets[2], 2, true, 1ms);  // of a round that began before the reload
  EXPECT_EQ(names(screen(140, 10)), (std::vector<std::string>{"0"}));
  fetch(targets[1], 1, true, 1ms);  // the new entry's first fetch
  EXPECT_EQ(names(screen(140, 10)), (std::vector<std::string>{"0", "1"}));
}

TEST_F(BoardModelTest, ATinyScreenGetsTheTitleOnly) {
  fetch(up, 0, true, 10ms);
  EXPECT_EQ(screen(80, 2).size(), 1u);
  EXPECT_TRUE(screen(80, 0).empty());
}

}  // namespace
}  // namespace poller
