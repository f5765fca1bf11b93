// Standard output on a terminal that goes away without a SIGHUP (poller started with setsid, the
// window closed), and a terminal that cannot be drawn on: what poller does with each.

#include <thread>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/pty_process.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

constexpr auto output_bound = 10s;
// Generous: it catches a run that polls on for nobody, not a slow machine.
constexpr auto exit_bound = 5s;

void wait_for_requests(const TestServer& server, std::size_t count) {
  for (auto waited = 0ms; server.requests_served() < count && waited < output_bound;
       waited += 10ms) {
    std::this_thread::sleep_for(10ms);
  }
}

TEST(ClosedTerminal, AHungUpTerminalEndsARunThatPrintsNothingQuietly) {
  TestServer server;
  PtyProcess poller(poller_command({"--interval", "0.2", "--format", "none", server.url("/a")}));
  wait_for_requests(server, 2);
  ASSERT_GE(server.requests_served(), 2u);

  poller.hang_up();
  auto const result = poller.wait(exit_bound);

  EXPECT_FALSE(result.timed_out) << "still polling for a terminal that is gone";
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(ClosedTerminal, AHungUpTerminalIsAReaderGoneNotAFatalError) {
  TestServer server;
  PtyProcess poller(poller_command({"--interval", "0.2", "--format", "line", server.url("/a")}));
  ASSERT_TRUE(poller.wait_for_output("200", output_bound));

  poller.hang_up();
  auto const result = poller.wait(exit_bound);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.find("fatal"), std::string::npos) << result.err;
}

// No terminal description, no board: a usage error, as --format board without a terminal is.
TEST(ClosedTerminal, ABoardForAnUnknownOrEmptyTermIsAUsageError) {
  for (std::string const term : {"no-such-terminal-type", ""}) {
    TestServer server;
    PtyProcess poller({"/usr/bin/env", "TERM=" + term, POLLER_BINARY, "--format", "board",
                       "--once", server.url("/a")});
    auto const result = poller.wait(exit_bound);

    EXPECT_EQ(result.exit_code, 2) << "TERM=" << term << ": " << result.err;
    EXPECT_NE(result.err.find("TERM"), std::string::npos) << result.err;
    EXPECT_EQ(server.requests_served(), 0u) << "TERM=" << term;
  }
}

}  // namespace
}  // namespace poller::test
