// State and alerts end to end (SPEC "State and alerts"): --down-after and --up-after decide each
// entry's state, its changes are events, and the events reach the log, the output, --on-state
// hooks and a real Alertmanager. The outages are the test server's /statuses/LIST, which answers
// each request with the next status of the list.

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/alertmanager.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

constexpr auto output_bound = 10s;

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Polls `condition` every 100 ms until it holds or `bound` passes.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds bound) {
  auto const deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

TEST(State, DownAfterAndUpAfterDecideTheEventsThatJsonMarks) {
  TestServer server;
  auto const url = server.url("/statuses/503,503,503,200,200,200");

  auto result = run_poller({"-f", "--down-after", "2", "--up-after", "2", "--count", "6",
                            "--interval", "0", "--format", "json", url});
  auto const states = jq("[.round, .state, .state_changed]", result.out);

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(states.out,
            "[1,\"unknown\",null]\n[2,\"down\",true]\n[3,\"down\",null]\n[4,\"down\",null]\n"
            "[5,\"up\",true]\n[6,\"up\",null]\n")
      << result.out;
  // The first failure is news; the second is the change, marked; the third is neither.
  EXPECT_EQ(count_of(result.err, "error: "), 2u) << result.err;
  EXPECT_EQ(count_of(result.err, "error: DOWN " + url + ": HTTP status 503\n"), 1u) << result.err;
  EXPECT_EQ(count_of(result.err, "info: UP " + url + ": up again after "), 1u) << result.err;
}

TEST(State, AListLineHasThresholdsOfItsOwnAndWriteOutPrintsTheState) {
  TestServer server;
  TempDir dir;
  auto const own = server.url("/statuses/503,503,503,200");
  auto const others = server.url("/statuses/503,503,503,200,200");
  auto list = dir.write_file("list.txt", own + " --down-after 3\n" + others + "\n");

  auto result = run_poller({"-f", "--count", "4", "--interval", "0", "--format", "none", "-w",
                            "%{round} %{state}\\n", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out,
            "1 unknown\n1 down\n2 unknown\n2 down\n3 down\n3 down\n4 up\n4 up\n");
}

// A recovery is news even when the body is the one printed before the outage.
TEST(State, OnChangePrintsARecoveryWithTheBodyItHadBefore) {
  TestServer server;
  auto const url = server.url("/statuses/200,503,200");

  auto result =
      run_poller({"-f", "--on-change", "--count", "4", "--interval", "0", url});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "status 200\nstatus 200\n");
}

// A hook gets the event in its environment, never in its command text: a URL that holds $(...)
// and quotes runs nothing.
TEST(State, OnStateRunsTheHookWithTheEventInItsEnvironmentOnly) {
  TestServer server;
  TempDir dir;
  auto const marker = dir.path() + "/ran";
  auto const url = server.url("/statuses/503,200?q=$(touch%20" + marker + ")';x'");
  auto const events = dir.path() + "/events";
  auto const hook = "printf '%s|%s|%s|%s|%s|%s\\n' \"$POLLER_STATE\" \"$POLLER_URL\" "
                    "\"$POLLER_NAME\" \"$POLLER_REASON\" \"$POLLER_STATUS\" \"$POLLER_ROUND\" >> " +
                    events + "; printf '%s %s\\n' \"$POLLER_SINCE\" \"$POLLER_DURATION\" >> " +
                    events + ".times; echo said $POLLER_STATE; printf 'a\\033[2Jb\\rc'";

  auto result = run_poller({"-f", "--count", "2", "--interval", "0.3", "--format", "none",
                            "--on-state", hook, url});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(sorted_lines(read_text_file(events)),
            (std::vector<std::string>{"down|" + url + "|" + url + "|HTTP status 503|503|1",
                                      "up|" + url + "|" + url + "||200|2"}))
      << result.err;
  for (auto const& line : sorted_lines(read_text_file(events + ".times"))) {
    EXPECT_TRUE(std::regex_match(line, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \d+)")))
        << line;
  }
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(count_of(result.err, "info: " + url + ": --on-state: said down\n"), 1u) << result.err;
  EXPECT_EQ(count_of(result.err, "info: " + url + ": --on-state: said up\n"), 1u) << result.err;
  // Its last line, without a newline and with a terminal escape and a \r in it: one log line.
  EXPECT_EQ(count_of(result.err, ": --on-state: a\\x1b[2Jb\\rc\n"), 2u) << result.err;
}

// The rounds never wait for a hook; a --count run waits for every hook, the queued ones too.
TEST(State, HooksNeverDelayARoundAndABoundedRunWaitsForAllOfThem) {
  TestServer server;
  TempDir dir;
  auto const url = server.url("/statuses/503,200,503,200,503,200");
  auto const done = dir.path() + "/done";

  auto result = run_poller({"-f", "--count", "6", "--interval", "0", "--format", "json",
                            "--on-state", "sleep 1; echo $POLLER_ROUND >> " + done, url});
  auto const times = jq("(.time | sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdate)", result.out);

  EXPECT_EQ(result.exit_code, 1) << result.err;
  // Six events, four hooks at once: the last two queued, and all six done before the exit.
  EXPECT_EQ(sorted_lines(read_text_file(done)),
            (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}))
      << result.err;
  auto const seconds = sorted_lines(times.out);
  ASSERT_EQ(seconds.size(), 6u) << result.out;
  // Six rounds back to back took well under one hook's second (whole seconds: at most 1 apart).
  EXPECT_LE(std::stol(seconds.back()) - std::stol(seconds.front()), 1) << result.out;
}

TEST(State, SigtermGivesARunningHookItsGraceThenEndsIt) {
  TempDir dir;
  auto const pid_file = dir.path() + "/pid";
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  Process poller(poller_command({"--interval", "0.2", "--format", "none", "--on-state",
                                 "echo $$ > " + pid_file + "; exec sleep 60", refused}));
  ASSERT_TRUE(poller.wait_for_stderr("DOWN ", output_bound)) << poller.stderr_text();
  ASSERT_TRUE(eventually([&] { return !read_text_file(pid_file).empty(); }, output_bound));
  auto const hook = std::stoi(read_text_file(pid_file));

  auto const stopped = std::chrono::steady_clock::now();
  poller.send_signal(SIGTERM);
  auto const result = poller.wait(20s);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // Five seconds of grace, then the hook is ended: far from its 60.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 15s);
  EXPECT_NE(count_of(result.err, "--on-state: stopping: ending hook"), 0u) << result.err;
  EXPECT_NE(::kill(hook, 0), 0) << "the hook still runs";
}

// Under systemd (JOURNAL_STREAM naming stderr), each line starts with its syslog priority.
TEST(State, UnderTheJournalEachLogLineCarriesItsPriority) {
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  auto result = run_process(
      {"/bin/sh", "-c",
       "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" \"$@\"", POLLER_BINARY,
       "--once", "--format", "none", refused});
  auto plain = run_poller({"--once", "--format", "none", refused});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.err.starts_with("<3>")) << result.err;
  EXPECT_EQ(count_of(plain.err, "<3>"), 0u) << plain.err;
}

