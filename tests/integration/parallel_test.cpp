// -Z, --parallel: a lane per origin, each on its own schedule, results written whole, at most
// --parallel-max fetches and --parallel-max-host connections per origin, seen from the outside.

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "poller_test.hpp"
#include "support/silent_origins.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

constexpr auto output_bound = 20s;
constexpr auto exit_bound = 5s;

std::string origin_url(const std::string& host, const TestServer& server, const std::string& path) {
  return "http://" + host + ":" + std::to_string(server.port()) + path;
}

// A list file with `path` on each of `hosts`, one URL a line.
std::string list_over_hosts(const TempDir& dir, const std::vector<std::string>& hosts,
                            const TestServer& server, const std::string& path) {
  std::string text;
  for (auto const& host : hosts) text += origin_url(host, server, path) + "\n";
  return dir.write_file("list.txt", text);
}

TestServer many_hosts_server(const std::vector<std::string>& hosts) {
  return TestServer({.address = hosts.front(),
                     .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())});
}

// A hung origin first in the list: without -Z the healthy URL would wait for it every round
// (here for the whole --max-time of 60 s); with -Z its lane fetches round after round.
TEST(Parallel, HungOriginDoesNotDelayAHealthyOne) {
  TestServer hung, healthy;
  TempDir dir;
  auto const list =
      dir.write_file("list.txt", lines({hung.url("/fault/silent"), healthy.url("/healthy")}));

  Process poller(poller_command({"-Z", "--interval", "0.1", "--max-time", "60", list}));
  EXPECT_TRUE(poller.wait_for_stdout("/healthy\n", output_bound, 3)) << poller.stderr_text();
  EXPECT_EQ(hung.requests_served(), 1u);

  // SIGINT with a fetch hung in flight: a clean, prompt end; the cancelled fetch is no failure.
  poller.send_signal(SIGINT);
  auto const result = poller.wait(exit_bound);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("SIGINT: stopping"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("error"), std::string::npos) << result.err;
}

// One JSON record's round, outcome and start (`time`, in Unix milliseconds).
struct RecordStart {
  int round = 0;
  bool ok = false;
  long long started_ms = 0;
};

// The records of the URLs ending in `suffix`, in the order written.
std::vector<RecordStart> record_starts(const std::string& json_lines, const std::string& suffix) {
  auto const fields = jq("select(.url | endswith(\"" + suffix +
                             "\")) | [.round, .ok, (.time[0:19] + \"Z\" | fromdate) * 1000 + "
                             "(.time[20:23] | tonumber)]",
                         json_lines);
  std::vector<RecordStart> records;
  std::size_t at = 0;
  for (auto end = fields.out.find('\n'); end != std::string::npos;
       at = end + 1, end = fields.out.find('\n', at)) {
    RecordStart record;
    char ok[8] = {};
    if (std::sscanf(fields.out.substr(at, end - at).c_str(), "[%d,%7[a-z],%lld]", &record.round,
                    ok, &record.started_ms) == 3) {
      record.ok = std::string(ok) == "true";
      records.push_back(record);
    }
  }
  return records;
}

// 60 origins that accept TCP and never answer, more than the default --parallel-max of 50, and
// listed before a healthy origin (lanes start in origin order). Each hangs for its whole
// --max-time, round after round. A fetch takes its --parallel-max place only once its response
// begins, so they hold none and the healthy lane keeps its schedule (before: its first fetch
// waited behind them for their --max-time of 5 s, and its second came at once after it).
TEST(Parallel, OriginsThatNeverAnswerHoldNoParallelMaxPlace) {
  auto const hosts = loopback_hosts(60);
  SilentOrigins hung(hosts);
  TestServer healthy({.address = "127.0.9.1"});  // its origin sorts after the hung ones'
  TempDir dir;
  auto const list = dir.write_file("list.txt", hung.list("http", "/hung") + healthy.url("/healthy"));

  auto const started = std::chrono::system_clock::now();
  auto const result =
      run_poller({"-Z", "--count", "2", "-i", "1", "-m", "5", "--format", "json", list});

  EXPECT_EQ(result.exit_code, 1) << result.err;  // the hung origins' fetches timed out
  auto const rounds = record_starts(result.out, "/healthy");
  ASSERT_EQ(rounds.size(), 2u) << result.out;
  EXPECT_TRUE(rounds[0].ok && rounds[1].ok) << result.out;
  auto const started_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(started.time_since_epoch()).count();
  // Coarse bounds: lateness is measured in bench/parallel.py, not here.
  EXPECT_LT(rounds[0].started_ms - started_ms, 1000) << "round 1 started late";
  EXPECT_NEAR(rounds[1].started_ms - rounds[0].started_ms, 1000, 400) << result.out;
}

