// -w with curl's own spellings: the same fetch through curl and through poller prints the same.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

// Variables whose values do not depend on timing, so curl's and poller's must be equal.
constexpr std::string_view same_in_both =
    "%{http_code} %{response_code} %{content_type} [%header{content-type}] %{method} "
    "%{remote_port} %{scheme} %{size_header} %{size_download} %{num_redirects} %{http_version} "
    "%{url_effective} 100%%\\n";

ProcessResult curl(std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/curl", "-sS", "--max-time", "10", "-o", "/dev/null"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

TEST(WriteOutRun, CurlsSpellingsPrintWhatCurlPrintsOverHttp) {
  TestServer server;
  auto const url = server.url("/page");
  auto const from_curl = curl({"-w", std::string(same_in_both), url});
  auto const from_poller = run_poller({"--once", "--format", "none", "-w", std::string(same_in_both), url});
  ASSERT_EQ(from_curl.exit_code, 0) << from_curl.err;
  EXPECT_EQ(from_poller.exit_code, 0) << from_poller.err;
  EXPECT_EQ(from_poller.out, from_curl.out);
  EXPECT_NE(from_curl.out.find(" HTTP "), std::string::npos) << from_curl.out;
}

TEST(WriteOutRun, CurlsSpellingsPrintWhatCurlPrintsOverHttpsAndRedirects) {
  TestCa ca;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})});
  // Two redirects: size_header counts the headers of all three responses, as curl's does.
  auto const url = server.url("/redirect/2");
  auto const from_curl = curl({"-L", "--cacert", ca_file, "-w", std::string(same_in_both), url});
  auto const from_poller = run_poller(
      {"--once", "-L", "--cacert", ca_file, "--format", "none", "-w", std::string(same_in_both), url});
  ASSERT_EQ(from_curl.exit_code, 0) << from_curl.err;
  EXPECT_EQ(from_poller.exit_code, 0) << from_poller.err;
  EXPECT_EQ(from_poller.out, from_curl.out);
  EXPECT_NE(from_curl.out.find(" HTTPS "), std::string::npos) << from_curl.out;
}

// The request's size is the user agent's own; with curl's headers it is curl's count.
TEST(WriteOutRun, SizeRequestCountsTheRequestAsWritten) {
  TestServer server;
  auto const url = server.url("/anything");
  auto const seen = run_poller({"--once", "--format", "none", "-w", "%{size_request}", url});
  ASSERT_EQ(seen.exit_code, 0) << seen.err;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  // The request line and each header line, CRLF-terminated, and the empty line.
  std::size_t size = requests[0].method.size() + 1 + requests[0].target.size() + 11;
  for (auto const& [name, value] : requests[0].headers) size += name.size() + 2 + value.size() + 2;
  EXPECT_EQ(seen.out, std::to_string(size + 2));
}

TEST(WriteOutRun, TimesOfTheStepsBeforeTheTransferAreInOrder) {
  TestCa ca;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})});
  auto const result = run_poller(
      {"--once", "-L", "--cacert", ca_file, "--format", "none", "-w",
       "%{time_redirect} %{time_appconnect} %{time_pretransfer} %{time_total} %{speed_download}",
       server.url("/redirect/1")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  double redirect = 0, appconnect = 0, pretransfer = 0, total = 0, speed = 0;
  ASSERT_EQ(std::sscanf(result.out.c_str(), "%lf %lf %lf %lf %lf", &redirect, &appconnect,
                        &pretransfer, &total, &speed), 5) << result.out;
  EXPECT_GT(redirect, 0) << result.out;
  EXPECT_GT(appconnect, 0) << result.out;  // the first request's handshake
  EXPECT_GE(pretransfer, redirect) << result.out;
  EXPECT_GE(total, pretransfer) << result.out;
  // "redirected\n" over the whole fetch, in whole bytes a second; the total is printed to
  // the microsecond, so the speed lies between those from the total's two rounding bounds.
  EXPECT_GE(speed, std::floor(11 / (total + 0.5e-6))) << result.out;
  EXPECT_LE(speed, std::floor(11 / (total - 0.5e-6))) << result.out;
}

TEST(WriteOutRun, AnUnknownVariableIsAUsageErrorListingTheKnownOnes) {
  TestServer server;
  auto const result = run_poller({"--once", "-w", "%{time_pretransfr}", server.url("/a")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("unknown variable %{time_pretransfr}"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("%{time_pretransfer}"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("%header{NAME}"), std::string::npos) << result.err;
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace poller::test