TEST(State, AnEntryGoingDownIsAnAlertInARealAlertmanagerUntilItIsUp) {
  // An alert posted without endsAt would end after this resolve_timeout: poller's must not.
  AlertmanagerServer alertmanager(1s);
  TestServer server;
  auto const url = server.url("/statuses/503,503,503,503,503,503,503,503,503,503,200");
  Process poller(poller_command({"-f", "--interval", "0.5", "--count", "14", "--format", "none",
                                 "--alertmanager", alertmanager.url(), url}));
  ASSERT_TRUE(poller.wait_for_stderr("DOWN ", output_bound)) << poller.stderr_text();

  auto const alert = [&] {
    return jq("[.[] | select(.labels.alertname == \"PollerDown\") | [.labels.url, .labels.name, "
              ".annotations.reason, .status.state, (.labels.instance | length > 0)]]",
              alertmanager.alerts())
        .out;
  };
  auto const firing = "[[\"" + url + "\",\"" + url + "\",\"HTTP status 503\",\"active\",true]]\n";
  EXPECT_TRUE(eventually([&] { return alert() == firing; }, 3s)) << alert();
  // Past Alertmanager's resolve_timeout, still firing.
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(alert(), firing);

  ASSERT_TRUE(poller.wait_for_stderr("UP ", output_bound)) << poller.stderr_text();
  EXPECT_TRUE(eventually([&] { return alert() == "[]\n"; }, 3s)) << alert();
  auto const result = poller.wait(output_bound);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(count_of(result.err, "warning"), 0u) << result.err;
}

TEST(State, AnAlertmanagerThatCannotBeReachedCostsTheRoundsNothing) {
  TestServer server;
  TempDir dir;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  auto const nowhere = "http://127.0.0.1:" + std::to_string(closed_port());
  auto list = dir.write_file("list.txt", lines({refused, server.url("/fine")}));

  auto result = run_poller({"--count", "3", "--interval", "0", "--alertmanager", nowhere, list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/fine\n/fine\n/fine\n");
  EXPECT_EQ(count_of(result.err, "warning: --alertmanager " + nowhere + "/api/v2/alerts: posting 1 "
                                 "alert(s) failed: "),
            1u)
      << result.err;
}

}  // namespace
}  // namespace poller::test
