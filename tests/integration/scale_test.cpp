// Issue 29, goal 5: one poller over 1,000 HTTPS origins × 10 URLs (one nginx listening on
// 1,000 loopback addresses), two rounds: every URL fetched in each, one connection per origin
// kept from round to round, and peak memory bounded, so that a regression at scale shows.
// Its own executable, labelled "scale": ctest -L scale runs it alone.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "poller_test.hpp"
#include "support/nginx.hpp"
#include "support/test_certs.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

constexpr int origin_count = 1000;
constexpr int urls_per_origin = 10;
constexpr int rounds = 2;
// Twice the peak measured in the release build (bench/RESULTS.md, "Scale"): a loose bound that
// a per-connection or per-URL leak crosses.
constexpr long peak_rss_bound_kib = 110 * 1024;

// nginx (a child) and poller need a descriptor per listener and per connection.
void raise_descriptor_limit() {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GE(limit.rlim_cur, 4 * static_cast<rlim_t>(origin_count))
      << "the hard RLIMIT_NOFILE is too low for this test";
}

// VmHWM of a running process (its peak resident set so far), or -1 once it is gone.
long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return -1;
}

TEST(Scale, ThousandHttpsOriginsTenUrlsEachTwoRoundsAllFetchedWithinMemory) {
  raise_descriptor_limit();
  auto const addresses = loopback_hosts(origin_count);
  TestCa ca;
  NginxOptions options{.tls = ca.issue({.dns_names = {"*.scale.test"}}),
                       .extra_addresses = addresses};
  for (int u = 0; u < urls_per_origin; ++u) options.files["u" + std::to_string(u)] = "ok\n";
  NginxServer nginx(options);
  TempDir dir;
  auto const port = std::to_string(nginx.port());
  std::vector<std::string> argv{POLLER_BINARY, "-Z", "--interval", "0", "--count",
                                std::to_string(rounds), "--format", "none", "--cacert",
                                dir.write_file("ca.pem", ca.cert_pem())};
  std::string list_text;
  // Interleaved, as a real list is not sorted by origin.
  for (int u = 0; u < urls_per_origin; ++u) {
    for (int i = 0; i < origin_count; ++i)
      list_text += "https://h" + std::to_string(i) + ".scale.test:" + port + "/u" +
                   std::to_string(u) + "\n";
  }
  for (int i = 0; i < origin_count; ++i) {
    argv.push_back("--resolve");
    argv.push_back("h" + std::to_string(i) + ".scale.test:" + port + ":" + addresses[i]);
  }
  argv.push_back(dir.write_file("list.txt", list_text));

  Process poller(argv);
  long peak_kib = 0;
  for (long now; (now = peak_rss_kib(poller.pid())) >= 0 && poller.running();) {
    peak_kib = std::max(peak_kib, now);
    std::this_thread::sleep_for(20ms);
  }
  auto const result = poller.wait(240s);

  ASSERT_EQ(result.exit_code, 0) << result.err.substr(0, 4000);
  EXPECT_EQ(result.err, "");
  constexpr std::size_t fetches = std::size_t{origin_count} * urls_per_origin * rounds;
  auto const seen = nginx.access_log(fetches, 30s);
  ASSERT_EQ(seen.size(), fetches);
  std::map<std::pair<std::string, std::string>, int> times;
  std::set<std::uint64_t> connections;
  for (auto const& entry : seen) {
    EXPECT_EQ(entry.status, 200) << entry.request;
    ++times[{entry.server_address, entry.request}];
    connections.insert(entry.connection);
  }
  EXPECT_EQ(times.size(), std::size_t{origin_count} * urls_per_origin);
  for (auto const& [url, n] : times) EXPECT_EQ(n, rounds) << url.first << " " << url.second;
  // One connection per origin, kept from the first round to the second.
  EXPECT_EQ(connections.size(), static_cast<std::size_t>(origin_count));
  RecordProperty("peak_rss_kib", std::to_string(peak_kib));  // in --gtest_output=xml
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's shadow memory and quarantine are not the program's: there the output is
  // checked, not the memory (as stdout_test does).
  EXPECT_GT(peak_kib, 0);
  EXPECT_LT(peak_kib, peak_rss_bound_kib) << "peak RSS " << peak_kib << " KiB";
#endif
}

}  // namespace
}  // namespace poller::test
