// Names on a network of the test's own (support/private_network.hpp): /etc/hosts, a real name
// server from Debian (dnsmasq) for the normal paths, a misbehaving one (fault_dns.py) for the
// rest; happy eyeballs over a dual-stack name whose first address drops SYNs; -4 / -6; --resolve
// with several addresses. Every test runs in a namespace whose only network is its own loopback:
// no name it asks for can leave the machine.

#include <csignal>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/private_network.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view local_name_server = "nameserver 127.0.0.1\n";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string port_of(std::uint16_t port) { return std::to_string(port); }

// --- happy eyeballs ---------------------------------------------------------------------------

TEST(HappyEyeballs, DualStackNameWhoseIpv6AddressDropsSynsIsServedOverIpv4AtOnce) {
  PrivateNetwork network("::1 dual.test\n127.0.0.1 dual.test\n", local_name_server);
  TestServer server;
  FullBacklogListener blackhole("::1", server.port());
  ASSERT_TRUE(blackhole.saturated());

  auto const start = Clock::now();
  auto result = run_poller({"--once", "--connect-timeout", "4", "--format", "none", "-w",
                            "%{remote_ip}\n", "-v",
                            "http://dual.test:" + port_of(server.port()) + "/x"});
  auto const took = seconds_since(start);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "127.0.0.1\n");
  EXPECT_EQ(server.requests_served(), 1u);
  // The goal (RFC 8305's 250 ms delay, bench/RESULTS.md) is tighter; this bound only says the
  // IPv6 attempt was not waited out (the old code took the whole --connect-timeout).
  EXPECT_LT(took, 2.0) << result.err;
  // -v names each attempt, IPv6 first as /etc/hosts lists it.
  auto const first = result.err.find("connecting to ::1 (attempt 1 of 2)");
  auto const second = result.err.find("connecting to 127.0.0.1 (attempt 2 of 2)");
  EXPECT_NE(first, std::string::npos) << result.err;
  EXPECT_NE(second, std::string::npos) << result.err;
  EXPECT_LT(first, second);
}

