// Polite polling run for real (SPEC "Back-off on request", --conditional, --spread), asserted
// by what the test server saw: which requests came and when, and the validators they carried.

#include <gtest/gtest.h>

#include <cctype>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "poller_test.hpp"
#include "support/nginx.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The requests the server saw for `target`, in order.
std::vector<RecordedRequest> requests_for(const TestServer& server, const std::string& target) {
  std::vector<RecordedRequest> out;
  for (auto& request : server.requests())
    if (request.target == target) out.push_back(std::move(request));
  return out;
}

// A request field, or nullopt when the request did not carry it.
std::optional<std::string> field(const RecordedRequest& request, const std::string& name) {
  auto const found = request.headers.find(name);
  if (found == request.headers.end()) return std::nullopt;
  return found->second;
}

std::vector<std::optional<std::string>> if_none_match_of(const std::vector<RecordedRequest>& seen) {
  std::vector<std::optional<std::string>> out;
  for (auto const& request : seen) out.push_back(field(request, "if-none-match"));
  return out;
}

// An IMF-fixdate (RFC 9110 5.6.7) `from_now` ahead, rounded up to the second.
std::string http_date(std::chrono::seconds from_now) {
  auto const when = std::time(nullptr) + 1 + from_now.count();
  std::tm fields{};
  gmtime_r(&when, &fields);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &fields);
  return text;
}

// ---- Retry-After ----------------------------------------------------------------------------

TEST(RetryAfter, A429PausesThatUrlOnlyAndSaysUntilWhen) {
  TestServer server;
  std::string const paused = "/retry-after?status=429&value=30";
  // 8 rounds in 1.4 s: the paused URL once, the other every round.
  auto const run =
      run_poller({"-i", "0.2", "--count", "8", server.url(paused), server.url("/counter")});
  EXPECT_EQ(run.exit_code, 0) << run.err;  // a 429 fails only with -f
  EXPECT_EQ(requests_for(server, paused).size(), 1u);
  EXPECT_EQ(requests_for(server, "/counter").size(), 8u);
  EXPECT_EQ(count_of(run.err, "not fetched until"), 1u) << run.err;
  // The 429 itself printed as today, the skipped fetches not at all.
  EXPECT_EQ(count_of(run.out, "retry later\n"), 1u) << run.out;
}

TEST(RetryAfter, A503WithAnHttpDateIsHonouredUntilThatDate) {
  TestServer server;
  std::string const paused =
      "/retry-after?status=503&value=" + percent_encode(http_date(std::chrono::seconds(2)));
  auto const run = run_poller({"-i", "0.25", "--count", "16", "-f", server.url(paused)});
  auto const seen = requests_for(server, paused);
  ASSERT_GE(seen.size(), 2u) << run.err;
  // Not fetched again before the date (2 to 3 s after the first request), then at once.
  auto const pause = seen[1].received - seen[0].received;
  EXPECT_GE(pause, 1900ms);
  EXPECT_LE(pause, 4000ms);
  EXPECT_EQ(run.exit_code, 1);  // -f: the 503s are failures; the skips are not
}

TEST(RetryAfter, MaxRetryAfterCapsThePause) {
  TestServer server;
  std::string const paused = "/retry-after?status=429&value=3600";
  auto const run =
      run_poller({"-i", "0.1", "--count", "15", "--max-retry-after", "500ms", server.url(paused)});
  auto const seen = requests_for(server, paused);
  // Rounds over 1.4 s, a pause of 0.5 s after each 429: 2 or 3 requests, not 15 nor 1.
  EXPECT_GE(seen.size(), 2u) << run.err;
  EXPECT_LE(seen.size(), 4u) << run.err;
  for (std::size_t i = 1; i < seen.size(); ++i)
    EXPECT_GE(seen[i].received - seen[i - 1].received, 450ms);
  EXPECT_NE(run.err.find("capped by --max-retry-after"), std::string::npos) << run.err;
}

