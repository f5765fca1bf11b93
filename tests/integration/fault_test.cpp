// Servers that misbehave: each fault fails only its own fetch, with one clear error line per
// round, while a healthy URL of the same list (on the same server, so over the connection the
// fault may have spoiled) is still fetched and printed in every round.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

#if defined(__SANITIZE_ADDRESS__)
// The start of a command that runs the rest with `option` added to the ASan options in force.
std::vector<std::string> with_asan_option(const std::string& option) {
  const char* const given = std::getenv("ASAN_OPTIONS");
  return {"/usr/bin/env",
          "ASAN_OPTIONS=" + std::string(given != nullptr ? given : "") + ":" + option};
}
#endif

// `argv` run with memory bounded to 256 MiB of address space (prlimit). Under AddressSanitizer,
// whose shadow memory alone takes terabytes of address space, ASan's own cap on one allocation
// stands in for it.
std::vector<std::string> with_memory_limit(const std::vector<std::string>& argv) {
#if defined(__SANITIZE_ADDRESS__)
  auto limited = with_asan_option("max_allocation_size_mb=256");
#else
  std::vector<std::string> limited{"/usr/bin/prlimit", "--as=" + std::to_string(256u << 20), "--"};
#endif
  limited.insert(limited.end(), argv.begin(), argv.end());
  return limited;
}

// `argv` run with at most `descriptors` open file descriptors (prlimit --nofile).
std::vector<std::string> with_descriptor_limit(int descriptors,
                                               const std::vector<std::string>& argv) {
  auto const limit = std::to_string(descriptors);
  std::vector<std::string> limited{"/usr/bin/prlimit", "--nofile=" + limit + ":" + limit, "--"};
  limited.insert(limited.end(), argv.begin(), argv.end());
  return limited;
}

struct FaultTest : ::testing::Test {
  TempDir dir;

