// Keep-alive hygiene against servers that get out of step: a pooled connection carries the next
// request only when nothing at all waits to be read on it. Bytes a server sent that no request
// asked for — a second response, a late body after 204 or 304, the answer to a request not yet
// made — would otherwise be read as the next URL's response, and its body printed as that URL's
// with exit status 0. Each case over http and https, with a healthy URL of the same origin in
// the same list that must print its own body.

#include <gtest/gtest.h>

#include <algorithm>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

enum class Scheme { http, https };

void PrintTo(Scheme scheme, std::ostream* out) {
  *out << (scheme == Scheme::https ? "https" : "http");
}

struct KeepAliveTest : ::testing::TestWithParam<Scheme> {
  TestCa ca;
  TempDir dir;
  std::string ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer server{GetParam() == Scheme::https
                        ? TestServerOptions{.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})}
                        : TestServerOptions{}};

  // Two rounds of `urls`, started `interval` apart.
  ProcessResult two_rounds(std::initializer_list<std::string> urls, const std::string& interval) {
    auto const list = dir.write_file("list.txt", lines(urls));
    return run_poller({"--interval", interval, "--count", "2", "-v", "--cacert", ca_file, list});
  }

  // [healthy, faulty] twice, half a second apart: the stray bytes the faulty URL's server sends
  // 50 ms after its response are there long before round 2 asks the connection for /healthy.
  ProcessResult healthy_then_faulty(const std::string& faulty_path) {
    return two_rounds({server.url("/healthy"), server.url(faulty_path)}, "500ms");
  }

  std::size_t requests_for(std::string_view target) const {
    auto const requests = server.requests();
    return static_cast<std::size_t>(std::count_if(
        requests.begin(), requests.end(), [&](auto const& r) { return r.target == target; }));
  }
};

TEST_P(KeepAliveTest, UnrequestedSecondResponseIsNeverReadAsTheNextUrlsResponse) {
  auto run = healthy_then_faulty("/fault/unrequested-response");

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("/healthy\nasked for\n", 2));
  EXPECT_EQ(log_messages(run.err), std::vector<std::string>{}) << run.err;
  // Round 2 found the bytes waiting on the pooled connection and opened a new one.
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(server.requests_served(), 4u);
}

TEST_P(KeepAliveTest, LateBodyAfter204IsNeverReadAsTheNextUrlsResponse) {
  auto run = healthy_then_faulty("/fault/late-body-after-204");

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err), std::vector<std::string>{}) << run.err;
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_P(KeepAliveTest, LateBodyAfter304IsNeverReadAsTheNextUrlsResponse) {
  auto run = healthy_then_faulty("/fault/late-body-after-304");

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err), std::vector<std::string>{}) << run.err;
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_P(KeepAliveTest, ResponseWrittenBeforeItsRequestIsNeverTakenForIt) {
  auto run = healthy_then_faulty("/fault/early-response");

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, repeat("/healthy\nasked for\n", 2));
  EXPECT_EQ(log_messages(run.err), std::vector<std::string>{}) << run.err;
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(requests_for("/healthy"), 2u);
}

TEST_P(KeepAliveTest, SwitchingProtocolsFailsThatFetchAndItsConnectionIsNotReused) {
  auto const faulty = server.url("/fault/switching-protocols");

  auto run = two_rounds({faulty, server.url("/healthy")}, "0");

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(run.err),
            times(2, faulty + ": the server switched protocols (101 Switching Protocols); poller "
                              "speaks HTTP/1.1 only, and closed the connection"))
      << run.err;
  // Round 1: the 101's connection is closed, /healthy opens a second; round 2 reuses that for
  // the 101, closes it, and /healthy opens a third.
  EXPECT_EQ(server.connections_accepted(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Schemes, KeepAliveTest, ::testing::Values(Scheme::http, Scheme::https),
                         [](const auto& info) {
                           return info.param == Scheme::https ? "https" : "http";
                         });

}  // namespace
}  // namespace poller::test
