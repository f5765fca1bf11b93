// SIGINT and SIGTERM end a run cleanly; SIGHUP re-reads the URL list.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// Generous bounds: they catch a hang, not a slow machine. The spec's "within one second" is
// measured by the benchmarks.
constexpr auto exit_bound = 5s;
constexpr auto output_bound = 10s;

// SIGTERM, then the exit: what most tests here end with.
ProcessResult stop_with_sigterm(Process& poller) {
  poller.send_signal(SIGTERM);
  return poller.wait(exit_bound);
}

TEST(Signals, SigtermEndsAnUnboundedRunWithExit0) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));
  Process poller(poller_command({"--interval", "60", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/a\n", output_bound)) << poller.stderr_text();

  auto result = stop_with_sigterm(poller);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n");
}

TEST(Signals, SigintCancelsTheFetchInFlightWithoutCountingAFailure) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/sleep/30000")}));
  Process poller(poller_command({list}));
  // Wait until the request is at the server, so the signal lands mid-fetch.
  for (auto waited = 0ms; server.requests_served() == 0 && waited < output_bound; waited += 10ms) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(server.requests_served(), 1u);

  poller.send_signal(SIGINT);
  auto result = poller.wait(exit_bound);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err.find("error"), std::string::npos) << result.err;
}

TEST(Signals, BoundedRunStoppedBySignalExitsWithTheStatusEarnedSoFar) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file(
      "list.txt", lines({server.url("/a"), "http://127.0.0.1:" + std::to_string(closed_port()) + "/"}));
  Process poller(poller_command({"--interval", "60", "--count", "5", list}));
  ASSERT_TRUE(poller.wait_for_stderr("Connection refused", output_bound)) << poller.stderr_text();

  auto result = stop_with_sigterm(poller);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 1);
}

