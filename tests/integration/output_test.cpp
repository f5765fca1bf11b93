// What reaches standard output, and what happens when its reader goes away.

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

TEST(Output, FormatNoneFetchesEverythingAndPrintsNothing) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));

  auto result = run_poller({"--format", "none", "--interval", "0", "--count", "2", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(server.requests_served(), 4u);
}

TEST(Output, ErrorStatusesAreResultsNotFailuresWithoutFail) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/status/503"), server.url("/status/404")}));

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "status 503\nstatus 404\n");
}

// An hour's outage at 5s is not 720 identical lines: the failure is logged as the URL goes down,
// marked so; -v logs each one.
TEST(Output, ARepeatedFailureIsOneLogLineMarkedAsTheUrlGoingDown) {
  TestServer server;
  TempDir dir;
  auto const failing = server.url("/close");
  auto list = dir.write_file("list.txt", lines({failing, server.url("/fine")}));

  auto result = run_poller({"--interval", "0", "--count", "3", list});
  auto verbose = run_poller({"--interval", "0", "--count", "3", "-v", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/fine\n/fine\n/fine\n");
  EXPECT_EQ(count_of(result.err, "\n"), 1u) << result.err;
  EXPECT_EQ(count_of(result.err, "error: DOWN " + failing +
                                     ": server closed the connection without a response\n"),
            1u)
      << result.err;
  EXPECT_EQ(count_of(verbose.err, failing + ": server closed the connection without a response\n"),
            3u)
      << verbose.err;
}

TEST(Output, QuietLogsOnlyErrorsAndVerboseAddsRequestDetail) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/a")}));

  auto quiet = run_poller({"--once", "-q", "-k", list});
  auto verbose = run_poller({"--once", "-v", list});

  EXPECT_EQ(quiet.err, "");  // not even the --insecure warning
  EXPECT_NE(verbose.err.find("connected to http://127.0.0.1:"), std::string::npos) << verbose.err;
  EXPECT_NE(verbose.err.find("reusing the connection"), std::string::npos) << verbose.err;
}

TEST(Output, ReaderGoingAwayEndsTheRunQuietlyWithExit0) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/bytes/100000")}));
  Process poller(poller_command({"--interval", "0", list}));
  ASSERT_TRUE(poller.wait_for_stdout("abc", 10s)) << poller.stderr_text();

  poller.close_stdout_reader();
  auto result = poller.wait(5s);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.err, "");
}

}  // namespace
}  // namespace poller::test
