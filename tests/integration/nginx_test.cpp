// Against a server poller did not write: connection reuse as real nginx logs it
// ($connection, $connection_requests).

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/nginx.hpp"
#include "support/test_certs.hpp"

namespace poller::test {
namespace {

NginxOptions three_files() {
  return {.files = {{"/a.txt", "A\n"}, {"/b.txt", "B\n"}, {"/c.txt", "C\n"}}};
}

void expect_one_connection_in_order(const std::vector<AccessLogEntry>& log, std::size_t requests) {
  ASSERT_EQ(log.size(), requests);
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].connection, log[0].connection) << "request " << i + 1 << " on a new connection";
    EXPECT_EQ(log[i].connection_requests, i + 1);
    EXPECT_EQ(log[i].status, 200);
  }
}

TEST(Nginx, ThreeRoundsOfThreeUrlsPrintInListOrderOverOneConnection) {
  NginxServer nginx(three_files());
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({nginx.url("/a.txt"), nginx.url("/b.txt"), nginx.url("/c.txt")}));

  auto result = run_poller({"--interval", "0.2", "--count", "3", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("A\nB\nC\n", 3));
  expect_one_connection_in_order(nginx.access_log(9, std::chrono::seconds(2)), 9);
}

TEST(Nginx, HttpsRoundsReuseOneTlsConnection) {
  TestCa ca;
  TempDir dir;
  auto options = three_files();
  options.tls = ca.issue({.ip_addresses = {"127.0.0.1"}});
  NginxServer nginx(options);
  auto ca_file = dir.write_file("ca.pem", ca.cert_pem());
  auto list = dir.write_file("list.txt", lines({nginx.url("/a.txt"), nginx.url("/b.txt"), nginx.url("/c.txt")}));

  auto result = run_poller({"--interval", "0.2", "--count", "3", "--cacert", ca_file, list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("A\nB\nC\n", 3));
  expect_one_connection_in_order(nginx.access_log(9, std::chrono::seconds(2)), 9);
}

TEST(Nginx, KeepAliveTimeoutShorterThanTheIntervalIsHandledSilently) {
  auto options = three_files();
  options.keepalive_timeout_s = 1;
  NginxServer nginx(options);
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({nginx.url("/a.txt"), nginx.url("/b.txt")}));

  auto result = run_poller({"--interval", "1.5", "--count", "2", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "A\nB\nA\nB\n");
  EXPECT_EQ(result.err, "");
  auto const log = nginx.access_log(4, std::chrono::seconds(2));
  ASSERT_EQ(log.size(), 4u);
  // Within a round the connection is reused; nginx closed it between rounds.
  EXPECT_EQ(log[1].connection, log[0].connection);
  EXPECT_EQ(log[3].connection, log[2].connection);
  EXPECT_NE(log[2].connection, log[0].connection);
}

}  // namespace
}  // namespace poller::test
