// The exposition of a ResultStore: what a scrape of /metrics says, as text, for fetches made up
// here.

#include "poller/metrics/metrics.hpp"
#include "record_result.hpp"

#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace poller {
namespace {

using namespace std::chrono_literals;

Target target_of(std::string_view url) {
  auto parsed = parse_target(url);
  EXPECT_TRUE(parsed.target) << parsed.error;
  return *parsed.target;
}

// A fetch over a reused keep-alive connection: no resolve, no connect.
FetchResult reused_fetch(const Target& target, Duration first_byte, Duration total) {
  FetchResult result;
  result.target = &target;
  result.status = 200;
  result.reused = true;
  result.started = std::chrono::system_clock::time_point(1'800'000'000s);
  result.time_starttransfer = first_byte;
  result.time_total = total;
  return result;
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, std::string_view prefix) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) found.push_back(line);
  }
  return found;
}

TEST(MetricsRegistry, RendersTheExactExpositionForOneReusedFetch) {
  auto const target = target_of("http://127.0.0.1:8080/a");
  ResultStore store(ResultStore::Metrics::on);
  store.record_round(0ns);
  record(store, reused_fetch(target, 800us, 3ms));

  EXPECT_EQ(render_metrics(store),
            R"(# HELP poller_up Whether the last fetch of the URL succeeded (1) or failed (0).
# TYPE poller_up gauge
poller_up{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a"} 1
# HELP poller_state_up The URL's state by --down-after and --up-after: 1 up, 0 down; absent while unknown.
# TYPE poller_state_up gauge
poller_state_up{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a"} 1
# HELP poller_state_changes_total Events of the URL: changes to down, and from down to up.
# TYPE poller_state_changes_total counter
poller_state_changes_total{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a"} 0
# HELP poller_http_status HTTP status of the final response of the URL's last fetch; 0 when none arrived.
# TYPE poller_http_status gauge
poller_http_status{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a"} 200
# HELP poller_fetches_total Fetches of the URL, by result (success or failure).
# TYPE poller_fetches_total counter
poller_fetches_total{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",result="success"} 1
poller_fetches_total{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",result="failure"} 0
# HELP poller_fetch_duration_seconds Total time of each of the URL's fetches, redirects included: the time --max-latency judges.
# TYPE poller_fetch_duration_seconds histogram
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.0001"} 0
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.0005"} 0
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.001"} 0
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.005"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.01"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.025"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.05"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.1"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.25"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="0.5"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="1"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="2.5"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="5"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="10"} 1
poller_fetch_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",le="+Inf"} 1
poller_fetch_duration_seconds_sum{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a"} 0.003
poller_fetch_duration_seconds_count{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a"} 1
# HELP poller_check_failed Whether a check failed the URL's last fetch (1) or not (0), by check: status, body, latency, cert_expiry.
# TYPE poller_check_failed gauge
poller_check_failed{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",check="status"} 0
poller_check_failed{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",check="body"} 0
poller_check_failed{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",check="latency"} 0
poller_check_failed{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",check="cert_expiry"} 0
# HELP poller_fetch_phase_duration_seconds Duration of each phase of the URL's fetches: resolve, connect, tls, processing (request sent to first response byte), transfer (the rest of the response). A phase that did not happen (a reused connection has no resolve, connect or tls) is not observed.
# TYPE poller_fetch_phase_duration_seconds histogram
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.0001"} 0
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.0005"} 0
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.001"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.005"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.01"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.025"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.05"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.1"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.25"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="0.5"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="1"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="2.5"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="5"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="10"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing",le="+Inf"} 1
poller_fetch_phase_duration_seconds_sum{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing"} 0.0008
poller_fetch_phase_duration_seconds_count{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="processing"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.0001"} 0
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.0005"} 0
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.001"} 0
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.005"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.01"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.025"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.05"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.1"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.25"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="0.5"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="1"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="2.5"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="5"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="10"} 1
poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer",le="+Inf"} 1
poller_fetch_phase_duration_seconds_sum{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer"} 0.0022
poller_fetch_phase_duration_seconds_count{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a",phase="transfer"} 1
# HELP poller_last_success_timestamp_seconds When the URL's last successful fetch ended, in seconds since the Unix epoch; absent until one succeeded.
# TYPE poller_last_success_timestamp_seconds gauge
poller_last_success_timestamp_seconds{url="http://127.0.0.1:8080/a",name="http://127.0.0.1:8080/a"} 1800000000.003
# HELP poller_rounds_total Rounds started.
# TYPE poller_rounds_total counter
poller_rounds_total 1
# HELP poller_round_lateness_seconds How long after its scheduled start each round began.
# TYPE poller_round_lateness_seconds histogram
poller_round_lateness_seconds_bucket{le="0.0001"} 1
poller_round_lateness_seconds_bucket{le="0.0005"} 1
poller_round_lateness_seconds_bucket{le="0.001"} 1
poller_round_lateness_seconds_bucket{le="0.005"} 1
poller_round_lateness_seconds_bucket{le="0.01"} 1
poller_round_lateness_seconds_bucket{le="0.025"} 1
poller_round_lateness_seconds_bucket{le="0.05"} 1
poller_round_lateness_seconds_bucket{le="0.1"} 1
poller_round_lateness_seconds_bucket{le="0.25"} 1
poller_round_lateness_seconds_bucket{le="0.5"} 1
poller_round_lateness_seconds_bucket{le="1"} 1
poller_round_lateness_seconds_bucket{le="2.5"} 1
poller_round_lateness_seconds_bucket{le="5"} 1
poller_round_lateness_seconds_bucket{le="10"} 1
poller_round_lateness_seconds_bucket{le="+Inf"} 1
poller_round_lateness_seconds_sum 0
poller_round_lateness_seconds_count 1
# HELP poller_connections_opened_total Connections opened (TCP, and TLS for https).
# TYPE poller_connections_opened_total counter
poller_connections_opened_total 0
# HELP poller_connections_reused_total Fetches whose request went over a keep-alive connection opened earlier.
# TYPE poller_connections_reused_total counter
poller_connections_reused_total 1
)");
}

TEST(MetricsRegistry, BeforeAnyFetchOnlyTheOverallFamiliesAreThere) {
  ResultStore store(ResultStore::Metrics::on);
  auto const text = render_metrics(store);
  EXPECT_EQ(lines_starting(text, "poller_rounds_total"),
            std::vector<std::string>{"poller_rounds_total 0"});
  EXPECT_TRUE(lines_starting(text, "# TYPE poller_up").empty()) << text;
  EXPECT_TRUE(lines_starting(text, "# HELP poller_fetch_phase_duration_seconds").empty()) << text;
}

TEST(MetricsRegistry, ShardInfoNamesShardAndShardsOnlyWithShard) {
  ResultStore store(ResultStore::Metrics::on);
  EXPECT_EQ(render_metrics(store).find("poller_shard_info"), std::string::npos);
  store.set_shard(Shard{3, 4});
  auto const text = render_metrics(store);
  EXPECT_TRUE(
      text.ends_with("# HELP poller_shard_info The shard of the fleet this instance fetches "
                     "(--shard K/N): shard K "
                     "of shards N; always 1.\n"
                     "# TYPE poller_shard_info gauge\n"
                     "poller_shard_info{shard=\"3\",shards=\"4\"} 1\n"))
      << text;
}

TEST(MetricsRegistry, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_label_value("http://h/plain"), "http://h/plain");

  Target target = target_of("http://127.0.0.1/x");
  target.display_url = R"(http://127.0.0.1/"q"\x)";
  Target named = target_of("http://127.0.0.1/y");
  named.name = "line 1\nline \"2\"";
  ResultStore store(ResultStore::Metrics::on);
  record(store, reused_fetch(target, 1ms, 2ms));
  record(store, reused_fetch(named, 1ms, 2ms));
  EXPECT_EQ(lines_starting(render_metrics(store), "poller_up"),
            (std::vector<std::string>{
                R"(poller_up{url="http://127.0.0.1/\"q\"\\x",name="http://127.0.0.1/\"q\"\\x"} 1)",
                R"(poller_up{url="http://127.0.0.1/y",name="line 1\nline \"2\""} 1)"}));
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeAndEndWithInf) {
  auto const target = target_of("http://127.0.0.1/a");
  ResultStore store(ResultStore::Metrics::on);
  // Transfers of 50 µs, 3 ms and 20 s: under the first bound, in the middle, beyond the last.
  record(store, reused_fetch(target, 1ms, 1050us));
  record(store, reused_fetch(target, 1ms, 4ms));
  record(store, reused_fetch(target, 1ms, 20001ms));

  auto const transfer = lines_starting(
      render_metrics(store),
      R"(poller_fetch_phase_duration_seconds_bucket{url="http://127.0.0.1/a",name="http://127.0.0.1/a",phase="transfer")");
  ASSERT_EQ(transfer.size(), 15u);
  auto bucket = [&](std::string_view le) {
    for (auto const& line : transfer) {
      if (line.find("le=\"" + std::string(le) + "\"") != std::string::npos)
        return line.substr(line.rfind(' ') + 1);
    }
    return std::string("absent");
  };
  EXPECT_EQ(bucket("0.0001"), "1");
  EXPECT_EQ(bucket("0.001"), "1");
  EXPECT_EQ(bucket("0.005"), "2");
  EXPECT_EQ(bucket("10"), "2");
  EXPECT_EQ(bucket("+Inf"), "3");
  auto const text = render_metrics(store);
  EXPECT_EQ(
      lines_starting(
          text,
          R"(poller_fetch_phase_duration_seconds_count{url="http://127.0.0.1/a",name="http://127.0.0.1/a",phase="transfer"})"),
      std::vector<std::string>{
          R"(poller_fetch_phase_duration_seconds_count{url="http://127.0.0.1/a",name="http://127.0.0.1/a",phase="transfer"} 3)"});
  EXPECT_EQ(
      lines_starting(
          text, R"(poller_fetch_phase_duration_seconds_sum{url="http://127.0.0.1/a",name="http://127.0.0.1/a",phase="transfer"})"),
      std::vector<std::string>{
          R"(poller_fetch_phase_duration_seconds_sum{url="http://127.0.0.1/a",name="http://127.0.0.1/a",phase="transfer"} 20.00305)"});
}

TEST(MetricsRegistry, FailedFetchIsDownWithStatus0AndNoLastSuccess) {
  auto const target = target_of("http://127.0.0.1:1/");
  FetchResult refused;
  refused.target = &target;
  refused.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};
  refused.time_namelookup = 5us;
  refused.time_total = 100us;
  ResultStore store(ResultStore::Metrics::on);
  record(store, refused);

  auto const text = render_metrics(store);
  EXPECT_EQ(lines_starting(text, "poller_up{"),
            std::vector<std::string>{R"(poller_up{url="http://127.0.0.1:1/",name="http://127.0.0.1:1/"} 0)"});
  EXPECT_EQ(lines_starting(text, "poller_http_status{"),
            std::vector<std::string>{R"(poller_http_status{url="http://127.0.0.1:1/",name="http://127.0.0.1:1/"} 0)"});
  EXPECT_EQ(
      lines_starting(text, R"(poller_fetches_total{url="http://127.0.0.1:1/",name="http://127.0.0.1:1/",result="failure"})"),
      std::vector<std::string>{
          R"(poller_fetches_total{url="http://127.0.0.1:1/",name="http://127.0.0.1:1/",result="failure"} 1)"});
  EXPECT_TRUE(lines_starting(text, "poller_last_success_timestamp_seconds").empty()) << text;
  // The resolve happened; nothing after it did.
  EXPECT_EQ(lines_starting(text, "poller_fetch_phase_duration_seconds_count").size(), 1u) << text;
  EXPECT_EQ(
      lines_starting(
          text, R"(poller_fetch_phase_duration_seconds_count{url="http://127.0.0.1:1/",name="http://127.0.0.1:1/",phase="resolve"})")
          .size(),
      1u);
}

TEST(MetricsRegistry, HttpErrorStatusIsDownWithThatStatus) {
  auto const target = target_of("http://127.0.0.1/missing");
  auto result = reused_fetch(target, 1ms, 2ms);
  result.status = 404;
  ResultStore store(ResultStore::Metrics::on);
  record(store, result, Verdict{Verdict::Failure::http_status, "HTTP status 404", "http_status"});
  auto const text = render_metrics(store);
  EXPECT_EQ(lines_starting(text, "poller_up{").at(0),
            R"(poller_up{url="http://127.0.0.1/missing",name="http://127.0.0.1/missing"} 0)");
  EXPECT_EQ(lines_starting(text, "poller_http_status{").at(0),
            R"(poller_http_status{url="http://127.0.0.1/missing",name="http://127.0.0.1/missing"} 404)");
}

TEST(MetricsRegistry, CertificateExpiryOfAnHttpsUrlIsItsNotAfter) {
  auto const target = target_of("https://127.0.0.1/");
  auto result = reused_fetch(target, 1ms, 2ms);
  result.cert_expiry = std::chrono::system_clock::time_point(1'900'000'000s);
  ResultStore store(ResultStore::Metrics::on);
  record(store, result);
  // A later fetch that never got to a handshake leaves the last certificate seen.
  auto failed = reused_fetch(target, 0ms, 1ms);
  failed.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};
  failed.status.reset();
  record(store, failed);
  EXPECT_EQ(lines_starting(render_metrics(store), "poller_cert_expiry_timestamp_seconds{"),
            std::vector<std::string>{
                R"(poller_cert_expiry_timestamp_seconds{url="https://127.0.0.1/",name="https://127.0.0.1/"} 1900000000)"});
}

TEST(MetricsRegistry, ConnectionsOpenedAndReusedAreCounted) {
  auto const target = target_of("http://127.0.0.1/a");
  auto opened = reused_fetch(target, 1ms, 2ms);
  opened.reused = false;
  opened.connects = 2;  // a redirect to another origin
  ResultStore store(ResultStore::Metrics::on);
  record(store, opened);
  record(store, reused_fetch(target, 1ms, 2ms));
  record(store, reused_fetch(target, 1ms, 2ms));
  auto const text = render_metrics(store);
  EXPECT_EQ(lines_starting(text, "poller_connections_opened_total ").at(0),
            "poller_connections_opened_total 2");
  EXPECT_EQ(lines_starting(text, "poller_connections_reused_total ").at(0),
            "poller_connections_reused_total 2");
}

TEST(MetricsRegistry, KeepOnlyDropsTheSeriesOfUrlsNoLongerListed) {
  auto const a = target_of("http://127.0.0.1/a");
  auto const b = target_of("http://127.0.0.1/b");
  ResultStore store(ResultStore::Metrics::on);
  record(store, reused_fetch(a, 1ms, 2ms));
  record(store, reused_fetch(b, 1ms, 2ms));
  ASSERT_EQ(lines_starting(render_metrics(store), "poller_up{").size(), 2u);

  store.expose_only({a});

  auto const text = render_metrics(store);
  EXPECT_EQ(lines_starting(text, "poller_up{"),
            std::vector<std::string>{R"(poller_up{url="http://127.0.0.1/a",name="http://127.0.0.1/a"} 1)"});
  EXPECT_EQ(text.find("/b\""), std::string::npos) << text;
}

TEST(MetricsRegistry, PhasesThatDidNotHappenAreNotObserved) {
  auto const http_target = target_of("http://127.0.0.1/");
  auto const https_target = target_of("https://127.0.0.1/");
  auto const phase = [](const FetchPhases& phases, FetchPhase p) {
    return phases[static_cast<std::size_t>(p)];
  };

  auto const reused = fetch_phases(reused_fetch(https_target, 1ms, 3ms));
  EXPECT_FALSE(phase(reused, FetchPhase::resolve));
  EXPECT_FALSE(phase(reused, FetchPhase::connect));
  EXPECT_FALSE(phase(reused, FetchPhase::tls));
  EXPECT_EQ(phase(reused, FetchPhase::processing), Duration(1ms));
  EXPECT_EQ(phase(reused, FetchPhase::transfer), Duration(2ms));

  auto fresh = reused_fetch(https_target, 10ms, 12ms);
  fresh.reused = false;
  fresh.time_namelookup = 1ms;
  fresh.time_connect = 3ms;
  fresh.time_appconnect = 7ms;
  auto const phases = fetch_phases(fresh);
  EXPECT_EQ(phase(phases, FetchPhase::resolve), Duration(1ms));
  EXPECT_EQ(phase(phases, FetchPhase::connect), Duration(2ms));
  EXPECT_EQ(phase(phases, FetchPhase::tls), Duration(4ms));
  EXPECT_EQ(phase(phases, FetchPhase::processing), Duration(3ms));
  EXPECT_EQ(phase(phases, FetchPhase::transfer), Duration(2ms));

  // Plain http has no tls; a fetch cut off before its response has no transfer.
  auto cut = reused_fetch(http_target, 10ms, 12ms);
  cut.time_connect = 3ms;
  cut.status.reset();
  auto const cut_phases = fetch_phases(cut);
  EXPECT_FALSE(phase(cut_phases, FetchPhase::tls));
  EXPECT_EQ(phase(cut_phases, FetchPhase::processing), Duration(7ms));
  EXPECT_FALSE(phase(cut_phases, FetchPhase::transfer));
}

TEST(MetricsRegistry, RenderedInPiecesIsTheSameTextAsAtOnce) {
  std::vector<Target> targets;
  for (int i = 0; i < 300; ++i)
    targets.push_back(target_of("http://127.0.0.1/" + std::to_string(i)));
  ResultStore store(ResultStore::Metrics::on);
  for (auto const& target : targets) record(store, reused_fetch(target, 1ms, 2ms));

  auto const snapshot = store.snapshot();
  std::string pieces;
  MetricsCursor cursor;
  int calls = 1;
  while (render_metrics_some(snapshot, cursor, pieces, 4096)) ++calls;
  EXPECT_GT(calls, 50);
  EXPECT_EQ(pieces, render_metrics(store));
}

// The spec's "a scrape renders from one moment", while the rounds go on between its pieces.
TEST(MetricsRegistry, PiecesShowTheMomentTheScrapeBeganWhateverHappensBetweenThem) {
  std::vector<Target> targets;
  for (int i = 0; i < 100; ++i)
    targets.push_back(target_of("http://127.0.0.1/" + std::to_string(i)));
  auto const late = target_of("http://127.0.0.1/0-late");
  ResultStore store(ResultStore::Metrics::on);
  store.record_round(1ms);
  for (auto const& target : targets) record(store, reused_fetch(target, 1ms, 2ms));
  auto const at_start = render_metrics(store);

  auto const snapshot = store.snapshot();
  std::string text;
  MetricsCursor cursor;
  for (int piece = 0; render_metrics_some(snapshot, cursor, text, 2048); ++piece) {
    // A round of slower fetches of every URL, a skip, a reload and a new URL.
    if (piece == 1) store.record_round(3ms);
    if (piece == 2) {
      for (auto const& target : targets) record(store, reused_fetch(target, 30ms, 400ms));
    }
    if (piece == 3) store.record_skip(targets.back());
    if (piece == 4) {
      std::vector<Target> relisted(targets.begin() + 50, targets.end());
      relisted.push_back(late);
      store.expose_only(relisted);
    }
    if (piece == 5) record(store, reused_fetch(late, 1ms, 2ms));
  }
  EXPECT_EQ(text, at_start);

  // The store itself went on: the next scrape shows all of it.
  auto const after = render_metrics(store);
  EXPECT_EQ(lines_starting(after, "poller_rounds_total 2").size(), 1u);
  EXPECT_EQ(lines_starting(after, "poller_up{url=\"http://127.0.0.1/0-late\"").size(), 1u);
  EXPECT_EQ(lines_starting(after, "poller_up{url=\"http://127.0.0.1/0\"").size(), 0u);
  EXPECT_EQ(lines_starting(after, "poller_skipped_total{url=\"http://127.0.0.1/99\"").size(), 1u);
  EXPECT_EQ(
      lines_starting(after, "poller_fetch_duration_seconds_count{url=\"http://127.0.0.1/99\",name="
                            "\"http://127.0.0.1/99\"} 2")
          .size(),
      1u);
}

}  // namespace
}  // namespace poller
