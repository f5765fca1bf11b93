// ResultStore: each fetch recorded once, read by the summary in first-seen order and by the
// exposition in sorted order; a reload takes a URL out of /metrics, not out of the summary.

#include "poller/report/result_store.hpp"

#include <gtest/gtest.h>

#include "poller/metrics/metrics.hpp"
#include "poller/report/stats.hpp"
#include "record_result.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

FetchResult fetched(const Target& target, bool ok) {
  FetchResult result;
  result.target = &target;
  if (!ok) result.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};
  if (ok) result.status = 200;
  result.time_total = 2ms;
  return result;
}

std::vector<std::string> first_seen_urls(const ResultStore& store) {
  std::vector<std::string> urls;
  for (auto const* entry : store.urls_first_seen()) urls.push_back(entry->first.first);
  return urls;
}

TEST(ResultStore, KeepsTheFirstSeenOrderBesideTheSortedOne) {
  Target const c = *parse_target("http://127.0.0.1/c").target;
  Target const a = *parse_target("http://127.0.0.1/a").target;
  Target const b = *parse_target("http://127.0.0.1/b").target;
  ResultStore store;
  for (int round = 0; round < 2; ++round) {
    for (auto const* target : {&c, &a, &b}) record(store, fetched(*target, true));
  }

  EXPECT_EQ(
      first_seen_urls(store),
      (std::vector<std::string>{"http://127.0.0.1/c", "http://127.0.0.1/a", "http://127.0.0.1/b"}));
  std::vector<std::string> sorted;
  for (auto const& [key, record] : store.urls()) {
    sorted.push_back(key.first);
    EXPECT_EQ(record.fetches, 2u) << key.first;
  }
  EXPECT_EQ(sorted, (std::vector<std::string>{"http://127.0.0.1/a", "http://127.0.0.1/b",
                                              "http://127.0.0.1/c"}));
}

TEST(ResultStore, WithoutMetricsNoUrlPaysForASeries) {
  Target const a = *parse_target("http://127.0.0.1/a").target;
  ResultStore off;
  ResultStore on(ResultStore::Metrics::on);
  for (auto* store : {&off, &on}) record(*store, fetched(a, true));

  EXPECT_EQ(off.urls().at({"http://127.0.0.1/a", ""}).series, nullptr);
  ASSERT_NE(on.urls().at({"http://127.0.0.1/a", ""}).series, nullptr);
  EXPECT_EQ(on.urls().at({"http://127.0.0.1/a", ""}).series->successes, 1u);
  // The summary reads the same either way.
  EXPECT_EQ(summary_lines(off), summary_lines(on));
}

TEST(ResultStore, OneUrlUnderTwoNamesIsTwoRecordsAndTheSummaryShowsTheNames) {
  Target health = *parse_target("http://127.0.0.1/a").target;
  Target deep = health;
  health.name = "health";
  deep.name = "deep check";
  ResultStore store(ResultStore::Metrics::on);
  record(store, fetched(health, true));
  record(store, fetched(deep, false));

  EXPECT_EQ(store.urls().size(), 2u);
  EXPECT_EQ(store.urls().at({"http://127.0.0.1/a", "health"}).failures, 0u);
  EXPECT_EQ(store.urls().at({"http://127.0.0.1/a", "deep check"}).failures, 1u);
  auto const lines = summary_lines(store);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[1].starts_with("summary: health: 1 fetch(es), 0 failure(s)")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("summary: deep check: 1 fetch(es), 1 failure(s)")) << lines[2];
}

TEST(ResultStore, CancelledFetchIsNotRecorded) {
  Target const a = *parse_target("http://127.0.0.1/a").target;
  ResultStore store(ResultStore::Metrics::on);
  auto cancelled = fetched(a, false);
  cancelled.error = fetch_cancelled();
  record(store, cancelled);

  EXPECT_EQ(store.fetches(), 0u);
  EXPECT_EQ(store.failures(), 0u);
  EXPECT_TRUE(store.urls().empty());
}

