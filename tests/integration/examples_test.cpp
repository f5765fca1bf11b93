// The jq pipelines in examples/ run as a user runs them: `poller` found on PATH, jq reading its
// NDJSON, against a loopback test server.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

ProcessResult run_example(const std::string& script, std::initializer_list<std::string> args) {
  auto const poller_dir = std::filesystem::path(POLLER_BINARY).parent_path().string();
  // Run as a user runs it, by its #! line.
  std::vector<std::string> argv{"/usr/bin/env", "PATH=" + poller_dir + ":/usr/bin:/bin",
                                std::string(POLLER_EXAMPLES_DIR) + "/" + script};
  argv.insert(argv.end(), args);
  return run_process(argv);
}

std::string refused_url(std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(closed_port()) + std::string(path);
}

TEST(Examples, AlertOnFailurePrintsEachChangeOfStateOnce) {
  TestServer server;
  TempDir dir;
  auto const down = refused_url("/down");
  auto const flapping = server.url("/statuses/503,200");
  auto list = dir.write_file("urls.txt", lines({server.url("/up"), down, flapping,
                                                server.url("/status/503")}));

  auto result = run_example("alert-on-failure.sh", {"--interval", "0", "--count", "2", list});

  EXPECT_EQ(result.exit_code, 1) << result.err;  // poller's: a fetch failed
  // Two failed rounds of /down are one event; without --fail a 503 is no failure.
  EXPECT_EQ(result.out, "down " + down + " connect: Connection refused\n");
}

TEST(Examples, AlertOnFailureWithFailAlsoReportsErrorStatusesAndTheRecovery) {
  TestServer server;
  TempDir dir;
  auto const flapping = server.url("/statuses/503,200");
  auto list = dir.write_file("urls.txt", lines({server.url("/up"), flapping}));

  auto result = run_example("alert-on-failure.sh", {"--fail", "--interval", "0", "--count", "2",
                                                    list});

  EXPECT_EQ(result.out, "down " + flapping + " HTTP status 503\nup " + flapping + "\n")
      << result.err;
}

// notify.sh as an --on-state hook: the event posted to a chat webhook as JSON, or printed.
TEST(Examples, NotifyPostsEachEventToTheWebhookOrPrintsIt) {
  TestServer server;
  TestServer webhook;
  auto const flapping = server.url("/statuses/503,200");
  auto const poller_dir = std::filesystem::path(POLLER_BINARY).parent_path().string();
  auto const hook = std::string(POLLER_EXAMPLES_DIR) + "/notify.sh";
  auto const run = [&](const std::string& webhook_url, const std::string& url) {
    return run_process({"/usr/bin/env", "PATH=" + poller_dir + ":/usr/bin:/bin",
                        "NOTIFY_WEBHOOK=" + webhook_url, POLLER_BINARY, "--fail", "--interval",
                        "0.2", "--count", "2", "--format", "none", "--on-state", hook, url});
  };
  auto const flapping_again = server.url("/statuses/503,200,200");

  auto posted = run(webhook.url("/hook"), flapping);
  auto printed = run("", flapping_again);

  EXPECT_EQ(posted.exit_code, 1) << posted.err;
  auto const requests = webhook.requests();
  ASSERT_EQ(requests.size(), 2u) << posted.err;
  std::vector<std::string> bodies{requests[0].body, requests[1].body};
  std::sort(bodies.begin(), bodies.end());
  EXPECT_TRUE(bodies[0].starts_with(R"({"text":"DOWN )" + flapping + ": HTTP status 503 (since "))
      << bodies[0];
  EXPECT_TRUE(bodies[1].starts_with(R"({"text":"UP )" + flapping + " after ")) << bodies[1];
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_NE(printed.err.find(flapping_again + ": --on-state: DOWN " + flapping_again +
                             ": HTTP status 503"),
            std::string::npos)
      << printed.err;
}

TEST(Examples, SlowestListsSuccessfulFetchesSlowestFirst) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file(
      "urls.txt", lines({server.url("/fast"), server.url("/sleep/200"), refused_url("/down")}));

  auto result = run_example("slowest.sh", {list});

  EXPECT_EQ(result.exit_code, 1) << result.err;  // poller's: /down failed
  auto const first = result.out.find(server.url("/sleep/200"));
  auto const second = result.out.find(server.url("/fast"));
  EXPECT_NE(first, std::string::npos) << result.out;
  EXPECT_NE(second, std::string::npos) << result.out;
  EXPECT_LT(first, second) << result.out;
  EXPECT_EQ(count_of(result.out, "\n"), 2u) << result.out;
  EXPECT_EQ(result.out.find("/down"), std::string::npos) << result.out;
}

TEST(Examples, StatusCountsCountsEachStatusAndTheFailures) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("urls.txt", lines({server.url("/a"), server.url("/b"),
                                                server.url("/status/404"), refused_url("/down")}));

  auto result = run_example("status-counts.sh", {list});

  EXPECT_EQ(result.exit_code, 1) << result.err;  // poller's: /down failed
  EXPECT_EQ(result.out, "200\t2\n404\t1\nfailed\t1\n");
}

TEST(Examples, EveryExampleKeepsPollersExitStatus) {
  TestServer server;
  TempDir dir;
  auto good = dir.write_file("urls.txt", lines({server.url("/a")}));
  auto const missing = dir.path() + "/nosuch.txt";

  // slowest.sh and status-counts.sh run one round of their own.
  for (auto const* script : {"slowest.sh", "status-counts.sh", "alert-on-failure.sh"}) {
    bool const one_round = std::string_view(script) != "alert-on-failure.sh";
    auto const bad_input = run_example(script, {one_round ? "-v" : "--once", missing});
    auto const fine = run_example(script, {one_round ? "-v" : "--once", good});
    EXPECT_EQ(bad_input.exit_code, 2) << script << ": " << bad_input.err;
    EXPECT_NE(bad_input.err.find("nosuch.txt: cannot read"), std::string::npos) << bad_input.err;
    EXPECT_EQ(fine.exit_code, 0) << script << ": " << fine.err;
  }
}

// The README's first command runs poller on examples/urls.txt; each URL there must be one that
// answers with the page itself, not a redirect (checked by form here, never fetched).
TEST(Examples, TheExampleListHasTheUrlsThatAnswerWithoutARedirect) {
  std::istringstream list(read_text_file(std::string(POLLER_EXAMPLES_DIR) + "/urls.txt"));
  std::vector<std::string> urls;
  for (std::string line; std::getline(list, line);) {
    if (!line.empty() && line.front() != '#') urls.push_back(line);
  }
  EXPECT_EQ(urls, (std::vector<std::string>{"https://example.com/", "https://www.google.com/",
                                            "https://x.com/"}));
}

}  // namespace
}  // namespace poller::test
