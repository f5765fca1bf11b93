// --shard K/N run for real: a fleet of pollers on loopback over one list, each URL fetched by
// exactly one instance and each origin's connections opened by one instance only (as the server
// saw them); an empty shard idles until a SIGHUP brings URLs; auto/N from the host name; the
// poller_shard_info series.

#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// "http://127.0.1.7:PORT/u/3" -> "127.0.1.7:PORT"
std::string authority_of(const std::string& url) {
  auto const start = url.find("://") + 3;
  return url.substr(start, url.find('/', start) - start);
}

std::string shard_arg(unsigned k, unsigned n) {
  return std::to_string(k) + "/" + std::to_string(n);
}

// N pollers at once, --shard 1/N ... N/N, one round each; the URLs each one fetched (its -w).
struct FleetRound {
  std::vector<std::vector<std::string>> fetched;  // [K - 1]
  std::vector<ProcessResult> results;             // [K - 1]
};

FleetRound run_fleet_round(unsigned n, const std::string& list) {
  std::vector<std::unique_ptr<Process>> fleet;
  for (unsigned k = 1; k <= n; ++k) {
    fleet.push_back(std::make_unique<Process>(poller_command(
        {"--once", "--format", "none", "-w", "%{url}\\n", "--shard", shard_arg(k, n), list})));
  }
  FleetRound round;
  for (auto& poller : fleet) {
    round.results.push_back(poller->wait(60s));
    round.fetched.push_back(lines_of(round.results.back().out));
  }
  return round;
}

// What a fleet round must show: every URL of `urls` fetched once by one instance, each origin
// in one instance, and on the server one connection per origin. Returns origin -> shard.
std::map<std::string, unsigned> check_fleet_round(const FleetRound& round,
                                                  const std::vector<std::string>& urls,
                                                  const std::vector<RecordedRequest>& seen) {
  std::map<std::string, unsigned> shard_of_origin;
  std::multiset<std::string> fetched;
  for (unsigned k = 1; k <= round.results.size(); ++k) {
    auto const& result = round.results[k - 1];
    EXPECT_EQ(result.exit_code, 0) << "shard " << k << ": " << result.err;
    EXPECT_NE(result.err.find("shard " + shard_arg(k, static_cast<unsigned>(round.results.size()))),
              std::string::npos)
        << result.err;
    for (auto const& url : round.fetched[k - 1]) {
      fetched.insert(url);
      auto const [at, added] = shard_of_origin.emplace(authority_of(url), k);
      EXPECT_EQ(at->second, k) << authority_of(url) << " fetched by shards " << at->second
                               << " and " << k;
    }
  }
  EXPECT_EQ(fetched, std::multiset<std::string>(urls.begin(), urls.end()));

  // The server's side: each request once, and each origin (Host) over a single connection.
  std::multiset<std::string> requested;
  std::map<std::string, std::set<std::size_t>> connections_of_origin;
  for (auto const& request : seen) {
    auto const host = request.headers.at("host");
    requested.insert("http://" + host + request.target);
    connections_of_origin[host].insert(request.connection_id);
  }
  EXPECT_EQ(requested, std::multiset<std::string>(urls.begin(), urls.end()));
  for (auto const& [host, connections] : connections_of_origin) {
    EXPECT_EQ(connections.size(), 1u) << host << " got connections from more than one instance";
  }
  return shard_of_origin;
}

