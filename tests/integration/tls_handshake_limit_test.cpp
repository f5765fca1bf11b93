// -Z runs at most 256 TLS handshakes at once over all origins (include/poller/client/
// tls_handshake_limit.hpp), seen from the servers' side; a server that does not answer holds
// no slot, and the wait for it ends at the fetch's --connect-timeout and at SIGTERM.

#include <csignal>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/silent_origins.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// max_tls_handshakes_at_once in the client; the integration tests link none of its code.
constexpr std::size_t handshake_limit = 256;
constexpr int origin_count = handshake_limit + 44;
constexpr auto output_bound = 30s;
constexpr auto exit_bound = 5s;

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// 300 origins with two URLs each, every handshake held by the server until its ClientHello has
// waited 100 ms, so that most are in progress together. A handshake whose server has not
// answered within the client's patience (250 ms) waits without its slot, so the bound seen from
// the server is the limit plus those (-v logs each): none on a quiet machine; on one so busy
// that this one thread, the server of all 300 origins, answers late, more.
TEST(TlsHandshakeLimit, NoMoreHandshakesAtOnceThanTheLimitAndEveryUrlFetched) {
  auto const hosts = loopback_hosts(origin_count);
  TestCa ca;
  TestServer server(slow_tls_origins(ca, hosts));
  TempDir dir;
  std::string list_text;
  std::multiset<std::string> listed;
  for (auto const& host : hosts) {
    for (auto const* path : {"/first", "/second"}) {
      list_text += "https://" + host + ":" + std::to_string(server.port()) + path + "\n";
      listed.insert(host + path);
    }
  }
  auto const list = dir.write_file("list.txt", list_text);
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());

  auto const result =
      run_poller({"-Z", "--parallel-max", "1000", "--once", "-v", "--cacert", ca_file, list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, "/first\n") + count_of(result.out, "/second\n"), listed.size());
  std::multiset<std::string> fetched;
  for (auto const& request : server.requests()) {
    fetched.insert(request.headers.at("host").substr(0, request.headers.at("host").find(':')) +
                   request.target);
  }
  EXPECT_EQ(fetched, listed);
  // One handshake per origin: the second URL reused the connection, outside the limit.
  EXPECT_EQ(server.connections_accepted(), hosts.size());
  EXPECT_GT(server.max_tls_handshakes_at_once(), 0u);
  auto const without_a_slot = count_of(result.err, "waiting for it without a slot");
  EXPECT_LE(server.max_tls_handshakes_at_once(), handshake_limit + without_a_slot);
}

// 300 origins that accept TCP and never answer the ClientHello, more than there are slots, and
// listed before a healthy HTTPS origin (lanes start in origin order). A handshake whose server
// has not answered within a moment gives its slot to the next waiter and waits for the answer
// without one, so the healthy origin is fetched at once (before: its handshake waited for a
// slot until the silent ones' --max-time of 5 s).
TEST(TlsHandshakeLimit, SilentServersHoldNoSlotSoAHealthyOriginIsFetchedAtOnce) {
  auto const hosts = loopback_hosts(origin_count);
  SilentOrigins silent(hosts);
  TestCa ca;
  TestServer healthy({.tls = ca.issue({.ip_addresses = {"127.0.9.1"}}), .address = "127.0.9.1"});
  TempDir dir;
  auto const list = dir.write_file("list.txt", silent.list("https", "/") + healthy.url("/healthy"));
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());

  auto const result = run_poller({"-Z", "--parallel-max", "1000", "--once", "-m", "5", "--format",
                                  "json", "--cacert", ca_file, list});

  EXPECT_EQ(result.exit_code, 1) << result.err;  // the silent origins' fetches timed out
  auto const fetched =
      jq(R"(select(.url | endswith("/healthy")) | [.ok, .time_total < 1] | @text)", result.out);
  EXPECT_EQ(fetched.out, "\"[true,true]\"\n") << result.out;
}

// 300 origins whose servers never answer the ClientHello, and one more, listed last with
// --connect-timeout 1s: each gives its slot up while it waits, so the last gets one, and times
// out waiting for its own server's answer, saying so. Then SIGTERM ends the run at once, the 300
// handshakes still waiting included.
TEST(TlsHandshakeLimit, AHandshakeNeverAnsweredEndsAtTheConnectTimeoutAndAtSigterm) {
  auto const hosts = loopback_hosts(origin_count + 1);
  SilentOrigins silent(hosts);
  TempDir dir;
  std::string list_text;
  auto const url_of = [&](const std::string& host) {
    return "https://" + host + ":" + std::to_string(silent.port()) + "/";
  };
  for (int i = 0; i < origin_count; ++i) {
    list_text += url_of(hosts[i]) + " --connect-timeout 60s -m 60s\n";
  }
  auto const last = url_of(hosts.back());
  list_text += last + " --connect-timeout 1s\n";
  auto const list = dir.write_file("list.txt", list_text);

  Process poller(poller_command({"-Z", "--parallel-max", "1000", "--once", list}));
  auto const origin = "https://" + hosts.back() + ":" + std::to_string(silent.port());
  EXPECT_TRUE(poller.wait_for_stderr("timed out after --connect-timeout 1s while waiting for " +
                                         origin + " to answer the TLS handshake",
                                     output_bound))
      << poller.stderr_text();

  poller.send_signal(SIGTERM);
  auto const result = poller.wait(exit_bound);
  EXPECT_FALSE(result.timed_out);
  // Only the one URL timed out; the others were cancelled, not failed.
  EXPECT_EQ(count_of(result.err, "timed out"), 1u) << result.err;
}

}  // namespace
}  // namespace poller::test