  // Two rounds, back to back, of the list [faulty, healthy].
  std::vector<std::string> two_rounds_command(const std::string& faulty, const std::string& healthy,
                                              const std::vector<std::string>& options = {}) {
    auto const list = dir.write_file("list.txt", lines({faulty, healthy}));
    std::vector<std::string> argv{POLLER_BINARY, "--interval", "0", "--count", "2"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(list);
    return argv;
  }
  ProcessResult two_rounds(const std::string& faulty, const std::string& healthy,
                           const std::vector<std::string>& options = {}) {
    return run_process(two_rounds_command(faulty, healthy, options));
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

// A fault that fails its own fetch, in both rounds, with one error line each, while the healthy
// URL beside it is fetched and printed both times.
struct FailingFault {
  const char* name;              // the test's name
  const char* path;              // the faulty route
  std::vector<std::string> options;
  const char* error;             // the log line after "URL: "
  bool memory_limited = false;   // run within 256 MiB of address space (with_memory_limit)
  std::size_t connections = 0;   // the server's accepted connections, when it matters
  std::size_t requests = 0;      // the server's requests served, when it matters
};

const FailingFault failing_faults[] = {
    {"ResetMidBodyNamesHowFarTheBodyGot", "/fault/reset-mid-body", {},
     "connection reset by the server while reading the body (500 of 1000 bytes received)"},
    {"HeadersThenSilenceTimesOutAtMaxTime", "/fault/hang-after-headers", {"--max-time", "500ms"},
     "timed out after --max-time 500ms while reading the body (0 of 100 bytes received)"},
    // --max-time bounds the whole fetch: a byte now and then does not extend it.
    {"ResponseTrickledAByteASecondTimesOutAtMaxTime", "/fault/trickle",
     {"--max-time", "1500ms"},
     "timed out after --max-time 1.5s while reading the response header"},
    {"MalformedStatusLineIsAProtocolError", "/fault/bad-status-line", {},
     "malformed response: bad status"},
    {"ResponseHeaderOver64KibFails", "/fault/huge-header", {},
     "response header larger than 64 KiB"},
    // Round 1: the oversized body's connection is dropped, /healthy opens the second; round 2
    // reuses it for the oversized body, drops it, and /healthy opens the third.
    {"BodyOverMaxFilesizeFailsAndItsConnectionIsClosed", "/bytes/5000", {"--max-filesize", "1k"},
     "body larger than --max-filesize (1024 bytes)", false, 3},
    {"EndlessChunkedStreamStopsAtMaxFilesize", "/fault/endless-chunked", {"--max-filesize", "1M"},
     "body larger than --max-filesize (1048576 bytes)"},
    // Beast takes a chunk size line in whole, with no limit: the bytes would pile up unparsed
    // until --max-time or memory ran out (here: 256 MiB of address space).
    {"EndlessChunkExtensionFailsAtTheHeaderLimit", "/fault/endless-chunk-extension",
     {"--max-time", "5s"}, "malformed response: a chunk header or trailer larger than 64 KiB",
     true},
    {"EndlessTrailerFailsAtTheHeaderLimit", "/fault/endless-trailer", {"--max-time", "5s"},
     "malformed response: a chunk header or trailer larger than 64 KiB", true},
    // Interim responses and the final header share the 64 KiB limit: a server that answers
    // 100 Continue forever fails at once, not at --max-time.
    {"EndlessInterimResponsesFailAtTheHeaderLimit", "/fault/endless-interim",
     {"--max-time", "5s"}, "response header larger than 64 KiB"},
    // The listed request and 5 redirects followed, per round, all over the one connection.
    {"RedirectLoopStopsAtMaxRedirs", "/fault/redirect-loop", {"-L", "--max-redirs", "5"},
     "maximum number of redirects (5) followed", false, 1, 2 * (1 + 5 + 1)},
    // A timeout is never retried: exactly one request per round reached the silent route.
    {"ServerThatAcceptsAndNeverAnswersTimesOutAtMaxTime", "/fault/silent",
     {"--max-time", "500ms"}, "timed out after --max-time 500ms while waiting for the response",
     false, 0, 4},
};

struct FailingFaultTest : FaultTest, ::testing::WithParamInterface<FailingFault> {};

TEST_P(FailingFaultTest, FailsOnlyItsOwnFetchWithOneClearLinePerRound) {
  auto const& fault = GetParam();
  TestServer server;
  auto const faulty = server.url(fault.path);
  // -v: every failure is logged, a repeat too, so that each round's reason is seen.
  auto options = fault.options;
  options.push_back("-v");
  auto const argv = two_rounds_command(faulty, server.url("/healthy"), options);

  auto run = run_process(fault.memory_limited ? with_memory_limit(argv) : argv);

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err), times(2, faulty + ": " + fault.error)) << run.err;
  if (fault.connections != 0) {
    EXPECT_EQ(server.connections_accepted(), fault.connections);
  }
  if (fault.requests != 0) {
    EXPECT_EQ(server.requests_served(), fault.requests);
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, FailingFaultTest, ::testing::ValuesIn(failing_faults),
                         [](const auto& info) { return std::string(info.param.name); });

// Odd but lawful responses: read as HTTP says, no failure, and the connection kept for the next
// request (one connection for both rounds).
struct LawfulOddity {
  const char* name;
  const char* path;
  std::vector<std::string> options;
  const char* round_output;  // stdout of one round: the odd URL's, then the healthy one's
};

const LawfulOddity lawful_oddities[] = {
    {"InterimResponsesBeforeTheFinalOneAreSkipped", "/fault/interim", {},
     "after interim\n/healthy\n"},
    // A 204 has no body whatever its header says; reading on for one would hang the connection.
    {"NoContentWithoutContentLengthEndsAtItsHeader", "/fault/no-content",
     {"-w", "%{http_code}\\n"}, "204\n/healthy\n200\n"},
    // RFC 9110 8.6: a 304 may carry the Content-Length of the full representation, with no body.
    {"NotModifiedWithAContentLengthHasNoBody", "/fault/not-modified",
     {"-w", "%{http_code} %{size_download}\\n"}, "304 0\n/healthy\n200 9\n"},
};

struct LawfulOddityTest : FaultTest, ::testing::WithParamInterface<LawfulOddity> {};

TEST_P(LawfulOddityTest, IsNoFailureAndKeepsTheConnection) {
  auto const& oddity = GetParam();
  TestServer server;

  auto run = two_rounds(server.url(oddity.path), server.url("/healthy"), oddity.options);

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat(oddity.round_output, 2));
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Faults, LawfulOddityTest, ::testing::ValuesIn(lawful_oddities),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(FaultTest, ConnectionCloseOnEveryResponseMeansOneConnectionPerRequest) {
  TestServer server({.connection_close = true});

  auto run = two_rounds(server.url("/a"), server.url("/healthy"));

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("/a\n/healthy\n", 2));
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(server.requests_served(), 4u);
  EXPECT_EQ(server.connections_accepted(), server.requests_served());
}

TEST_F(FaultTest, ConnectToAFullBacklogTimesOutAtConnectTimeout) {
  FullBacklogListener unanswered;
  ASSERT_TRUE(unanswered.saturated()) << "this kernel completed a connect to a full backlog";
  TestServer server;
  auto const faulty = unanswered.url("/");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--connect-timeout", "500ms", "-v"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty +
                         ": timed out after --connect-timeout 500ms while connecting to "
                         "http://127.0.0.1:" +
                         std::to_string(unanswered.port())))
      << run.err;
}

