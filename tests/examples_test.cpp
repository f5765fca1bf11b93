// The jq pipelines in examples/ run as a user runs them: `poller` found on PATH, jq reading its
// NDJSON, against a loopback test server.

#include <gtest/gtest.h>

#include <filesystem>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

ProcessResult run_example(const std::string& script, std::initializer_list<std::string> args) {
  auto const poller_dir = std::filesystem::path(POLLER_BINARY).parent_path().string();
  std::vector<std::string> argv{"/usr/bin/env", "PATH=" + poller_dir + ":/usr/bin:/bin", "/bin/sh",
                                std::string(POLLER_EXAMPLES_DIR) + "/" + script};
  argv.insert(argv.end(), args);
  return run_process(argv);
}

std::string refused_url(std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(closed_port()) + std::string(path);
}

TEST(Examples, AlertOnFailurePrintsTheUrlOfEachFailedFetchOnly) {
  TestServer server;
  TempDir dir;
  auto const down = refused_url("/down");
  auto list =
      dir.write_file("urls.txt", lines({server.url("/up"), down, server.url("/status/503")}));

  auto result = run_example("alert-on-failure.sh", {"--interval", "0", "--count", "2", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, down + "\n" + down + "\n");
}

TEST(Examples, AlertOnFailureWithFailAlsoReportsErrorStatuses) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("urls.txt", lines({server.url("/up"), server.url("/status/503")}));

  auto result = run_example("alert-on-failure.sh", {"--fail", "--once", list});

  EXPECT_EQ(result.out, server.url("/status/503") + "\n") << result.err;
}

TEST(Examples, SlowestListsSuccessfulFetchesSlowestFirst) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file(
      "urls.txt", lines({server.url("/fast"), server.url("/sleep/200"), refused_url("/down")}));

  auto result = run_example("slowest.sh", {list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
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

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "200\t2\n404\t1\nfailed\t1\n");
}

}  // namespace
}  // namespace poller::test