// 500 URLs on 100 origins (127.0.1.1 ... 127.0.1.100, one port), fetched by 4 instances, then
// by 5: the rendezvous hash moves only the origins the new shard wins.
TEST(ShardFleet, FourInstancesFetchEveryUrlOnceEachOriginFromOneThenFiveMoveOnlyToTheNewShard) {
  constexpr int origin_count = 100, urls_per_origin = 5;
  auto const hosts = loopback_hosts(origin_count);
  TestServer server({.address = hosts.front(),
                     .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())});
  std::vector<std::string> urls;
  std::string list_text;
  for (int i = 0; i < origin_count * urls_per_origin; ++i) {
    urls.push_back("http://" + hosts[i % origin_count] + ":" + std::to_string(server.port()) +
                   "/u/" + std::to_string(i));
    list_text += urls.back() + "\n";
  }
  TempDir dir;
  auto const list = dir.write_file("list.txt", list_text);

  auto const four = run_fleet_round(4, list);
  auto const seen_by_four = server.requests();
  auto const with_four = check_fleet_round(four, urls, seen_by_four);
  EXPECT_EQ(server.connections_accepted(), static_cast<std::size_t>(origin_count));

  auto const five = run_fleet_round(5, list);
  auto const all_seen = server.requests();
  auto const with_five = check_fleet_round(
      five, urls,
      std::vector<RecordedRequest>(all_seen.begin() + seen_by_four.size(), all_seen.end()));
  EXPECT_EQ(server.connections_accepted(), 2u * origin_count);

  ASSERT_EQ(with_four.size(), static_cast<std::size_t>(origin_count));
  ASSERT_EQ(with_five.size(), static_cast<std::size_t>(origin_count));
  int moved = 0;
  for (auto const& [origin, shard] : with_four) {
    if (with_five.at(origin) == shard) continue;
    ++moved;
    EXPECT_EQ(with_five.at(origin), 5u) << origin << " moved between two old shards";
  }
  // Reported, not asserted: over 100 origins on an ephemeral port it varies from run to run
  // (binomial, 0.2 +- 0.04); shard_test asserts the fraction over 1,000 fixed origins.
  double const fraction = moved / static_cast<double>(origin_count);
  RecordProperty("moved_fraction_4_to_5", std::to_string(fraction));
  std::cout << "moved fraction of origins from 4 to 5 shards: " << fraction << " (" << moved
            << " of " << origin_count << ")\n";
  EXPECT_GT(moved, 0);
}

TEST(ShardFleet, OneOriginIsFetchedByOneOfTwoShardsAndTheOtherWarnsThatItIsEmpty) {
  TestServer server;
  auto const round = run_fleet_round(2, server.url("/only"));
  auto const fetched_by_1 = round.fetched[0].size(), fetched_by_2 = round.fetched[1].size();
  EXPECT_EQ(fetched_by_1 + fetched_by_2, 1u);
  auto const empty = fetched_by_1 == 0 ? 1 : 2;
  auto const& idle = round.results[empty - 1];
  EXPECT_EQ(idle.exit_code, 0);
  EXPECT_NE(idle.err.find("shard " + shard_arg(empty, 2) +
                          ": none of the 1 URL(s) on 1 origin(s) falls in this shard; idle until "
                          "a SIGHUP brings some"),
            std::string::npos)
      << idle.err;
  EXPECT_EQ(server.requests_served(), 1u);
}

TEST(ShardFleet, SighupReshardsTheNewListAndAnEmptyShardStartsFetching) {
  constexpr int origin_count = 20;
  auto const hosts = loopback_hosts(origin_count);
  TestServer server({.address = hosts.front(),
                     .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())});
  auto const port = std::to_string(server.port());
  TempDir dir;
  auto const list = dir.write_file("list.txt", "http://" + hosts[0] + ":" + port + "/first\n");
  std::vector<std::unique_ptr<Process>> fleet;
  for (unsigned k = 1; k <= 2; ++k) {
    fleet.push_back(std::make_unique<Process>(
        poller_command({"--interval", "0.05", "--format", "none", "-w", "%{url}\\n", "--shard",
                        shard_arg(k, 2), "--metrics-listen", "127.0.0.1:0", list})));
  }
  // Serving metrics: its SIGHUP handler is in place (a SIGHUP before it would end poller).
  for (auto& poller : fleet) {
    ASSERT_FALSE(metrics_url(*poller, 10s).empty()) << poller->stderr_text();
  }
  // One origin: one instance fetches it, the other idles.
  for (auto& poller : fleet)
    ASSERT_TRUE(poller->wait_for_stderr("shard ", 10s)) << poller->stderr_text();
  auto const idle =
      fleet[0]->stderr_text().find("none of the 1 URL(s)") != std::string::npos ? 0 : 1;
  ASSERT_NE(fleet[idle]->stderr_text().find("idle until a SIGHUP"), std::string::npos);
  ASSERT_TRUE(fleet[1 - idle]->wait_for_stdout("/first\n", 10s));

  // 40 URLs on 20 origins: both shards get some (all 20 in one shard: odds 2 in a million).
  std::set<std::string> second;
  std::string second_text;
  for (int i = 0; i < 2 * origin_count; ++i) {
    second.insert("http://" + hosts[i % origin_count] + ":" + port + "/second/" +
                  std::to_string(i));
    second_text +=
        "http://" + hosts[i % origin_count] + ":" + port + "/second/" + std::to_string(i) + "\n";
  }
  dir.write_file("list.txt", second_text);
  for (auto& poller : fleet) poller->send_signal(SIGHUP);
  for (auto& poller : fleet) {
    ASSERT_TRUE(poller->wait_for_stderr("SIGHUP: shard ", 10s)) << poller->stderr_text();
  }
  // Every URL of the new list fetched (the server saw it), each URL only ever by one instance.
  auto all_fetched = [&] {
    std::set<std::string> seen;
    for (auto const& request : server.requests()) {
      if (request.target.starts_with("/second/"))
        seen.insert("http://" + request.headers.at("host") + request.target);
    }
    return seen == second;
  };
  for (auto waited = 0ms; !all_fetched() && waited < 10s; waited += 20ms)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(all_fetched());
  for (auto& poller : fleet) poller->send_signal(SIGTERM);
  std::vector<std::set<std::string>> fetched;
  for (auto& poller : fleet) {
    auto const result = poller->wait(10s);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto const out = lines_of(result.out);
    fetched.emplace_back(out.begin(), out.end());
  }
  EXPECT_FALSE(fetched[idle].empty()) << "the idle shard fetched nothing after the SIGHUP";
  for (auto const& url : second) {
    EXPECT_NE(fetched[0].contains(url), fetched[1].contains(url)) << url;
  }
}