TEST(ResultStore, AUrlAReloadDropsLeavesTheExpositionButStaysInTheSummary) {
  Target const kept = *parse_target("http://127.0.0.1/kept").target;
  Target const dropped = *parse_target("http://127.0.0.1/dropped").target;
  ResultStore store(ResultStore::Metrics::on);
  store.record_round(0ms);
  record(store, fetched(kept, true));
  record(store, fetched(dropped, false));

  store.expose_only({kept});

  EXPECT_EQ(render_metrics(store).find("/dropped"), std::string::npos) << render_metrics(store);
  auto const lines = summary_lines(store);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "summary: 1 round(s), 2 fetch(es), 1 failure(s)");
  EXPECT_EQ(lines[2],
            "summary: http://127.0.0.1/dropped: 1 fetch(es), 1 failure(s), no successful fetch");
}

// The round under way when a reload lands still fetches from the list it began with: those
// fetches count in the summary and bring no series back, even of a URL never fetched before.
TEST(ResultStore, AFetchFinishingAfterTheReloadThatDroppedItMakesNoSeries) {
  Target const kept = *parse_target("http://127.0.0.1/kept").target;
  Target const dropped = *parse_target("http://127.0.0.1/dropped").target;
  Target const unseen = *parse_target("http://127.0.0.1/unseen").target;
  ResultStore store(ResultStore::Metrics::on);
  record(store, fetched(dropped, true));

  store.expose_only({kept});
  record(store, fetched(dropped, false));
  record(store, fetched(unseen, true));
  record(store, fetched(kept, true));

  auto const text = render_metrics(store);
  EXPECT_EQ(text.find("/dropped"), std::string::npos) << text;
  EXPECT_EQ(text.find("/unseen"), std::string::npos) << text;
  EXPECT_NE(text.find("poller_up{url=\"http://127.0.0.1/kept\""), std::string::npos) << text;
  EXPECT_EQ(store.fetches(), 4u);
  EXPECT_EQ(first_seen_urls(store),
            (std::vector<std::string>{"http://127.0.0.1/dropped", "http://127.0.0.1/unseen",
                                      "http://127.0.0.1/kept"}));
  EXPECT_EQ(store.urls().at({"http://127.0.0.1/dropped", ""}).fetches, 2u);
}

TEST(ResultStore, AUrlListedAgainStartsAfreshInTheExpositionAndCountsOnInTheSummary) {
  Target const a = *parse_target("http://127.0.0.1/a").target;
  ResultStore store(ResultStore::Metrics::on);
  record(store, fetched(a, false));
  store.expose_only({});
  store.expose_only({a});

  record(store, fetched(a, true));

  auto const text = render_metrics(store);
  EXPECT_NE(text.find("poller_fetches_total{url=\"http://127.0.0.1/a\",name=\"http://127.0.0.1/a\",result=\"success\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("poller_fetches_total{url=\"http://127.0.0.1/a\",name=\"http://127.0.0.1/a\",result=\"failure\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(summary_lines(store).at(1).rfind(
                "summary: http://127.0.0.1/a: 2 fetch(es), 1 failure(s), min ", 0),
            0u);
}

TEST(ResultStore, RoundsFailuresAndConnectionsAreTotalsOverTheRun) {
  Target const a = *parse_target("http://127.0.0.1/a").target;
  Target const b = *parse_target("http://127.0.0.1/b").target;
  ResultStore store;
  for (int round = 0; round < 3; ++round) {
    store.record_round(1ms);
    auto opened = fetched(a, true);
    opened.connects = 1;
    record(store, opened);
    auto reused = fetched(b, false);
    reused.reused = true;
    record(store, reused);
  }
  store.expose_only({a});

  EXPECT_EQ(store.rounds(), 3u);
  EXPECT_EQ(store.round_lateness().count(), 3u);
  EXPECT_EQ(store.fetches(), 6u);
  EXPECT_EQ(store.failures(), 3u);
  EXPECT_EQ(store.connections_opened(), 3u);
  EXPECT_EQ(store.connections_reused(), 3u);
}

}  // namespace
}  // namespace poller
