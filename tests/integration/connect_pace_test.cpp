// No self-made connect storms (issue 29): new connections are opened at most a window at a time
// (include/poller/client/connect_window.hpp), so a round of many new origins on one slow server
// ends without a timeout; the soft descriptor limit is raised to the hard one, and the idle
// connections kept are what the list needs, with a warning when the descriptors do not allow it.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "poller_test.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// max_connects_at_once in the client; the integration tests link none of its code.
constexpr std::size_t connect_window = 128;

// The test process holds a listener per host and the server side of every connection.
void raise_descriptor_limit() {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
}

rlim_t hard_descriptor_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_max;
}

// 300 origins on one test server whose TLS answers wait 100 ms, so that the handshakes the
// client starts together are in progress together: the server sees no more at once than the
// window (before: the 256 of the TLS handshake limit). An opening past the window's patience
// stops counting (-v logs each): none on a quiet machine.
TEST(ConnectPace, NoMoreNewConnectionsAtOnceThanTheWindowAndEveryUrlFetched) {
  raise_descriptor_limit();
  auto const hosts = loopback_hosts(300);
  TestCa ca;
  TestServer server(slow_tls_origins(ca, hosts));
  TempDir dir;
  std::string list_text;
  for (auto const& host : hosts)
    list_text += "https://" + host + ":" + std::to_string(server.port()) + "/paced\n";
  auto const list = dir.write_file("list.txt", list_text);
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());

  auto const result =
      run_poller({"-Z", "--parallel-max", "1000", "--once", "-v", "--cacert", ca_file, list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, "/paced\n"), hosts.size());
  EXPECT_EQ(server.requests().size(), hosts.size());
  EXPECT_GT(server.max_tls_handshakes_at_once(), 0u);
  auto const past_patience = count_of(result.err, "without its place in the connect window");
  EXPECT_LE(server.max_tls_handshakes_at_once(), connect_window + past_patience);
}

// 800 origins (names resolved to one address) on one server that takes a connection every
// millisecond, with a listen backlog of 128 (the window): SYNs beyond it would be dropped and
// retransmitted a second later, then 3 s after the first. In the window's pace every origin is
// fetched. The connect timeout is generous: the test server's one thread takes the TLS
// handshakes, and on a loaded machine (or in the sanitizer build) 128 of them queued there take
// seconds whatever the pace, which is the server's slowness, not a storm. How the pace compares
// with all at once is bench/scale.py's to measure (bench/RESULTS.md, goal 3).
constexpr std::string_view pace_connect_timeout = "20s";

TEST(ConnectPace, ManyNewOriginsOnASlowListenerWithASmallBacklogAllFetched) {
  constexpr int origin_count = 800;
  TestCa ca;
  TestServer server({.tls = ca.issue({.dns_names = {"*.pace.test"}}),
                     .backlog = static_cast<int>(connect_window),
                     .accept_pause = 1ms});
  TempDir dir;
  std::string list_text;
  std::vector<std::string> argv{POLLER_BINARY, "-Z", "--parallel-max", "1000", "--once",
                                "--connect-timeout", std::string(pace_connect_timeout), "-v",
                                "--cacert", dir.write_file("ca.pem", ca.cert_pem())};
  auto const port = std::to_string(server.port());
  for (int i = 0; i < origin_count; ++i) {
    auto const host = "h" + std::to_string(i) + ".pace.test";
    list_text += "https://" + host + ":" + port + "/\n";
    argv.push_back("--resolve");
    argv.push_back(host + ":" + port + ":127.0.0.1");
  }
  argv.push_back(dir.write_file("list.txt", list_text));

  auto const result = run_process(argv, {}, 60s);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.err, "timed out"), 0u) << result.err.substr(0, 3000);
  RecordProperty("past_patience",
                 std::to_string(count_of(result.err, "without its place in the connect window")));
  EXPECT_EQ(server.requests().size(), static_cast<std::size_t>(origin_count));
  EXPECT_EQ(server.connections_accepted(), static_cast<std::size_t>(origin_count));
}

// "Max open files  SOFT  HARD  files" of a running process.
std::pair<std::string, std::string> open_files_limits(pid_t pid) {
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(limits, line);) {
    if (!line.starts_with("Max open files")) continue;
    std::istringstream fields(line.substr(std::string("Max open files").size()));
    std::string soft, hard;
    fields >> soft >> hard;
    return {soft, hard};
  }
  return {};
}