// A StatefulSet's pod poller-1 is shard 2: the host name is set in a UTS namespace of our own.
TEST(ShardFleet, AutoTakesKFromTheHostNameOrdinal) {
  TestServer server;
  // Root needs no user namespace for a UTS namespace (and inside a chroot, as in
  // tools/fresh-debian's root, the kernel allows none); anyone else is root in one of its own.
  std::vector<std::string> const unshare =
      ::geteuid() == 0
          ? std::vector<std::string>{"/usr/bin/unshare", "--uts"}
          : std::vector<std::string>{"/usr/bin/unshare", "--user", "--map-root-user", "--uts"};
  auto const in_namespace = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), unshare.begin(), unshare.end());
    return run_process(argv);
  };
  auto const in_host = [&](const std::string& host_name, const std::string& shard) {
    return in_namespace({"/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", host_name,
                         POLLER_BINARY, "--once", "--format", "none", "--shard", shard,
                         server.url("/a")});
  };
  auto const probe = in_namespace({"/bin/true"});
  // Never skipped: a machine without the namespaces fails here, saying so.
  ASSERT_EQ(probe.exit_code, 0) << "unshare (a UTS namespace) is needed for this test: "
                                << probe.err;

  auto const second = in_host("poller-1", "auto/2");
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("shard 2/2: "), std::string::npos) << second.err;
  auto const too_far = in_host("poller-2", "auto/2");
  EXPECT_EQ(too_far.exit_code, 2);
  EXPECT_EQ(
      too_far.err,
      "poller: --shard auto/2: the host name \"poller-2\" is ordinal 2, shard 3, but there are "
      "only 2 shards: give the StatefulSet's replicas and N the same value\n");
}

TEST(ShardFleet, BadShardIsAUsageErrorAndNothingIsFetched) {
  TestServer server;
  auto const result = run_poller({"--shard", "5/4", "--once", server.url("/a")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "poller: --shard: \"5/4\": K must be from 1 to 4 (shards count from 1)\n");
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST(ShardFleet, MetricsCarryShardInfoThatPromtoolAccepts) {
  TestServer server;
  Process poller(poller_command({"--interval", "0.1", "--format", "none", "--shard", "2/3",
                                 "--metrics-listen", "127.0.0.1:0", server.url("/a")}));
  auto const url = metrics_url(poller, 10s);
  ASSERT_FALSE(url.empty()) << poller.stderr_text();
  auto const scrape = run_process({"/usr/bin/curl", "-sS", "--max-time", "10", url});
  ASSERT_EQ(scrape.exit_code, 0) << scrape.err;
  EXPECT_NE(
      scrape.out.find(
          "\n# TYPE poller_shard_info gauge\npoller_shard_info{shard=\"2\",shards=\"3\"} 1\n"),
      std::string::npos)
      << scrape.out;
  auto const check = run_process({"/usr/bin/promtool", "check", "metrics"}, scrape.out);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "");
  poller.send_signal(SIGTERM);
  EXPECT_EQ(poller.wait(10s).exit_code, 0);
}

}  // namespace
}  // namespace poller::test
