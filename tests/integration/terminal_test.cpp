// In a terminal: --format line, --color and NO_COLOR, and the live --format board, asserted on
// what a real terminal (tmux) shows, against loopback servers.

#include <sys/types.h>

#include <csignal>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/pty_process.hpp"
#include "support/test_server.hpp"
#include "support/tmux_screen.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// Generous: they catch a hang, not a slow machine.
constexpr auto screen_bound = 10s;

bool has_escape(std::string_view text) { return text.find('\x1b') != std::string_view::npos; }

std::vector<std::string> screen_lines(const std::string& screen) {
  std::vector<std::string> lines;
  std::istringstream in(screen);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The screen's line that holds `text`, or "".
std::string line_with(const std::string& screen, std::string_view text) {
  for (auto const& line : screen_lines(screen)) {
    if (line.find(text) != std::string::npos) return line;
  }
  return {};
}

// How many sparkline blocks the row of `name` shows.
std::size_t sparkline_length(const std::string& screen, std::string_view name) {
  auto const row = line_with(screen, name);
  std::size_t blocks = 0;
  for (std::string_view block : {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}) {
    blocks += count_of(row, block);
  }
  return blocks;
}

TEST(LineFormat, InAPipeALinePerFetchWithoutColour) {
  TestServer server;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/gone";
  auto result = run_poller(
      {"--format", "line", "--count", "2", "--interval", "0", server.url("/health"), refused});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  auto const out = screen_lines(result.out);
  ASSERT_EQ(out.size(), 4u) << result.out;
  EXPECT_NE(out[0].find("  200 "), std::string::npos) << out[0];
  EXPECT_TRUE(out[0].ends_with(" new      " + server.url("/health"))) << out[0];
  EXPECT_TRUE(out[2].ends_with(" reused   " + server.url("/health"))) << out[2];
  EXPECT_NE(out[1].find("✗ ---"), std::string::npos) << out[1];
  EXPECT_TRUE(out[1].ends_with(refused + "  Connection refused")) << out[1];
  EXPECT_FALSE(has_escape(result.out)) << result.out;
  EXPECT_FALSE(has_escape(result.err)) << result.err;
}

TEST(LineFormat, ColorAlwaysColoursAPipeAndTheLog) {
  TestServer server;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/gone";
  auto result = run_process({"/usr/bin/env", "NO_COLOR=1", POLLER_BINARY, "--format", "line",
                             "--color=always", "--once", server.url("/health"), refused});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.out.find("\x1b[32m200\x1b[0m"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\x1b[1;31m"), std::string::npos) << result.out;
  EXPECT_TRUE(has_escape(result.err)) << result.err;  // the log line's level
}

// On a terminal: colour by default, none with NO_COLOR or --color=never; --color=always wins
// over NO_COLOR. Log lines (stderr) and results (stdout) alike.
struct ColorCase {
  std::string name;
  std::vector<std::string> options;
  std::vector<std::string> environment;
  bool coloured;
};

class LineColorOnATerminal : public ::testing::TestWithParam<ColorCase> {};

TEST_P(LineColorOnATerminal, FollowsColorAndNoColor) {
  TestServer server;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/gone";
  std::vector<std::string> argv{POLLER_BINARY, "--format", "line", "--once"};
  argv.insert(argv.end(), GetParam().options.begin(), GetParam().options.end());
  argv.insert(argv.end(), {server.url("/health"), refused});
  TmuxScreen screen(argv, 160, 20, GetParam().environment);
  ASSERT_EQ(screen.wait_for_exit(screen_bound), 1) << screen.capture();
  auto const shown = screen.capture(true);
  // The result line, the failed one, and a log line (the summary: the failure is not logged on
  // the terminal its line is on).
  EXPECT_EQ(has_escape(line_with(shown, "/health")), GetParam().coloured) << shown;
  EXPECT_EQ(has_escape(line_with(shown, "/gone  Connection refused")), GetParam().coloured)
      << shown;
  EXPECT_EQ(has_escape(line_with(shown, "summary:")), GetParam().coloured) << shown;
}

INSTANTIATE_TEST_SUITE_P(
    Terminal, LineColorOnATerminal,
    ::testing::Values(ColorCase{"Default", {}, {}, true},
                      ColorCase{"AutoWithNoColor", {"--color=auto"}, {"NO_COLOR=1"}, false},
                      ColorCase{"Never", {"--color=never"}, {}, false},
                      ColorCase{"AlwaysWithNoColor", {"--color=always"}, {"NO_COLOR=1"}, true}),
    [](const ::testing::TestParamInfo<ColorCase>& info) { return info.param.name; });

// Without -f a 503 is a successful fetch, but not a healthy one: yellow, not a 200's green.
TEST(LineFormat, A5xxWithoutFailIsColouredAsAWarning) {
  TestServer server;
  auto result = run_poller(
      {"--format", "line", "--color=always", "--once", server.url("/status/503")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\x1b[33m503\x1b[0m"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("\x1b[32m"), std::string::npos) << result.out;
}

// A body check's pattern (the cause names it) longer than any terminal's line.
std::string long_pattern() { return "never-there-" + std::string(90, 'z'); }

TEST(LineFormat, InAPipeTheCauseIsWhole) {
  TestServer server;
  auto result = run_poller({"--format", "line", "--once", "--expect-body", long_pattern(),
                            server.url("/health")});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_TRUE(result.out.ends_with("body does not match \"" + long_pattern() + "\"\n"))
      << result.out;
}

TEST(LineFormat, OnATerminalTheCauseEndsAtTheEdge) {
  TestServer server;
  TmuxScreen screen({POLLER_BINARY, "--format", "line", "--once", "--expect-body", long_pattern(),
                     server.url("/health")},
                    120, 20);
  ASSERT_EQ(screen.wait_for_exit(screen_bound), 1) << screen.capture();
  auto const lines = screen_lines(screen.capture());
  ASSERT_FALSE(lines.empty());
  // The first line is the fetch's, cut at the 120th cell; the next one is not its tail.
  EXPECT_TRUE(lines[0].find("/health  body does not match") != std::string::npos) << lines[0];
  EXPECT_TRUE(lines[0].ends_with("z…")) << lines[0];
  ASSERT_GT(lines.size(), 1u);
  EXPECT_EQ(lines[1].find("zz"), std::string::npos) << screen.capture();
}

// stdout and stderr on one terminal: a failure is its line, which says why; not also a log line.
TEST(LineFormat, OnTheLogsTerminalAFailureIsShownOnce) {
  TestServer server;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/gone";
  TmuxScreen screen({POLLER_BINARY, "--format", "line", "--count", "2", "--interval", "0",
                     server.url("/health"), refused},
                    160, 20);
  ASSERT_EQ(screen.wait_for_exit(screen_bound), 1) << screen.capture();
  auto const shown = screen.capture();
  EXPECT_EQ(count_of(shown, "Connection refused"), 2u) << shown;  // a line per fetch, no more
  EXPECT_EQ(count_of(shown, "/gone  Connection refused"), 2u) << shown;
  EXPECT_EQ(shown.find("error:"), std::string::npos) << shown;
}

// The log on another terminal, or in a file: there the failure is logged as before.
TEST(LineFormat, WithTheLogElsewhereTheFailureIsLoggedThere) {
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/gone";
  PtyProcess poller({POLLER_BINARY, "--format", "line", "--once", refused});
  auto const result = poller.wait(screen_bound);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(count_of(result.out, "Connection refused"), 1u) << result.out;
  EXPECT_NE(result.err.find("error: DOWN " + refused + ": "), std::string::npos) << result.err;
}

TEST(Board, OffATerminalIsAUsageError) {
  TestServer server;
  auto result = run_poller({"--format", "board", "--once", server.url("/a")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--format board needs a terminal"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST(Board, WithWriteOutIsAUsageErrorOnATerminalToo) {
  TestServer server;
  TmuxScreen screen({POLLER_BINARY, "--format", "board", "-w", "%{url}", server.url("/a")}, 120,
                    10);
  EXPECT_EQ(screen.wait_for_exit(screen_bound), 2) << screen.capture();
  EXPECT_NE(screen.capture().find("-w cannot go with it"), std::string::npos) << screen.capture();
  EXPECT_EQ(server.requests_served(), 0u);
}

struct BoardTest : ::testing::Test {
  TestServer server;
  std::string refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/down";
  std::vector<std::string> urls{server.url("/one"), server.url("/two"), refused};

  std::vector<std::string> command(std::vector<std::string> options) {
    std::vector<std::string> argv{POLLER_BINARY, "--format", "board"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), urls.begin(), urls.end());
    return argv;
  }

  static bool shows_rows(const std::string& screen, const std::vector<std::string>& names) {
    for (auto const& name : names) {
      if (line_with(screen, name).empty()) return false;
    }
    return true;
  }
};

TEST_F(BoardTest, ARowPerUrlAndTheFailingOneMarkedWithItsError) {
  TmuxScreen screen(command({"--interval", "60"}), 140, 20);
  ASSERT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
      << screen.capture();
  auto const shown = screen.capture();
  EXPECT_NE(shown.find("round 1"), std::string::npos) << shown;
  EXPECT_NE(shown.find("2 up · 1 down"), std::string::npos) << shown;
  EXPECT_TRUE(line_with(shown, "/one").starts_with("✓ ")) << shown;
  auto const failing = line_with(shown, refused);
  EXPECT_TRUE(failing.starts_with("✗ ")) << shown;
  EXPECT_NE(failing.find("Connection refused"), std::string::npos) << shown;
  // Marked in colour too: the failing row is drawn in red, the others are not.
  auto const coloured = screen.capture(true);
  EXPECT_TRUE(has_escape(line_with(coloured, "/down"))) << coloured;
}

TEST_F(BoardTest, TheSparklineAdvancesOverRounds) {
  TmuxScreen screen(command({"--interval", "200ms"}), 140, 20);
  std::size_t before = 0;
  ASSERT_TRUE(screen.wait_until(
      [&](auto const& s) { return (before = sparkline_length(s, "/one")) >= 2; }, screen_bound))
      << screen.capture();
  // A block per round: rounds go on faster than the screen is read, so "at least".
  EXPECT_TRUE(screen.wait_until(
      [&](auto const& s) { return sparkline_length(s, "/one") >= before + 3; }, screen_bound))
      << screen.capture();
  EXPECT_NE(line_with(screen.capture(), "/down").find("✗✗✗"), std::string::npos)
      << screen.capture();
}

TEST_F(BoardTest, AResizeIsLaidOutAgain) {
  TmuxScreen screen(command({"--interval", "60"}), 140, 20);
  ASSERT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
      << screen.capture();
  // Too short for three rows: one (the failing one, first), and a line that counts the rest.
  screen.resize(60, 4);
  EXPECT_TRUE(screen.wait_for_text("2 more URLs, 0 of them failing", screen_bound))
      << screen.capture();
  EXPECT_TRUE(screen_lines(screen.capture())[2].starts_with("✗ ")) << screen.capture();
  for (auto const& line : screen_lines(screen.capture())) EXPECT_LE(line.size(), 3u * 60) << line;
  screen.resize(140, 20);
  EXPECT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
      << screen.capture();
}

TEST_F(BoardTest, SigintGivesTheTerminalBackAndPrintsTheHeldLog) {
  TmuxScreen screen(command({"--interval", "60"}), 140, 20);
  ASSERT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
      << screen.capture();
  EXPECT_EQ(screen.pane_format("#{alternate_on}#{cursor_flag}"), "10");
  screen.send_keys("C-c");
  EXPECT_EQ(screen.wait_for_exit(screen_bound), 0) << screen.capture();
  auto const shown = screen.capture();
  EXPECT_EQ(shown.find("round 1"), std::string::npos) << shown;  // the board is gone
  EXPECT_EQ(screen.pane_format("#{alternate_on}#{cursor_flag}"), "01");
  // The log lines the board held, after it.
  EXPECT_NE(line_with(shown, "error: DOWN " + refused).find("Connection refused"), std::string::npos)
      << shown;
  EXPECT_FALSE(line_with(shown, "SIGINT: stopping").empty()) << shown;
}

TEST_F(BoardTest, SigtermAndTheLastRoundGiveTheTerminalBackToo) {
  {
    TmuxScreen screen(command({"--interval", "60"}), 140, 20);
    ASSERT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
        << screen.capture();
    ASSERT_GT(screen.command_pid(), 0);
    ::kill(screen.command_pid(), SIGTERM);
    EXPECT_EQ(screen.wait_for_exit(screen_bound), 0) << screen.capture();
    EXPECT_EQ(screen.pane_format("#{alternate_on}#{cursor_flag}"), "01");
    EXPECT_FALSE(line_with(screen.capture(), "SIGTERM: stopping").empty()) << screen.capture();
  }
  TmuxScreen screen(command({"--interval", "0", "--count", "3"}), 140, 20);
  EXPECT_EQ(screen.wait_for_exit(screen_bound), 1) << screen.capture();
  EXPECT_EQ(screen.pane_format("#{alternate_on}#{cursor_flag}"), "01");
  // Three rounds, one log line: the same failure is logged once, as the URL goes down.
  EXPECT_EQ(count_of(screen.capture(), "Connection refused"), 1u) << screen.capture();
}

TEST_F(BoardTest, FailingRowsComeFirst) {
  TmuxScreen screen(command({"--interval", "60"}), 140, 20);
  ASSERT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
      << screen.capture();
  auto const lines = screen_lines(screen.capture());
  ASSERT_GE(lines.size(), 5u);
  EXPECT_TRUE(lines[2].starts_with("✗ " + refused)) << screen.capture();
  EXPECT_TRUE(lines[3].starts_with("✓ " + server.url("/one"))) << screen.capture();
  EXPECT_TRUE(lines[4].starts_with("✓ " + server.url("/two"))) << screen.capture();
  // How long each row has been in its state, not a clock time.
  EXPECT_NE(lines[2].find(" down "), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find(" up "), std::string::npos) << lines[3];
}

TEST_F(BoardTest, FShowsTheFailingRowsOnlyAndBack) {
  TmuxScreen screen(command({"--interval", "60"}), 140, 20);
  ASSERT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
      << screen.capture();
  screen.send_keys("f");
  ASSERT_TRUE(screen.wait_for_text("failing only", screen_bound)) << screen.capture();
  auto const failing = screen.capture();
  EXPECT_FALSE(line_with(failing, refused).empty()) << failing;
  EXPECT_TRUE(line_with(failing, "/one").empty()) << failing;
  EXPECT_TRUE(line_with(failing, "/two").empty()) << failing;
  screen.send_keys("f");
  EXPECT_TRUE(screen.wait_until(
      [&](auto const& s) { return shows_rows(s, urls) && s.find("failing only") == s.npos; },
      screen_bound))
      << screen.capture();
}

// `q` ends the run as SIGINT does: the terminal given back, the held log, the summary, and the
// exit status of a run stopped by a signal (0 unbounded, the status earned with --count).
TEST_F(BoardTest, QEndsTheRunAsSigintDoes) {
  {
    TmuxScreen screen(command({"--interval", "60"}), 140, 20);
    ASSERT_TRUE(
        screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
        << screen.capture();
    screen.send_keys("q");
    EXPECT_EQ(screen.wait_for_exit(screen_bound), 0) << screen.capture();
    EXPECT_EQ(screen.pane_format("#{alternate_on}#{cursor_flag}"), "01");
    auto const shown = screen.capture();
    EXPECT_FALSE(line_with(shown, "q: stopping").empty()) << shown;
    EXPECT_FALSE(line_with(shown, "summary:").empty()) << shown;
  }
  TmuxScreen screen(command({"--interval", "60", "--count", "5"}), 140, 20);
  ASSERT_TRUE(screen.wait_until([&](auto const& s) { return shows_rows(s, urls); }, screen_bound))
      << screen.capture();
  screen.send_keys("q");
  EXPECT_EQ(screen.wait_for_exit(screen_bound), 1) << screen.capture();  // /down failed
}

// Rows that do not fit are reached with the keys: Down, PageDown, End, and back with Home.
TEST(BoardKeys, ScrollToTheRowsThatDidNotFit) {
  TestServer server;
  std::vector<std::string> argv{POLLER_BINARY, "--format", "board", "--interval", "60"};
  auto const row_url = [&](int i) {
    return server.url((i < 10 ? "/row0" : "/row") + std::to_string(i));
  };
  for (int i = 0; i < 30; ++i) argv.push_back(row_url(i));
  // 12 lines: title, heading, nine rows and the line that counts the rest.
  TmuxScreen screen(argv, 140, 12);
  auto const on_screen = [&](int i) {
    return [&, i](const std::string& s) { return !line_with(s, row_url(i)).empty(); };
  };
  ASSERT_TRUE(screen.wait_until(on_screen(0), screen_bound)) << screen.capture();
  ASSERT_TRUE(screen.wait_for_text("21 more URLs", screen_bound)) << screen.capture();
  EXPECT_TRUE(line_with(screen.capture(), row_url(9)).empty()) << screen.capture();
  screen.send_keys("Down");
  EXPECT_TRUE(screen.wait_until(on_screen(9), screen_bound)) << screen.capture();
  EXPECT_TRUE(line_with(screen.capture(), row_url(0)).empty()) << screen.capture();
  EXPECT_FALSE(line_with(screen.capture(), "1 above").empty()) << screen.capture();
  screen.send_keys("NPage");
  EXPECT_TRUE(screen.wait_until(on_screen(18), screen_bound)) << screen.capture();
  screen.send_keys("End");
  EXPECT_TRUE(screen.wait_until(on_screen(29), screen_bound)) << screen.capture();
  EXPECT_FALSE(line_with(screen.capture(), "21 above").empty()) << screen.capture();
  screen.send_keys("PPage");
  EXPECT_TRUE(screen.wait_until(on_screen(12), screen_bound)) << screen.capture();
  screen.send_keys("Home");
  EXPECT_TRUE(screen.wait_until(on_screen(0), screen_bound)) << screen.capture();
  screen.send_keys("Up");  // at the top already: nothing moves
  EXPECT_FALSE(screen.wait_until(on_screen(9), 300ms)) << screen.capture();
}

TEST(BoardReload, RowsOfUrlsASighupRemovedLeave) {
  TestServer server;
  TempDir dir;
  auto const list =
      dir.write_file("urls.txt", server.url("/kept") + "\n" + server.url("/gone") + "\n");
  TmuxScreen screen({POLLER_BINARY, "--format", "board", "--interval", "60", list}, 140, 20);
  ASSERT_TRUE(screen.wait_until(
      [&](auto const& s) {
        return !line_with(s, "/gone").empty() && !line_with(s, "/kept").empty();
      },
      screen_bound))
      << screen.capture();
  dir.write_file("urls.txt", server.url("/kept") + "\n");
  ASSERT_GT(screen.command_pid(), 0);
  ::kill(screen.command_pid(), SIGHUP);
  EXPECT_TRUE(screen.wait_until([&](auto const& s) { return line_with(s, "/gone").empty(); },
                                screen_bound))
      << screen.capture();
  EXPECT_FALSE(line_with(screen.capture(), "/kept").empty()) << screen.capture();
}

// A CJK name takes two cells a character: its row, exactly as wide as the screen, ends at the
// edge (counted in code points it ran ten cells past it, onto the next line).
TEST(BoardWidth, ACjkNameFillsTwoCellsACharacter) {
  TestServer server;
  TempDir dir;
  std::string const name = "東京駅前店舗監視用名";  // ten characters, twenty cells
  auto const list = dir.write_file("urls.txt", server.url("/cjk") + " --name " + name + "\n");
  // The row: mark, name (20), status, last, sparkline (8), p50, p95, ok, since: 81 cells.
  TmuxScreen screen({POLLER_BINARY, "--format", "board", "--interval", "60", list}, 81, 10);
  ASSERT_TRUE(screen.wait_until([&](auto const& s) { return !line_with(s, name).empty(); },
                                screen_bound))
      << screen.capture();
  auto const lines = screen_lines(screen.capture());
  ASSERT_GE(lines.size(), 3u);
  EXPECT_TRUE(lines[2].starts_with("✓ " + name + "  200 ")) << screen.capture();
  EXPECT_NE(lines[2].find(" up "), std::string::npos) << lines[2];
  // Nothing of it wrapped onto the line below.
  for (std::size_t i = 3; i < lines.size(); ++i) EXPECT_EQ(lines[i], "") << screen.capture();
}

// Whether process `pid` ends (or is a zombie: ended, not yet reaped) within `bound`.
bool process_ends(int pid, std::chrono::milliseconds bound) {
  auto const deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    auto const stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
    auto const state = stat.rfind(") ");  // after the command name, which may hold anything
    if (stat.empty() || (state != std::string::npos && stat.substr(state + 2, 1) == "Z"))
      return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// A terminal that goes away sends SIGHUP, which poller otherwise takes as "re-read the list":
// it must end the run, not leave poller polling for nobody. It did, with the board and with
// nothing written to the terminal; a line written to it failed (EIO) and ended the run.
class TerminalHangup : public ::testing::TestWithParam<std::string> {};

TEST_P(TerminalHangup, EndsTheRunAndItsRequests) {
  TestServer server;
  TmuxScreen screen(
      {POLLER_BINARY, "--format", GetParam(), "--interval", "100ms", server.url("/health")}, 120,
      10);
  ASSERT_TRUE(
      screen.wait_until([&](auto const&) { return server.requests_served() >= 2; }, screen_bound))
      << screen.capture();
  int const pid = screen.command_pid();
  ASSERT_GT(pid, 0);
  screen.hang_up();
  bool const ended = process_ends(pid, screen_bound);
  if (!ended) ::kill(pid, SIGKILL);  // no poller outlives its test, to poll another's server
  EXPECT_TRUE(ended);
  // And no request after it: five rounds' time without one.
  auto const served = server.requests_served();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(server.requests_served(), served);
}

INSTANTIATE_TEST_SUITE_P(Terminal, TerminalHangup, ::testing::Values("none", "line", "board"));

TEST(KillHup, InATerminalThatIsStillThereReloadsTheList) {
  TestServer server;
  TempDir dir;
  auto const list = dir.write_file("urls.txt", server.url("/before") + "\n");
  TmuxScreen screen({POLLER_BINARY, "--format", "line", "--interval", "100ms", list}, 160, 20);
  ASSERT_TRUE(screen.wait_for_text("/before", screen_bound)) << screen.capture();
  dir.write_file("urls.txt", server.url("/after") + "\n");
  ASSERT_GT(screen.command_pid(), 0);
  ::kill(screen.command_pid(), SIGHUP);
  EXPECT_TRUE(screen.wait_for_text("SIGHUP: reloaded", screen_bound)) << screen.capture();
  EXPECT_TRUE(screen.wait_for_text("/after", screen_bound)) << screen.capture();
  EXPECT_FALSE(process_ends(screen.command_pid(), 300ms));
  EXPECT_EQ(screen.capture().find("terminal hung up"), std::string::npos) << screen.capture();
}

}  // namespace
}  // namespace poller::test