TEST(ConnectPace, TheSoftDescriptorLimitIsRaisedToTheHardLimitAtStart) {
  auto const hard = std::to_string(hard_descriptor_limit());
  ASSERT_GT(hard_descriptor_limit(), 256u) << "the hard RLIMIT_NOFILE is too low for this test";
  TestServer server;
  Process poller({"/usr/bin/prlimit", "--nofile=256:" + hard, "--", POLLER_BINARY, "--interval",
                  "60s", server.url("/limits")});
  ASSERT_TRUE(poller.wait_for_stdout("/limits\n", 10s)) << poller.stderr_text();

  auto const [soft, hard_seen] = open_files_limits(poller.pid());
  poller.send_signal(SIGTERM);
  auto const result = poller.wait(5s);

  EXPECT_EQ(soft, hard);
  EXPECT_EQ(hard_seen, hard);
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

// 300 origins with 200 descriptors: the idle connections kept are fewer than the list needs;
// one warning says so and what poller does, and every URL is still fetched, twice.
TEST(ConnectPace, AListNeedingMoreDescriptorsThanTheLimitWarnsOnceAndIsFetched) {
  raise_descriptor_limit();
  auto const hosts = loopback_hosts(300);
  TestServer server({.address = hosts.front(),
                     .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())});
  TempDir dir;
  std::string list_text;
  for (auto const& host : hosts)
    list_text += "http://" + host + ":" + std::to_string(server.port()) + "/short\n";
  auto const list = dir.write_file("list.txt", list_text);

  auto const result = run_process(
      {"/usr/bin/prlimit", "--nofile=200:200", "--", POLLER_BINARY, "--interval", "0", "--count",
       "2", list},
      {}, 60s);

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, "/short\n"), 2 * hosts.size());
  EXPECT_EQ(count_of(result.err, "warning"), 1u) << result.err;
  EXPECT_EQ(count_of(result.err,
                     "the list needs 300 connections kept open (one per origin, 300 origin(s)), "
                     "but the descriptor limit (200 open files"),
            1u)
      << result.err;
  EXPECT_EQ(count_of(result.err, "leaves room for 136: the least recently used are closed"), 1u)
      << result.err;
}

// -Z: each origin's lane runs --parallel-max-host workers (fewer for an origin with fewer URLs),
// each on a connection of its own: the idle connections kept are the sum, said with -v.
TEST(ConnectPace, TheIdleConnectionsKeptAreWhatTheListNeeds) {
  TestServer first({.address = "127.0.0.1"}), second({.address = "127.0.0.2"});
  TempDir dir;
  auto const list =
      dir.write_file("list.txt", lines({first.url("/a"), first.url("/b"), first.url("/c"),
                                        second.url("/a")}));

  auto const result =
      run_poller({"-Z", "--parallel-max-host", "2", "--once", "-v", "--format", "none", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.err, "keeping up to 1024 idle connection(s); the list needs 3 (2 "
                                 "origin(s), up to 2 each (--parallel-max-host))"),
            1u)
      << result.err;
}

// A reload that brings a longer list keeps more idle connections: 1100 origins, more than the
// floor of 1024. The new origins would be fetched at the next tick, a minute away.
TEST(ConnectPace, AReloadedLongerListKeepsMoreIdleConnections) {
  raise_descriptor_limit();
  TestServer server;
  TempDir dir;
  auto const list = dir.write_file("list.txt", server.url("/before") + "\n");
  Process poller(poller_command({"--interval", "60s", "-v", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/before\n", 10s)) << poller.stderr_text();

  std::string longer;
  for (auto const& host : loopback_hosts(1100)) longer += "http://" + host + ":9/after\n";
  dir.write_file("list.txt", longer);
  poller.send_signal(SIGHUP);
  EXPECT_TRUE(poller.wait_for_stderr(
      "SIGHUP: keeping up to 1100 idle connection(s); the list needs 1100", 10s))
      << poller.stderr_text();
  poller.send_signal(SIGTERM);
  EXPECT_EQ(poller.wait(5s).exit_code, 0);
}

}  // namespace
}  // namespace poller::test