TEST(RetryAfter, AnUnreadableValueIsIgnoredWithAVerboseLine) {
  TestServer server;
  std::string const asked = "/retry-after?status=429&value=soon";
  auto const run = run_poller({"-v", "-i", "0.1", "--count", "3", server.url(asked)});
  EXPECT_EQ(requests_for(server, asked).size(), 3u);
  EXPECT_NE(run.err.find("Retry-After \"soon\", neither seconds nor an HTTP date: ignored"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("not fetched until"), std::string::npos) << run.err;
}

TEST(RetryAfter, WithParallelTheRestOfTheLaneGoesOn) {
  TestServer server;
  std::string const paused = "/retry-after?status=503&value=10";
  auto const run = run_poller({"-Z", "-i", "0.1", "--count", "6", "--format", "none",
                               server.url(paused), server.url("/counter")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(requests_for(server, paused).size(), 1u);
  EXPECT_EQ(requests_for(server, "/counter").size(), 6u);
}

TEST(RetryAfter, MetricsCountTheSkippedFetches) {
  TestServer server;
  std::string const paused = "/retry-after?status=429&value=30";
  Process poller(poller_command(
      {"-i", "0.1", "--format", "none", "--metrics-listen", "127.0.0.1:0", server.url(paused)}));
  auto const metrics = metrics_url(poller, 10s);
  ASSERT_FALSE(metrics.empty()) << poller.stderr_text();
  // Without --name, the name label is the URL.
  std::string const series = "poller_skipped_total{url=\"" + server.url(paused) + "\",name=\"" +
                             server.url(paused) + "\",reason=\"retry_after\"} ";
  std::string scraped;
  for (auto const deadline = Clock::now() + 10s; Clock::now() < deadline;) {
    scraped = run_process({"/usr/bin/curl", "-sS", "--max-time", "5", metrics}).out;
    auto const at = scraped.find(series);
    if (at != std::string::npos && std::stoi(scraped.substr(at + series.size())) >= 3) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(scraped.find(series), std::string::npos) << scraped;
  EXPECT_EQ(requests_for(server, paused).size(), 1u);
  poller.send_signal(SIGTERM);
  poller.wait(10s);
}

// ---- Conditional requests -------------------------------------------------------------------

TEST(Conditional, OnChangeSendsTheLastEtagBackAndPrintsOnlyChanges) {
  TestServer server;
  // The page changes at its 4th request: versions v1 v1 v1 v2 v2 v2 on the server's side.
  std::string const page = "/validated?etag=%22abc%22&version-every=3";
  auto const run = run_poller(
      {"--on-change", "--format", "json", "-i", "0.1", "--count", "6", server.url(page)});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto const seen = requests_for(server, page);
  using Tag = std::optional<std::string>;
  EXPECT_EQ(if_none_match_of(seen), (std::vector<Tag>{std::nullopt, "\"abc-v1\"", "\"abc-v1\"",
                                                      "\"abc-v1\"", "\"abc-v2\"", "\"abc-v2\""}));
  // Printed: the first 200 and the change; the 304s are unchanged fetches.
  EXPECT_EQ(count_of(run.out, "\n"), 2u) << run.out;
  EXPECT_EQ(count_of(run.out, "validated-v2"), 1u) << run.out;
  EXPECT_EQ(count_of(run.out, "\"status\":304"), 0u) << run.out;
}

TEST(Conditional, A304IsASuccessfulFetchWithoutABodyInJson) {
  TestServer server;
  std::string const page = "/validated?etag=%22x%22";
  auto const run =
      run_poller({"--conditional", "--format", "json", "-i", "0.1", "--count", "2",
                  "--expect-status", "200", "--expect-body", "validated", server.url(page)});
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  auto const records = jq("[.status, has(\"body\"), has(\"error\")]", run.out);
  EXPECT_EQ(records.out, "[200,true,false]\n[304,false,false]\n") << run.out;
}

TEST(Conditional, TheBodyModePrintsNothingForA304) {
  TestServer server;
  std::string const page = "/validated?etag=%22x%22";
  auto const run = run_poller({"--conditional", "-i", "0.1", "--count", "3", server.url(page)});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "validated-v1\n");
}

TEST(Conditional, WeakEtagAndLastModifiedAreSentAsGiven) {
  TestServer server;
  std::string const date = "Sun, 06 Nov 1994 08:49:37 GMT";
  std::string const page =
      "/validated?etag=" + percent_encode("W/\"w1\"") + "&last-modified=" + percent_encode(date);
  run_poller({"--conditional", "--format", "none", "-i", "0.1", "--count", "2", server.url(page)});
  auto const seen = requests_for(server, page);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(field(seen[0], "if-none-match"), std::nullopt);
  EXPECT_EQ(field(seen[1], "if-none-match"), "W/\"w1\"");
  EXPECT_EQ(field(seen[1], "if-modified-since"), date);
}

TEST(Conditional, LastModifiedAloneMakesTheRequestConditional) {
  TestServer server;
  std::string const date = "Sun, 06 Nov 1994 08:49:37 GMT";
  std::string const page = "/validated?last-modified=" + percent_encode(date);
  auto const run = run_poller(
      {"--conditional", "--format", "json", "-i", "0.1", "--count", "2", server.url(page)});
  EXPECT_EQ(count_of(run.out, "\"status\":304"), 1u) << run.out;
  EXPECT_EQ(field(requests_for(server, page).at(1), "if-modified-since"), date);
}

TEST(Conditional, TheUsersOwnIfNoneMatchWins) {
  TestServer server;
  std::string const page = "/validated?etag=%22x%22";
  run_poller({"--conditional", "-H", "If-None-Match: \"mine\"", "--format", "none", "-i", "0.1",
              "--count", "3", server.url(page)});
  using Tag = std::optional<std::string>;
  EXPECT_EQ(if_none_match_of(requests_for(server, page)),
            (std::vector<Tag>{"\"mine\"", "\"mine\"", "\"mine\""}));
}

TEST(Conditional, AHostileLongEtagIsNeitherKeptNorSentBackAndSaidOnce) {
  TestServer server;
  auto const run = run_poller({"--conditional", "--format", "none", "-i", "0.1", "--count", "3",
                               server.url("/long-etag/20000")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto const seen = requests_for(server, "/long-etag/20000");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(field(seen[1], "if-none-match"), std::nullopt);
  EXPECT_EQ(field(seen[2], "if-none-match"), std::nullopt);
  EXPECT_EQ(count_of(run.err, "of 20000 bytes, longer than 512: not kept"), 1u) << run.err;
}

TEST(Conditional, AListLineMayAskForItForItsUrlOnly) {
  TestServer server;
  TempDir dir;
  std::string const asked = "/validated?etag=%22a%22", not_asked = "/validated?etag=%22b%22";
  auto const list =
      dir.write_file("urls", server.url(asked) + " --conditional\n" + server.url(not_asked) + "\n");
  run_poller({"--format", "none", "-i", "0.1", "--count", "2", list});
  EXPECT_EQ(field(requests_for(server, asked).at(1), "if-none-match"), "\"a\"");
  EXPECT_EQ(field(requests_for(server, not_asked).at(1), "if-none-match"), std::nullopt);
}

TEST(Conditional, ValidatorsAreForgottenWhenTheEntrysSettingsChangeOnReload) {
  TestServer server;
  TempDir dir;
  std::string const page = "/validated?etag=%22a%22";
  auto const list = dir.write_file("urls", server.url(page) + " --conditional\n");
  Process poller(poller_command({"--format", "none", "-i", "0.2", list}));
  for (auto const deadline = Clock::now() + 10s;
       requests_for(server, page).size() < 2 && Clock::now() < deadline;)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(field(requests_for(server, page).at(1), "if-none-match"), "\"a\"");

  dir.write_file("urls", server.url(page) + " --conditional -H 'X-Changed: yes'\n");
  poller.send_signal(SIGHUP);
  ASSERT_TRUE(poller.wait_for_stderr("reloaded", 10s)) << poller.stderr_text();
  // The first request with the new settings is unconditional, the next one conditional again.
  std::vector<RecordedRequest> changed;
  for (auto const deadline = Clock::now() + 10s; changed.size() < 2 && Clock::now() < deadline;) {
    changed.clear();
    for (auto& request : requests_for(server, page))
      if (field(request, "x-changed")) changed.push_back(std::move(request));
    std::this_thread::sleep_for(20ms);
  }
  poller.send_signal(SIGTERM);
  poller.wait(10s);
  ASSERT_EQ(changed.size(), 2u) << poller.stderr_text();
  EXPECT_EQ(field(changed[0], "if-none-match"), std::nullopt);
  EXPECT_EQ(field(changed[1], "if-none-match"), "\"a\"");
}

TEST(Conditional, NginxAnswersTheValidatorsOfItsStaticFilesWith304) {
  NginxServer nginx(NginxOptions{.files = {{"/feed.xml", "<feed/>\n"}}});
  auto const run = run_poller({"--on-change", "-i", "0.1", "--count", "3", nginx.url("/feed.xml")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "<feed/>\n");
  auto const log = nginx.access_log(3, 5s);
  ASSERT_EQ(log.size(), 3u) << nginx.error_log();
  EXPECT_EQ(log[0].status, 200);
  EXPECT_EQ(log[1].status, 304);
  EXPECT_EQ(log[2].status, 304);
}

// ---- --spread -------------------------------------------------------------------------------

// shard.hpp's documented hash, written out again: the test pins it.
double spread_fraction(const std::string& origin) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : origin) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ull;
  hash ^= hash >> 33;
  return static_cast<double>(hash) * 0x1p-64;
}

TEST(Spread, WithoutParallelTheUrlsOfARoundArePacedOverTheInterval) {
  TestServer server;
  // 4 URLs over 0.8 s: one every 0.2 s, round after round.
  auto const run =
      run_poller({"--spread", "-i", "0.8", "--count", "2", "--format", "none", server.url("/a"),
                  server.url("/b"), server.url("/c"), server.url("/d")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto const seen = server.requests();
  ASSERT_EQ(seen.size(), 8u);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    auto const gap = seen[i].received - seen[i - 1].received;
    EXPECT_GE(gap, 150ms) << "request " << i;
    EXPECT_LE(gap, 400ms) << "request " << i;
  }
}

TEST(Spread, WithParallelEachOriginStartsAtItsOwnFixedOffset) {
  // Two loopback hosts whose offsets lie far apart, so that "at the same time" cannot pass.
  auto const hosts = loopback_hosts(12);
  TestServerOptions options;
  options.extra_addresses.assign(hosts.begin() + 1, hosts.end());
  options.address = hosts[0];
  TestServer server(options);
  auto const origin = [&](const std::string& host) {
    return "http://" + host + ":" + std::to_string(server.port());
  };
  std::string first, second;  // the second's offset 0.3 to 0.7 of the interval after the first's
  for (auto const& a : hosts) {
    for (auto const& b : hosts) {
      auto const apart = spread_fraction(origin(b)) - spread_fraction(origin(a));
      if (apart > 0.3 && apart < 0.7) std::tie(first, second) = std::tie(a, b);
    }
  }
  ASSERT_FALSE(second.empty()) << "no two of the hosts are far enough apart";

  auto const run = run_poller({"-Z", "--spread", "-i", "1", "--count", "2", "--format", "none",
                               origin(first) + "/x", origin(second) + "/y"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto const x = requests_for(server, "/x"), y = requests_for(server, "/y");
  ASSERT_EQ(x.size(), 2u);
  ASSERT_EQ(y.size(), 2u);
  auto const expected = std::chrono::duration<double>(spread_fraction(origin(second)) -
                                                      spread_fraction(origin(first)));
  auto const measured = std::chrono::duration<double>(y[0].received - x[0].received);
  EXPECT_NEAR(measured.count(), expected.count(), 0.15);
  // Each lane keeps the fixed rate from its own offset.
  EXPECT_NEAR(std::chrono::duration<double>(x[1].received - x[0].received).count(), 1.0, 0.15);
  EXPECT_NEAR(std::chrono::duration<double>(y[1].received - y[0].received).count(), 1.0, 0.15);
}

}  // namespace
}  // namespace poller::test
