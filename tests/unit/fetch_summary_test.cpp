// The short texts of --format line and board: latency, size, connection, error, columns, colour.

#include <gtest/gtest.h>

#include "poller/report/color.hpp"
#include "poller/report/fetch_summary.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

TEST(ShortLatency, KeepsThreeSignificantDigitsInAtMostSixColumns) {
  EXPECT_EQ(short_latency(850us), "0.8ms");
  EXPECT_EQ(short_latency(12300us), "12ms");
  EXPECT_EQ(short_latency(245ms), "245ms");
  EXPECT_EQ(short_latency(1234ms), "1.23s");
  EXPECT_EQ(short_latency(12345ms), "12.3s");
  EXPECT_EQ(short_latency(125s), "125s");
}

TEST(ShortSize, CountsInPowersOf1024) {
  EXPECT_EQ(short_size(0), "0B");
  EXPECT_EQ(short_size(512), "512B");
  EXPECT_EQ(short_size(1229), "1.2K");
  EXPECT_EQ(short_size(64 * 1024), "64K");
  EXPECT_EQ(short_size(3565158), "3.4M");
  EXPECT_EQ(short_size(1024ull * 1024 * 1024), "1.0G");
}

TEST(ConnectionKind, SaysHowTheConnectionWasGot) {
  FetchResult result;
  EXPECT_EQ(connection_kind(result), "-");  // failed before any connection
  result.connects = 1;
  EXPECT_EQ(connection_kind(result), "new");
  result.tls_resumed = true;
  EXPECT_EQ(connection_kind(result), "resumed");
  result.reused = true;
  EXPECT_EQ(connection_kind(result), "reused");
}

TEST(ShortError, KeepsTheLastClauseThatNamesTheCause) {
  EXPECT_EQ(short_error("connect to 127.0.0.1:1: Connection refused", 40), "Connection refused");
  EXPECT_EQ(short_error("HTTP status 503", 40), "HTTP status 503");
  EXPECT_EQ(short_error("timed out after --max-time 1s while waiting for the response", 20),
            "timed out after --m…");
}

TEST(FitColumns, CountsCodePointsNotBytes) {
  EXPECT_EQ(column_count("✗ 503"), 5u);
  EXPECT_EQ(fit_columns("▁▂▃▄▅", 5), "▁▂▃▄▅");
  EXPECT_EQ(fit_columns("▁▂▃▄▅", 3), "▁▂…");
  EXPECT_EQ(fit_columns("abc", 0), "");
}

TEST(FitColumns, CutsANameInTheMiddle) {
  EXPECT_EQ(fit_columns_middle("http://api.example.com/v1/items", 16), "http://…v1/items");
  EXPECT_EQ(fit_columns_middle("short", 16), "short");
}

// Cells as the terminal shows them (wcwidth), whatever the process's locale: the board's rows
// must end at the screen's edge with CJK names too.
TEST(FitColumns, CountsTheCellsAWideCharacterTakes) {
  EXPECT_EQ(column_count("東京"), 4u);
  EXPECT_EQ(column_count("e\u0301"), 1u);  // e and a combining acute accent
  EXPECT_EQ(fit_columns("東京駅前", 5), "東京…");
  EXPECT_EQ(fit_columns("東京駅前", 4), "東…");  // no half of 京 at the edge
  EXPECT_EQ(fit_columns_middle("東京駅前大阪", 9), "東京…大阪");
  EXPECT_EQ(fit_columns_middle("東京駅前大阪", 8), "東…大阪");  // seven cells: 京 does not fit
  EXPECT_EQ(column_count("\xff\xfe"), 2u);  // malformed: a cell a byte
}

TEST(ShortDuration, SecondsThenMinutesThenHoursThenDays) {
  using namespace std::chrono_literals;
  EXPECT_EQ(short_duration(45s), "45s");
  EXPECT_EQ(short_duration(3min + 12s), "3m12s");
  EXPECT_EQ(short_duration(2h + 5min + 59s), "2h05m");
  EXPECT_EQ(short_duration(3 * 24h + 4h + 1min), "3d04h");
  EXPECT_EQ(short_duration(-5s), "0s");  // a clock set back
}

TEST(ColorWanted, AutoMeansATerminalWithoutNoColor) {
  EXPECT_TRUE(color_wanted(ColorMode::automatic, true, nullptr));
  EXPECT_TRUE(color_wanted(ColorMode::automatic, true, ""));  // no-color.org: set and non-empty
  EXPECT_FALSE(color_wanted(ColorMode::automatic, true, "1"));
  EXPECT_FALSE(color_wanted(ColorMode::automatic, false, nullptr));
}

TEST(ColorWanted, AlwaysAndNeverWinOverNoColorAndTheTerminal) {
  EXPECT_TRUE(color_wanted(ColorMode::always, false, "1"));
  EXPECT_FALSE(color_wanted(ColorMode::never, true, nullptr));
}

}  // namespace
}  // namespace poller
