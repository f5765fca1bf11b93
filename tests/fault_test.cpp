// Servers that misbehave: each fault fails only its own fetch, with one clear error line per
// round, while a healthy URL of the same list (on the same server, so over the connection the
// fault may have spoiled) is still fetched and printed in every round.

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

struct FaultTest : ::testing::Test {
  TempDir dir;

  // Two rounds, back to back, of the list [faulty, healthy].
  ProcessResult two_rounds(const std::string& faulty, const std::string& healthy,
                           const std::vector<std::string>& options = {}) {
    auto const list = dir.write_file("list.txt", lines({faulty, healthy}));
    std::vector<std::string> argv{POLLER_BINARY, "--interval", "0", "--count", "2"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(list);
    return run_process(argv);
  }
};

TEST_F(FaultTest, CloseRightAfterAResponseWithoutConnectionCloseIsNoFailure) {
  TestServer server;
  auto const faulty = server.url("/fault/close-after-response");

  auto run = two_rounds(faulty, server.url("/healthy"));

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("closed after response\n/healthy\n", 2));
  EXPECT_EQ(run.err, "");
  // The closed connection was never used again: each round's second request went over a new one
  // (found dead before use, or retried once on a new one), and no request was lost.
  EXPECT_EQ(server.connections_accepted(), 3u);
  EXPECT_EQ(server.requests_served(), 4u);
}

TEST_F(FaultTest, ResetMidBodyFailsThatFetchNamingHowFarTheBodyGot) {
  TestServer server;
  auto const faulty = server.url("/fault/reset-mid-body");

  auto run = two_rounds(faulty, server.url("/healthy"));

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(
      log_messages(run.err),
      times(2, faulty + ": connection reset by the server while reading the body (500 of 1000 "
                        "bytes received)"))
      << run.err;
}

TEST_F(FaultTest, HeadersThenSilenceTimesOutAtMaxTime) {
  TestServer server;
  auto const faulty = server.url("/fault/hang-after-headers");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--max-time", "500ms"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty + ": timed out after --max-time 500ms while reading the body (0 of 100 "
                              "bytes received)"))
      << run.err;
}

TEST_F(FaultTest, ResponseTrickledAByteASecondTimesOutAtMaxTime) {
  // --max-time bounds the whole fetch: a byte now and then does not extend it.
  TestServer server;
  auto const faulty = server.url("/fault/trickle");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--max-time", "1500ms"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(
      log_messages(run.err),
      times(2, faulty + ": timed out after --max-time 1.5s while reading the response header"))
      << run.err;
}

TEST_F(FaultTest, MalformedStatusLineIsAProtocolError) {
  TestServer server;
  auto const faulty = server.url("/fault/bad-status-line");

  auto run = two_rounds(faulty, server.url("/healthy"));

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err), times(2, faulty + ": malformed response: bad status"))
      << run.err;
}

TEST_F(FaultTest, ResponseHeaderOver64KibFails) {
  TestServer server;
  auto const faulty = server.url("/fault/huge-header");

  auto run = two_rounds(faulty, server.url("/healthy"));

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err), times(2, faulty + ": response header larger than 64 KiB"))
      << run.err;
}

TEST_F(FaultTest, BodyOverMaxFilesizeFailsAndItsConnectionIsClosed) {
  TestServer server;
  auto const faulty = server.url("/bytes/5000");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--max-filesize", "1k"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty + ": body larger than --max-filesize (1024 bytes)"))
      << run.err;
  // Round 1: the oversized body's connection is dropped, /healthy opens the second; round 2
  // reuses it for the oversized body, drops it, and /healthy opens the third.
  EXPECT_EQ(server.connections_accepted(), 3u);
}

TEST_F(FaultTest, EndlessChunkedStreamStopsAtMaxFilesize) {
  TestServer server;
  auto const faulty = server.url("/fault/endless-chunked");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--max-filesize", "1M"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty + ": body larger than --max-filesize (1048576 bytes)"))
      << run.err;
}

TEST_F(FaultTest, RedirectLoopStopsAtMaxRedirs) {
  TestServer server;
  auto const faulty = server.url("/fault/redirect-loop");

  auto run = two_rounds(faulty, server.url("/healthy"), {"-L", "--max-redirs", "5"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err), times(2, faulty + ": maximum number of redirects (5) followed"))
      << run.err;
  // The listed request and 5 redirects followed, per round, all over the one connection.
  EXPECT_EQ(server.requests_served(), 2u * (1 + 5 + 1));
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(FaultTest, InterimResponsesBeforeTheFinalOneAreSkipped) {
  TestServer server;

  auto run = two_rounds(server.url("/fault/interim"), server.url("/healthy"));

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("after interim\n/healthy\n", 2));
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(FaultTest, NoContentWithoutContentLengthEndsAtItsHeader) {
  // A 204 has no body whatever its header says; reading on for one would hang the connection.
  TestServer server;

  auto run = two_rounds(server.url("/fault/no-content"), server.url("/healthy"),
                        {"-w", "%{http_code}\\n"});

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("204\n/healthy\n200\n", 2));
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(FaultTest, NotModifiedWithAContentLengthHasNoBody) {
  // RFC 9110 8.6: a 304 may carry the Content-Length of the full representation, with no body.
  TestServer server;

  auto run = two_rounds(server.url("/fault/not-modified"), server.url("/healthy"),
                        {"-w", "%{http_code} %{size_download}\\n"});

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("304 0\n/healthy\n200 9\n", 2));
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(FaultTest, ConnectionCloseOnEveryResponseMeansOneConnectionPerRequest) {
  TestServer server({.connection_close = true});

  auto run = two_rounds(server.url("/a"), server.url("/healthy"));

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("/a\n/healthy\n", 2));
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(server.requests_served(), 4u);
  EXPECT_EQ(server.connections_accepted(), server.requests_served());
}

TEST_F(FaultTest, ServerThatAcceptsAndNeverAnswersTimesOutAtMaxTime) {
  TestServer server;
  auto const faulty = server.url("/fault/silent");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--max-time", "500ms"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty + ": timed out after --max-time 500ms while waiting for the response"))
      << run.err;
  // A timeout is never retried: exactly one request per round reached the silent route.
  EXPECT_EQ(server.requests_served(), 4u);
}

TEST_F(FaultTest, ConnectToAFullBacklogTimesOutAtConnectTimeout) {
  FullBacklogListener unanswered;
  ASSERT_TRUE(unanswered.saturated()) << "this kernel completed a connect to a full backlog";
  TestServer server;
  auto const faulty = unanswered.url("/");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--connect-timeout", "500ms"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty +
                         ": timed out after --connect-timeout 500ms while connecting to "
                         "http://127.0.0.1:" +
                         std::to_string(unanswered.port())))
      << run.err;
}

}  // namespace
}  // namespace poller::test