// Each lane keeps its own schedule: the slow origin overruns its interval and is warned about by
// name; the fast one does its rounds on time, and --count ends the run once both did theirs.
TEST(Parallel, EachLaneKeepsItsOwnScheduleAndCountEndsWhenEveryLaneIsDone) {
  TestServer slow, fast;
  TempDir dir;
  auto const list = dir.write_file("list.txt", lines({slow.url("/sleep/1500"), fast.url("/fast")}));

  auto const result =
      run_poller({"-Z", "--interval", "1", "--count", "3", "--format", "json", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const slow_origin = "http://127.0.0.1:" + std::to_string(slow.port());
  auto const fast_origin = "http://127.0.0.1:" + std::to_string(fast.port());
  EXPECT_NE(result.err.find(slow_origin + ": round 1 took longer than the 1s interval"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find(fast_origin + ": round"), std::string::npos) << result.err;
  // Three rounds of each lane, numbered 1 to 3.
  auto const rounds = jq(R"(select(.url | endswith("/fast")) | .round)", result.out);
  EXPECT_EQ(rounds.out, "1\n2\n3\n");
  auto const slow_rounds = jq(R"(select(.url | endswith("/sleep/1500")) | .round)", result.out);
  EXPECT_EQ(slow_rounds.out, "1\n2\n3\n");
  EXPECT_EQ(slow.requests_served(), 3u);
  EXPECT_EQ(fast.requests_served(), 3u);
}

// Many lanes at once, each body large enough to take several writes: every line of stdout is one
// whole JSON record.
TEST(Parallel, ResultsFromManyLanesAreWrittenWholeNeverInterleaved) {
  auto const hosts = loopback_hosts(20);
  auto server = many_hosts_server(hosts);
  TempDir dir;
  auto const list = list_over_hosts(dir, hosts, server, "/bytes/300000");

  auto const result = run_poller(
      {"-Z", "--parallel-max", "20", "--interval", "0", "--count", "2", "--format", "json", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const parsed = jq(R"([.url, .round, (.body | length)] | @text)", result.out);
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  EXPECT_EQ(count_of(parsed.out, ",300000]"), 40u) << parsed.out.substr(0, 2000);
  std::set<std::string> seen;
  for (std::size_t start = 0, end; (end = parsed.out.find('\n', start)) != std::string::npos;
       start = end + 1) {
    seen.insert(parsed.out.substr(start, end - start));
  }
  EXPECT_EQ(seen.size(), 40u);  // each URL once per round
}

#if !defined(__SANITIZE_ADDRESS__)
// The memory bound: a fetch holds its --parallel-max place until its result is written, so 20
// lanes of 8 MiB bodies (160 MiB if held at once, as --parallel-max 20 does: ~150 MB RSS) run in
// 100 MB of address space with --parallel-max 2 (~37 MB RSS). Not in the ASan build: its shadow
// memory alone is terabytes of address space, so no --as limit can hold it (it runs in release).
TEST(Parallel, MemoryStaysWithinParallelMaxTimesTheLargestBody) {
  auto const hosts = loopback_hosts(20);
  auto server = many_hosts_server(hosts);
  TempDir dir;
  auto const list = list_over_hosts(dir, hosts, server, "/bytes/8388608");

  auto const result = run_process({"/usr/bin/prlimit", "--as=100000000", POLLER_BINARY, "-Z",
                                   "--parallel-max", "2", "--once", "--format", "json", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, "\n"), hosts.size());
  EXPECT_EQ(count_of(result.out, "\"ok\":true"), hosts.size());
}
#endif

// The child's peak RSS in KiB (/usr/bin/time's %M: its ru_maxrss), run to its end. ASan's
// quarantine is turned off for it (the environment's other ASan options kept): it would hold
// every freed block back, a grown body's old buffers included, and count them.
long peak_rss_kib(const TempDir& dir, const std::vector<std::string>& argv) {
  std::string asan_options = "ASAN_OPTIONS=";
  if (auto const* given = std::getenv("ASAN_OPTIONS")) asan_options += std::string(given) + ":";
  asan_options += "quarantine_size_mb=0";
  auto const report = dir.path() + "/peak_rss";
  std::vector<std::string> command{"/usr/bin/env", asan_options, "/usr/bin/time", "-o", report,
                                   "-f", "%M"};
  command.insert(command.end(), argv.begin(), argv.end());
  auto const result = run_process(command);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return std::atol(read_text_file(report).c_str());
}

// docs/ARCHITECTURE.md, "Memory bound": a fetch's place costs at most 1.25 x a body that has a
// Content-Length (its string grows in steps toward the length, never to twice it), plus a
// constant. Measured as the difference in peak RSS between a 20 MB body and a tiny one,
// --parallel-max 1 (the figures before and after the change to the growth are in
// bench/RESULTS.md, -Z).
TEST(Parallel, APlaceHoldsABodyWithAContentLengthInAtMostOneAndAQuarterItsSize) {
  constexpr long body_bytes = 20'000'000;
  constexpr long stated_bound_kib = body_bytes * 5 / 4 / 1024 + 2048;  // + the constant, 2 MiB
  TestServer server;
  TempDir dir;
  auto const rss_over = [&](long bytes) {
    return peak_rss_kib(dir, {POLLER_BINARY, "-Z", "--parallel-max", "1", "--once", "--format",
                              "json", server.url("/bytes/" + std::to_string(bytes))});
  };

  auto const tiny = rss_over(100);
  auto const large = rss_over(body_bytes);

  EXPECT_GT(tiny, 0);
  EXPECT_LT(large - tiny, stated_bound_kib) << "tiny body: " << tiny << " KiB, 20 MB: " << large;
}

// Per origin, one connection reused across URLs and rounds, as seen by the server.
TEST(Parallel, EachOriginKeepsOneConnectionAcrossRounds) {
  auto const hosts = loopback_hosts(5);
  auto server = many_hosts_server(hosts);
  TempDir dir;
  std::string list_text;
  for (auto const& host : hosts) {
    list_text += origin_url(host, server, "/a") + "\n" + origin_url(host, server, "/b") + "\n";
  }
  auto const list = dir.write_file("list.txt", list_text);

  auto const result = run_poller({"-Z", "--interval", "0", "--count", "3", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(server.connections_accepted(), hosts.size());
  std::map<std::string, std::set<std::size_t>> connections_by_host;
  std::map<std::string, std::string> paths_by_host;
  for (auto const& request : server.requests()) {
    connections_by_host[request.headers.at("host")].insert(request.connection_id);
    paths_by_host[request.headers.at("host")] += request.target;
  }
  ASSERT_EQ(connections_by_host.size(), hosts.size());
  for (auto const& [host, connections] : connections_by_host) {
    EXPECT_EQ(connections.size(), 1u) << host;
    EXPECT_EQ(paths_by_host[host], "/a/b/a/b/a/b") << host;  // list order within the origin
  }
}

// [::1], [0:0::1] and [0:0:0:0:0:0:0:1] are one server: one lane, one connection, each URL's
// Host header as it was written.
TEST(Parallel, OneIpv6ServerWrittenThreeWaysIsOneOriginOnOneConnection) {
  TestServer server({.address = "::1"});
  auto const port = std::to_string(server.port());
  std::vector<std::string> const hosts{"[::1]", "[0:0::1]", "[0:0:0:0:0:0:0:1]"};
  std::string list_text;
  for (auto const& host : hosts) list_text += "http://" + host + ":" + port + "/a\n";
  TempDir dir;
  auto const list = dir.write_file("list.txt", list_text);

  auto const result = run_poller({"-Z", "--interval", "0", "--count", "2", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 6u);
  std::vector<std::string> host_headers;
  for (auto const& request : requests) {
    EXPECT_EQ(request.connection_id, 1u) << request.headers.at("host");
    host_headers.push_back(request.headers.at("host"));
  }
  EXPECT_EQ(server.connections_accepted(), 1u);
  // One lane keeps the list order of its URLs.
  std::vector<std::string> expected;
  for (int round = 0; round < 2; ++round) {
    for (auto const& host : hosts) expected.push_back(host + ":" + port);
  }
  EXPECT_EQ(host_headers, expected);
}

// --parallel-max-host 2: two fetches of one origin at once, over two connections kept for the
// next round.
TEST(Parallel, ParallelMaxHostOpensThatManyConnectionsToAnOrigin) {
  TestServer server;
  TempDir dir;
  auto const list =
      dir.write_file("list.txt", lines({server.url("/sleep/300?1"), server.url("/sleep/300?2"),
                                        server.url("/sleep/300?3"), server.url("/sleep/300?4")}));

  auto const result =
      run_poller({"-Z", "--parallel-max-host", "2", "--interval", "0", "--count", "2", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, "slept 300\n"), 8u) << result.out;
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(server.max_open_connections(), 2u);
}

// --parallel-max 1: one body read at a time over all lanes. A fetch takes the place once its
// response's header is in, so a body that never comes holds it until its --max-time: a later
// header (its server took 200 ms) waits for it, and one whose --max-time ends first says so.
TEST(Parallel, ParallelMaxLimitsBodiesReadAtOnceOverAllLanes) {
  TestServer stalled, waits, gives_up;
  TempDir dir;
  auto const list = dir.write_file(
      "list.txt", stalled.url("/fault/hang-after-headers") + " -m 1\n" +
                      waits.url("/sleep/200?waits") + " -m 5\n" +
                      gives_up.url("/sleep/200?gives-up") + " -m 0.6\n");

  auto const result =
      run_poller({"-Z", "--parallel-max", "1", "--once", "--format", "json", list});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  auto const waited = jq(R"(select(.url | endswith("?waits")) | [.ok, .time_total > 0.9] | @text)",
                         result.out);
  EXPECT_EQ(waited.out, "\"[true,true]\"\n") << result.out;
  EXPECT_NE(result.err.find("timed out after --max-time 1s while reading the body (0 of 100 "
                            "bytes received)"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("?gives-up: timed out after --max-time 600ms after the response "
                            "header, while waiting for a --parallel-max place to read the body"),
            std::string::npos)
      << result.err;
}

// Failures count as they do without -Z: the exit status says a fetch failed.
TEST(Parallel, AFailedFetchGivesExitStatus1) {
  TestServer server;
  auto const result =
      run_poller({"-Z", "--once", "-f", server.url("/status/500"), server.url("/ok")});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.out.find("/ok\n"), std::string::npos) << result.out;
}

// SIGHUP with -Z: a new origin gets a lane, a dropped origin's lane ends.
TEST(Parallel, SighupStartsANewOriginsLaneAndEndsADroppedOnes) {
  TestServer kept, dropped, added;
  TempDir dir;
  auto const list = dir.write_file("list.txt", lines({kept.url("/kept"), dropped.url("/dropped")}));
  Process poller(poller_command({"-Z", "--interval", "0.1", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/dropped\n", output_bound)) << poller.stderr_text();

  dir.write_file("list.txt", lines({kept.url("/kept"), added.url("/added")}));
  poller.send_signal(SIGHUP);
  ASSERT_TRUE(poller.wait_for_stdout("/added\n", output_bound, 2)) << poller.stderr_text();
  auto const dropped_after_reload = dropped.requests_served();
  ASSERT_TRUE(poller.wait_for_stdout("/added\n", output_bound, 4)) << poller.stderr_text();
  EXPECT_EQ(dropped.requests_served(), dropped_after_reload);

  poller.send_signal(SIGTERM);
  auto const result = poller.wait(exit_bound);
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(Parallel, BadLimitsAreUsageErrors) {
  for (auto const& [option, value] :
       std::vector<std::pair<std::string, std::string>>{{"--parallel-max", "0"},
                                                        {"--parallel-max", "-3"},
                                                        {"--parallel-max", "many"},
                                                        {"--parallel-max", ""},
                                                        {"--parallel-max-host", "0"},
                                                        {"--parallel-max-host", "2x"}}) {
    auto const result = run_poller({"-Z", option, value, "http://127.0.0.1:1/"});
    EXPECT_EQ(result.exit_code, 2) << option << " " << value << ": " << result.err;
    EXPECT_NE(result.err.find(option), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
  }
}

}  // namespace
}  // namespace poller::test