TEST(HappyEyeballs, BothFamiliesDroppingSynsFailWithinTheTimeoutNamingEachAttempt) {
  PrivateNetwork network("::1 dead.test\n127.0.0.1 dead.test\n", local_name_server);
  FullBacklogListener blackhole_v4("127.0.0.1");
  FullBacklogListener blackhole_v6("::1", blackhole_v4.port());
  ASSERT_TRUE(blackhole_v4.saturated() && blackhole_v6.saturated());

  auto const start = Clock::now();
  auto result = run_poller({"--once", "--connect-timeout", "1", "--format", "none",
                            "http://dead.test:" + port_of(blackhole_v4.port()) + "/"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_LT(seconds_since(start), 4.0);
  EXPECT_NE(result.err.find("timed out after --connect-timeout 1s while connecting to "),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("(::1 timed out, 127.0.0.1 timed out)"), std::string::npos)
      << result.err;
}

TEST(HappyEyeballs, EveryAddressRefusingSaysSoForEach) {
  PrivateNetwork network("::1 refusing.test\n127.0.0.1 refusing.test\n", local_name_server);
  auto const port = port_of(closed_port());  // nothing listens on it, on either family

  auto result = run_poller({"--once", "--format", "none", "http://refusing.test:" + port + "/"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("connect to ::1 refused, 127.0.0.1 refused"), std::string::npos)
      << result.err;
}

// --- -4 / -6 ----------------------------------------------------------------------------------

TEST(AddressFamily, Ipv4AndIpv6FlagsConnectOverThatFamilyOnlyAlsoPerUrl) {
  PrivateNetwork network("::1 dual.test\n127.0.0.1 dual.test\n127.0.0.1 v4only.test\n",
                         local_name_server);
  TestServer v4;
  TestServer v6({.address = "::1", .port = v4.port()});
  auto const url = "http://dual.test:" + port_of(v4.port()) + "/";
  TempDir dir;
  auto const list = dir.write_file(
      "list.txt", url + " -6\n" + url + " --ipv4\nhttp://v4only.test:" + port_of(v4.port()) +
                      "/ -6\n");

  auto const with_4 = run_poller({"--once", "-4", "--format", "none", "-w", "%{remote_ip}\n", url});
  auto const with_6 = run_poller({"--once", "-6", "--format", "none", "-w", "%{remote_ip}\n", url});
  auto const per_url = run_poller({"--once", "--format", "none", "-w", "%{remote_ip}\n", list});

  EXPECT_EQ(with_4.out, "127.0.0.1\n") << with_4.err;
  EXPECT_EQ(with_6.out, "::1\n") << with_6.err;
  EXPECT_EQ(per_url.out, "::1\n127.0.0.1\n\n") << per_url.err;
  EXPECT_NE(per_url.err.find("no IPv6 (-6) address for v4only.test (it has IPv4 only)"),
            std::string::npos)
      << per_url.err;
  EXPECT_EQ(v4.requests_served(), 2u);
  EXPECT_EQ(v6.requests_served(), 2u);
}

TEST(AddressFamily, Ipv4AndIpv6TogetherAreAUsageError) {
  auto result = run_poller({"--once", "-4", "-6", "http://127.0.0.1:1/"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--ipv4 excludes --ipv6"), std::string::npos) << result.err;
}

// --- --resolve --------------------------------------------------------------------------------

TEST(ResolveOption, TwoAddressesAreRacedAsANamesWouldBe) {
  PrivateNetwork network("", local_name_server);  // nothing to ask: --resolve answers
  TestServer server;
  FullBacklogListener blackhole("::1", server.port());
  ASSERT_TRUE(blackhole.saturated());
  auto const port = port_of(server.port());

  auto const start = Clock::now();
  auto result = run_poller({"--once", "--connect-timeout", "4", "--format", "none", "-w",
                            "%{remote_ip}\n", "--resolve",
                            "pair.example:" + port + ":[::1],127.0.0.1",
                            "http://pair.example:" + port + "/r"});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "127.0.0.1\n");
  EXPECT_LT(seconds_since(start), 2.0);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].headers.at("host"), "pair.example:" + port);
}

// --- a real name server (dnsmasq) -------------------------------------------------------------

TEST(NameServer, NxdomainSaysNoAddressAndWhichServerSaidSo) {
  PrivateNetwork network("", local_name_server);
  Dnsmasq dnsmasq(network, "127.0.0.1 known.test\n", 60);

  auto result = run_poller({"--once", "--format", "none", "http://missing.test:8080/"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no address for missing.test (NXDOMAIN from 127.0.0.1)"),
            std::string::npos)
      << result.err;
}

TEST(NameServer, AnswerFromTheNameServerIsUsedAndCachedForItsTtl) {
  PrivateNetwork network("", local_name_server);
  TestServer server({.connection_close = true});  // a new connection, so a lookup, each round
  Dnsmasq dnsmasq(network, "127.0.0.1 cached.test\n", 60);

  auto result = run_poller({"--interval", "0", "--count", "3", "--format", "none", "-w",
                            "%{remote_ip}\n", "-v",
                            "http://cached.test:" + port_of(server.port()) + "/"});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "127.0.0.1\n127.0.0.1\n127.0.0.1\n");
  EXPECT_EQ(server.connections_accepted(), 3u);
  // Three new connections, one lookup (A and AAAA at once): the answer lasts 60 s.
  EXPECT_EQ(count_of(dnsmasq.log(), "query[A] cached.test"), 1u) << dnsmasq.log();
  EXPECT_EQ(count_of(dnsmasq.log(), "query[AAAA] cached.test"), 1u) << dnsmasq.log();
  EXPECT_EQ(count_of(result.err, "looked up cached.test: 127.0.0.1 (kept 60s)"), 1u) << result.err;
}

TEST(NameServer, CnameIsFollowedToTheAddressesOfEitherFamily) {
  PrivateNetwork network("", local_name_server);
  TestServer v4;
  TestServer v6({.address = "::1", .port = v4.port()});
  Dnsmasq dnsmasq(network, "127.0.0.1 target.test\n::1 target.test\n", 60,
                  {"--cname=alias.test,target.test"});
  auto const url = "http://alias.test:" + port_of(v4.port()) + "/";

  auto const with_4 = run_poller({"--once", "-4", "--format", "none", "-w", "%{remote_ip}\n", url});
  auto const with_6 = run_poller({"--once", "-6", "--format", "none", "-w", "%{remote_ip}\n", url});

  EXPECT_EQ(with_4.out, "127.0.0.1\n") << with_4.err;
  EXPECT_EQ(with_6.out, "::1\n") << with_6.err;
  EXPECT_NE(dnsmasq.log().find("query[AAAA] alias.test"), std::string::npos) << dnsmasq.log();
  ASSERT_EQ(v6.requests().size(), 1u);
  EXPECT_EQ(v6.requests()[0].headers.at("host"), "alias.test:" + port_of(v4.port()));
}

TEST(NameServer, TtlExpiryMovesBothTheNextNewConnectionAndThePooledOne) {
  PrivateNetwork network("", local_name_server);
  TestServer old_pooled({.address = "127.0.0.2"});
  TestServer old_fresh({.connection_close = true, .address = "127.0.0.2"});
  TestServer new_pooled({.address = "127.0.0.3", .port = old_pooled.port()});
  TestServer new_fresh({.connection_close = true, .address = "127.0.0.3", .port = old_fresh.port()});
  Dnsmasq dnsmasq(network, "127.0.0.2 moved.test\n", 1);
  TempDir dir;
  auto const list =
      dir.write_file("list.txt", lines({"http://moved.test:" + port_of(old_pooled.port()) + "/p",
                                        "http://moved.test:" + port_of(old_fresh.port()) + "/f"}));

  Process poller(poller_command({"--interval", "0.3", "--count", "40", "--format", "none", "-w",
                                 "%{url} %{remote_ip}\n", "-v", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/f 127.0.0.2\n", 10s, 2)) << poller.stderr_text();
  dnsmasq.reload("127.0.0.3 moved.test\n");
  ASSERT_TRUE(poller.wait_for_stdout("/f 127.0.0.3\n", 10s)) << poller.stderr_text();
  ASSERT_TRUE(poller.wait_for_stdout("/p 127.0.0.3\n", 10s)) << poller.stdout_text();
  poller.send_signal(SIGTERM);
  auto const result = poller.wait(10s);

  // The pooled connection was used until the move, then closed, not reused.
  EXPECT_EQ(old_pooled.connections_accepted(), 1u);
  EXPECT_GE(old_pooled.requests_served(), 2u);
  EXPECT_EQ(new_pooled.connections_accepted(), 1u);
  EXPECT_GE(new_fresh.requests_served(), 1u);
  EXPECT_NE(result.err.find("closing the pooled connection to http://moved.test:" +
                            port_of(old_pooled.port()) +
                            " (127.0.0.2): moved.test no longer has that address (now "
                            "127.0.0.3)"),
            std::string::npos)
      << result.err;
}

// --- a name server that misbehaves (fault_dns.py) ---------------------------------------------

TEST(SlowNameServer, OneSlowNameDelaysNoOtherHostUnderParallel) {
  PrivateNetwork network("", local_name_server);
  TestServer fast({.connection_close = true});
  TestServer slow;
  FaultDns dns(network, R"({"fast.test": {"a": ["127.0.0.1"], "ttl": 0},
                            "*.slow.test": {"a": ["127.0.0.1"], "delay_ms": 3000}})");
  auto const port = port_of(fast.port());
  TempDir dir;
  auto const list = dir.write_file(
      "list.txt",
      lines({"http://s1.slow.test:" + port_of(slow.port()) + "/",
             "http://s2.slow.test:" + port_of(slow.port()) + "/",
             "http://s3.slow.test:" + port_of(slow.port()) + "/", "http://fast.test:" + port + "/"}));

  auto result = run_poller({"-Z", "--interval", "1", "--count", "3", "--connect-timeout", "10",
                            "--format", "none", "-w", "%{url} %{time_total}\n", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::regex const fast_line(R"(http://fast\.test:\d+/ ([0-9.]+)\n)");
  int fast_fetches = 0;
  for (std::sregex_iterator it(result.out.begin(), result.out.end(), fast_line), end; it != end;
       ++it) {
    ++fast_fetches;
    EXPECT_LT(std::stod((*it)[1]), 1.0) << result.out;  // the slow lookups take 3 s
  }
  EXPECT_EQ(fast_fetches, 3) << result.out;
  EXPECT_EQ(fast.connections_accepted(), 3u);
}

TEST(SlowNameServer, SilentNameServerFailsTheFetchAtTheConnectTimeoutSayingSo) {
  PrivateNetwork network("", local_name_server);
  FaultDns dns(network, R"({"silent.test": {"drop": true}})");

  auto const start = Clock::now();
  auto result = run_poller({"--once", "--connect-timeout", "1", "--format", "none",
                            "http://silent.test:8080/"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_LT(seconds_since(start), 4.0);
  EXPECT_NE(result.err.find("name server did not answer for silent.test within 1s "
                            "(--connect-timeout; asked 127.0.0.1)"),
            std::string::npos)
      << result.err;
}

TEST(SlowNameServer, SigtermDuringALookupEndsTheRunPromptly) {
  PrivateNetwork network("", local_name_server);
  FaultDns dns(network, R"({"silent.test": {"drop": true}})");

  Process poller(poller_command({"--connect-timeout", "60", "--format", "none",
                                 "http://silent.test:8080/"}));
  // c-ares asks for A and AAAA at once; once one query arrived, the lookup is under way.
  for (auto const wait_until = Clock::now() + 10s;
       dns.log().find("query silent.test") == std::string::npos && Clock::now() < wait_until;) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(dns.log().find("query silent.test"), std::string::npos);
  auto const start = Clock::now();
  poller.send_signal(SIGTERM);
  auto const result = poller.wait(10s);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.term_signal, 0);
  EXPECT_LT(seconds_since(start), 2.0) << result.err;
}

TEST(FaultyNameServer, ServfailSaysTheNameServerGaveNoUsableAnswer) {
  PrivateNetwork network("", local_name_server);
  FaultDns dns(network, R"({"broken.test": {"rcode": "SERVFAIL"}})");

  auto result = run_poller({"--once", "--format", "none", "http://broken.test:8080/"});

  EXPECT_EQ(result.exit_code, 1);
  // c-ares 1.18 reports a server that only answers SERVFAIL as it does one that refuses.
  EXPECT_NE(result.err.find("name server gave no usable answer for broken.test (connection "
                            "refused, SERVFAIL or REFUSED from 127.0.0.1)"),
            std::string::npos)
      << result.err << dns.log();
}

TEST(FaultyNameServer, TruncatedUdpAnswerIsAskedAgainOverTcpAndKept) {
  PrivateNetwork network("", local_name_server);
  TestServer server({.connection_close = true});  // a new connection, so a lookup, each round
  FaultDns dns(network, R"({"big.test": {"a": ["127.0.0.1"], "truncate": true, "ttl": 60}})");

  auto result = run_poller({"--interval", "0", "--count", "2", "--format", "none", "-w",
                            "%{http_code}\n", "http://big.test:" + port_of(server.port()) + "/"});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "200\n200\n");
  // Once over UDP (truncated), once over TCP; the second connection used the kept answer.
  EXPECT_EQ(count_of(dns.log(), "query big.test A\n"), 1u) << dns.log();
  EXPECT_EQ(count_of(dns.log(), "query big.test A tcp"), 1u) << dns.log();
}

TEST(FaultyNameServer, AnswerWhoseAddressChangesIsFollowedOnceItsTtlEnds) {
  PrivateNetwork network("", local_name_server);
  TestServer first({.connection_close = true, .address = "127.0.0.2"});
  TestServer second({.connection_close = true, .address = "127.0.0.3", .port = first.port()});
  FaultDns dns(network, R"({"hop.test": {"a": ["127.0.0.2"], "ttl": 1}})");
  auto const url = "http://hop.test:" + port_of(first.port()) + "/";

  Process poller(poller_command(
      {"--interval", "0.2", "--count", "40", "--format", "none", "-w", "%{remote_ip}\n", url}));
  ASSERT_TRUE(poller.wait_for_stdout("127.0.0.2\n", 10s, 2)) << poller.stderr_text();
  dns.set_rules(R"({"hop.test": {"a": ["127.0.0.3"], "ttl": 1}})");
  EXPECT_TRUE(poller.wait_for_stdout("127.0.0.3\n", 10s)) << poller.stdout_text();
  poller.send_signal(SIGTERM);
  poller.wait(10s);
  // Answers are kept for their TTL: a new connection every 0.2 s asked about once a second.
  auto const queries = count_of(dns.log(), "query hop.test A");
  EXPECT_LT(queries, count_of(poller.stdout_text(), "\n")) << dns.log();
}

}  // namespace
}  // namespace poller::test