TEST_F(FaultTest, ResetAfter100ContinueOnAReusedConnectionIsNotSentAgain) {
  // The interim response is a byte of response: the server may have acted on the request, so
  // the stale-connection retry (for a connection found closed before any answer) is ruled out.
  TestServer server;
  auto const faulty = server.url("/fault/continue-then-reset");
  auto const list = dir.write_file("list.txt", lines({server.url("/healthy"), faulty}));

  auto run = run_poller({"--once", list});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            std::vector<std::string>{faulty + ": connection reset by the server after an interim "
                                              "response (100), while waiting for the final one"})
      << run.err;
  auto const requests = server.requests();
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](auto const& r) { return r.target == "/fault/continue-then-reset"; }),
            1);
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(FaultTest, HugeClaimedContentLengthIsNotReservedAndFailsOnlyItsFetch) {
  // 60 GiB claimed, 3 bytes sent: nothing is reserved from the claim, so neither the address
  // space limit nor the machine's memory comes into it.
  TestServer server;
  auto const faulty = server.url("/fault/claimed-length/64424509440");

  auto run = run_process(with_memory_limit(
      two_rounds_command(faulty, server.url("/healthy"), {"--max-filesize", "100G", "-v"})));

  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty + ": connection closed by the server while reading the body (3 of "
                              "64424509440 bytes received)"))
      << run.err;
}

#if !defined(__SANITIZE_ADDRESS__)
// Not in the ASan build: its allocator turns a failed operator new into a fatal report instead
// of std::bad_alloc, whatever allocator_may_return_null says. The test above runs there.
TEST_F(FaultTest, RunningOutOfMemoryWhileReadingABodyFailsOnlyThatFetch) {
  // An endless chunked body, --max-filesize 1G, a 256 MiB address space: the body's string
  // cannot double to 256 MiB.
  TestServer server;
  auto const faulty = server.url("/fault/endless-chunked");

  auto run = run_process(with_memory_limit(
      two_rounds_command(faulty, server.url("/healthy"), {"--max-filesize", "1G"})));

  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  auto const errors = log_messages(run.err);
  ASSERT_EQ(errors.size(), 2u) << run.err;
  for (auto const& error : errors) {
    EXPECT_EQ(error.rfind(faulty + ": out of memory while reading the body (", 0), 0u) << error;
  }
}
#endif

#if !defined(__SANITIZE_ADDRESS__)
// Not in the sanitizer build: UBSan's vptr check probes memory through a pipe of its own, so a
// poller out of descriptors gets false "invalid vptr" reports there (and unsuppressible ones:
// UBSan's suppressions apply only once it could read the object), and LeakSanitizer's exit check
// opens /proc files.
TEST_F(FaultTest, OutOfFileDescriptorsSaysSoForEachFetchAndTheRoundsGoOn) {
  // Under the fewest descriptors poller gets through start-up with (below, it stops there,
  // before any fetch), it has none left for a socket.
  TestServer server;
  auto const first = server.url("/first");
  auto const second = server.url("/second");
  auto const argv = two_rounds_command(first, second, {"-v"});
  ProcessResult run;
  for (int descriptors = 4; descriptors <= 64; ++descriptors) {
    run = run_process(with_descriptor_limit(descriptors, argv));
    if (run.exit_code == 0 || !log_messages(run.err).empty()) break;
  }

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  auto const out_of_descriptors =
      ": cannot open a socket: too many open files (EMFILE: poller's descriptor limit, ulimit -n)";
  EXPECT_EQ(log_messages(run.err),
            (std::vector<std::string>{first + out_of_descriptors, second + out_of_descriptors,
                                      first + out_of_descriptors, second + out_of_descriptors}))
      << run.err;
}
#endif

TEST_F(FaultTest, TlsBodyCutWithoutCloseNotifySaysHowManyBytesArrived) {
  TestCa ca;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})});
  auto const faulty = server.url("/truncate/1000");

  auto run = two_rounds(faulty, server.url("/healthy"), {"--cacert", ca_file, "-v"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty + ": connection closed by the server without a TLS close_notify while "
                              "reading the body (500 of 1000 bytes received)"))
      << run.err;
}

}  // namespace
}  // namespace poller::test