TEST(Signals, SighupReloadsTheListBeforeTheNextRound) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/old")}));
  Process poller(poller_command({"--interval", "0.2", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/old\n", output_bound)) << poller.stderr_text();

  dir.write_file("list.txt", lines({server.url("/new"), server.url("/newer")}));
  poller.send_signal(SIGHUP);

  EXPECT_TRUE(poller.wait_for_stdout("/new\n/newer\n", output_bound)) << poller.stdout_text();
  EXPECT_TRUE(poller.wait_for_stderr("reloaded", output_bound)) << poller.stderr_text();
  auto result = stop_with_sigterm(poller);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // After the reload only the new list is fetched.
  auto const after = result.out.substr(result.out.find("/new\n"));
  EXPECT_EQ(after.find("/old"), std::string::npos) << result.out;
}

// An entry that a reload leaves as it was (the same URL with the same options at the same place)
// keeps its state: --on-change does not print its unchanged body again. One whose options
// changed starts afresh.
TEST(Signals, SighupKeepsTheStateOfTheEntriesThatStay) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));
  Process poller(poller_command({"--on-change", "--interval", "0.2", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/a\n/b\n", output_bound)) << poller.stderr_text();

  dir.write_file("list.txt", lines({server.url("/a"), server.url("/b") + " --max-time 9"}));
  poller.send_signal(SIGHUP);

  EXPECT_TRUE(poller.wait_for_stdout("/a\n/b\n/b\n", output_bound)) << poller.stdout_text();
  auto result = stop_with_sigterm(poller);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n/b\n/b\n");
}

TEST(Signals, BadReloadKeepsTheOldListAndLogsEveryError) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/kept")}));
  Process poller(poller_command({"--interval", "0.2", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/kept\n", output_bound)) << poller.stderr_text();

  dir.write_file("list.txt", "ftp://127.0.0.1/\n" + server.url("/fine") + "\nhttp://\n");
  poller.send_signal(SIGHUP);

  ASSERT_TRUE(poller.wait_for_stderr("keeping the previous list", output_bound)) << poller.stderr_text();
  auto const fetched_before = count_of(poller.stdout_text(), "/kept\n");
  EXPECT_TRUE(poller.wait_for_stdout("/kept\n", output_bound, fetched_before + 2)) << poller.stdout_text();
  auto result = stop_with_sigterm(poller);

  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.err.find(list + ":1: unsupported scheme"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(list + ":3: "), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("/fine"), std::string::npos);
}

TEST(Signals, SighupWithAFifoAsTheListNeverStopsTheRounds) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/kept")}));
  Process poller(poller_command({"--interval", "0.2", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/kept\n", output_bound)) << poller.stderr_text();

  // The list becomes a FIFO no one writes to: opening it for reading would wait for a writer.
  ASSERT_EQ(::unlink(list.c_str()), 0);
  ASSERT_EQ(::mkfifo(list.c_str(), 0600), 0);
  poller.send_signal(SIGHUP);

  // A regular file's URLs are not kept apart (it is read again on each SIGHUP): one that has
  // become a FIFO fails the reload, and the run keeps the list it has.
  ASSERT_TRUE(poller.wait_for_stderr("keeping the previous list", output_bound))
      << poller.stderr_text();
  EXPECT_NE(poller.stderr_text().find(list + ": not a regular file any more (a FIFO?): not read "
                                             "again"),
            std::string::npos)
      << poller.stderr_text();
  auto const fetched_before = count_of(poller.stdout_text(), "/kept\n");
  EXPECT_TRUE(poller.wait_for_stdout("/kept\n", output_bound, fetched_before + 2))
      << poller.stdout_text();
  auto result = stop_with_sigterm(poller);
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(Signals, SighupRereadsTheFilesAndKeepsTheUrlOperands) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/old")}));
  Process poller(
      poller_command({"--interval", "0.2", server.url("/first"), list, server.url("/last")}));
  ASSERT_TRUE(poller.wait_for_stdout("/first\n/old\n/last\n", output_bound))
      << poller.stderr_text();

  dir.write_file("list.txt", lines({server.url("/new")}));
  poller.send_signal(SIGHUP);

  EXPECT_TRUE(poller.wait_for_stdout("/first\n/new\n/last\n", output_bound))
      << poller.stdout_text();
  auto result = stop_with_sigterm(poller);
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(Signals, ControlBytesOfAReloadedListReachTheLogEscaped) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/kept")}));
  Process poller(poller_command({"--interval", "0.2", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/kept\n", output_bound)) << poller.stderr_text();

  dir.write_file("list.txt",
                 "http://127.0.0.1/\x1b]0;owned\x07\x1b[2J\n"
                 "http://127.0.0.1/\xc2\x9b"
                 "2J\n");
  poller.send_signal(SIGHUP);

  ASSERT_TRUE(poller.wait_for_stderr("keeping the previous list", output_bound))
      << poller.stderr_text();
  auto result = stop_with_sigterm(poller);
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\x07'), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("\xc2\x9b"), std::string::npos) << result.err;
}

// A SIGHUP (or SIGUSR1) that comes while the list is still being read, before the run has its
// handler, is held and then taken as a reload request; its default action would kill poller.
TEST(Signals, SighupWhileTheListIsStillBeingReadIsTakenOnceTheRunStarts) {
  TestServer server;
  TempDir dir;
  auto const list = dir.path() + "/list.fifo";
  ASSERT_EQ(::mkfifo(list.c_str(), 0600), 0);
  Process poller(poller_command({"--once", list}));
  // Once poller has the FIFO open for reading (main() has begun: a signal before that would end
  // any program), a writer may open it without waiting; poller then waits for the list's text.
  int writer = -1;
  for (auto waited = 0ms; writer < 0 && waited < output_bound; waited += 10ms) {
    writer = ::open(list.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer < 0) std::this_thread::sleep_for(10ms);
  }
  ASSERT_GE(writer, 0) << "poller never opened its list";
  poller.send_signal(SIGHUP);
  poller.send_signal(SIGUSR1);
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(poller.running()) << poller.stderr_text();

  auto const text = lines({server.url("/a")});
  ASSERT_EQ(::write(writer, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(writer);
  auto const result = poller.wait(output_bound);

  EXPECT_EQ(result.term_signal, 0);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n");
}

// A record under way when SIGTERM comes is finished: the reader (here always reading) gets whole
// NDJSON lines only. Records of 100 KB outgrow the pipe, so each one waits for the reader.
void expect_whole_records_after_sigterm(std::initializer_list<std::string> mode) {
  TestServer server;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<std::string> argv = poller_command({"--interval", "0", "--format", "json"});
    argv.insert(argv.end(), mode);
    argv.push_back(server.url("/bytes/100000"));
    Process poller(argv);
    ASSERT_TRUE(poller.wait_for_stdout("\n", output_bound)) << poller.stderr_text();
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + 37 * attempt % 200));
    auto const result = stop_with_sigterm(poller);

    ASSERT_FALSE(result.out.empty());
    EXPECT_EQ(result.out.back(), '\n') << "attempt " << attempt << ": the last record was cut";
    auto const parsed = jq(".round", result.out);
    EXPECT_EQ(parsed.exit_code, 0) << "attempt " << attempt << ": " << parsed.err;
    EXPECT_EQ(result.exit_code, 0) << result.err;
  }
}

TEST(Signals, SigtermFinishesTheRecordUnderWay) { expect_whole_records_after_sigterm({}); }

TEST(Signals, SigtermFinishesTheRecordUnderWayWithParallelLanes) {
  expect_whole_records_after_sigterm({"-Z"});
}

}  // namespace
}  // namespace poller::test
