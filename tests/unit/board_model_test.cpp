// --format board's model: the rows it keeps and the screen it lays out, at any size.

#include <gtest/gtest.h>

#include "poller/report/board_model.hpp"
#include "poller/report/fetch_summary.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

struct BoardModelTest : ::testing::Test {
  Target up = *parse_target("http://127.0.0.1:8080/up").target;
  Target down = *parse_target("http://127.0.0.1:1/down").target;
  BoardModel model{5};
  UrlStates states{false};
  BoardModel::SteadyTime now{};

  void record(const FetchResult& result) {
    auto const verdict = wire_verdict(result);
    model.record(result, verdict, states.record(result, verdict));
  }

  void fetch(const Target& target, std::size_t entry, bool ok, Duration total) {
    FetchResult result;
    result.target = &target;
    result.entry = entry;
    if (ok) result.status = 200;
    if (!ok) result.error = FetchError{FetchErrorKind::connect, "connect to 127.0.0.1:1: Connection refused"};
    result.time_total = total;
    record(result);
  }

  std::vector<BoardLine> screen(std::size_t columns, std::size_t lines, bool unicode = true) {
    return model.render(columns, lines, now, unicode);
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
  EXPECT_EQ(lines[2].style, BoardLine::Style::plain);
  EXPECT_TRUE(lines[2].text.starts_with("✓ http://127.0.0.1:8080/up")) << lines[2].text;
  EXPECT_EQ(lines[3].style, BoardLine::Style::failing);
  EXPECT_TRUE(lines[3].text.starts_with("✗ http://127.0.0.1:1/down")) << lines[3].text;
  EXPECT_NE(lines[3].text.find("ERR"), std::string::npos);
  EXPECT_TRUE(lines[3].text.ends_with("Connection refused")) << lines[3].text;
}

TEST_F(BoardModelTest, ARowShowsTheUrlsNameWhenItHasOne) {
  Target named = up;
  named.name = "shop front";
  fetch(named, 0, true, 10ms);
  fetch(down, 1, false, 1ms);
  auto const lines = screen(120, 10);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[2].text.starts_with("✓ shop front ")) << lines[2].text;
  EXPECT_TRUE(lines[3].text.starts_with("✗ http://127.0.0.1:1/down")) << lines[3].text;
}

TEST_F(BoardModelTest, SparklineAndPercentilesFollowTheLatencies) {
  for (auto total : {10ms, 20ms, 40ms, 80ms}) fetch(up, 0, true, total);
  fetch(up, 0, false, 0ms);
  auto const& row = model.rows()[0];
  EXPECT_EQ(sparkline(row.recent, 20, true), "▂▃▅█✗");
  EXPECT_EQ(sparkline(row.recent, 3, false), "=#!");
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

TEST_F(BoardModelTest, LastChangeIsWhenTheOutcomeLastDiffered) {
  FetchResult result;
  result.target = &up;
  result.status = 200;
  result.started = std::chrono::system_clock::time_point(100s);
  record(result);
  result.started = std::chrono::system_clock::time_point(200s);
  record(result);
  EXPECT_EQ(model.rows()[0].changed, std::chrono::system_clock::time_point(100s));
  result.status = 204;
  result.started = std::chrono::system_clock::time_point(300s);
  record(result);
  EXPECT_EQ(model.rows()[0].changed, std::chrono::system_clock::time_point(300s));
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
  // A wide screen gives the sparkline more room.
  EXPECT_GT(column_count(screen(200, 10)[1].text), column_count(screen(100, 10)[1].text));
}

TEST_F(BoardModelTest, RowsPastTheScreenAreCountedWithTheirFailures) {
  std::vector<Target> targets;
  for (int i = 0; i < 10; ++i) {
    targets.push_back(*parse_target("http://127.0.0.1:8080/" + std::to_string(i)).target);
  }
  for (std::size_t i = 0; i < targets.size(); ++i) fetch(targets[i], i, i != 9, 1ms);
  auto const lines = screen(100, 6, false);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[5].text, "... 7 more URLs, 1 of them failing");
  EXPECT_EQ(lines[5].style, BoardLine::Style::failing);
  EXPECT_EQ(screen(100, 12).size(), 12u);  // all ten fit, with title and heading
}

TEST_F(BoardModelTest, ATinyScreenGetsTheTitleOnly) {
  fetch(up, 0, true, 10ms);
  EXPECT_EQ(screen(80, 2).size(), 1u);
  EXPECT_TRUE(screen(80, 0).empty());
}

}  // namespace
}  // namespace poller
