// The checks end to end: --expect-status, --expect-body, --max-latency and --cert-expiry turn a
// fetch that arrived whole into a failure (exit status 1, one log line naming the URL and the
// reason, a `check` field in NDJSON) while the other URLs of the round go on as before.

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// The certificate's notAfter as poller writes it ("2026-11-29T01:07:10Z"), read by openssl(1)
// rather than by the code under test.
std::string not_after_of(const KeyPair& pair) {
  auto const result = run_process(
      {"/usr/bin/openssl", "x509", "-noout", "-enddate", "-dateopt", "iso_8601"}, pair.cert_pem);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // "notAfter=2026-11-29 01:07:10Z\n"
  auto text = result.out.substr(result.out.find('=') + 1);
  text.pop_back();
  text[text.find(' ')] = 'T';
  return text;
}

TEST(Checks, ExpectStatusFailsAStatusOutsideTheListEveryRoundWhileHealthyBodiesArePrinted) {
  TestServer server;
  TempDir dir;
  auto const failing = server.url("/status/503");
  auto list = dir.write_file("list.txt", lines({failing, server.url("/healthy")}));

  auto result =
      run_poller({"--expect-status", "200,204,300-399", "--interval", "0", "--count", "3", "-v",
                  list});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, "/healthy\n/healthy\n/healthy\n");
  EXPECT_EQ(log_messages(result.err),
            times(3, failing + ": check failed: status 503 not in 200,204,300-399"))
      << result.err;
  EXPECT_EQ(server.requests_served(), 6u);
}

TEST(Checks, ExpectStatusDecidesInsteadOfFail) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/status/404")}));

  auto accepted = run_poller({"--once", "-f", "--expect-status", "200,404", list});
  auto refused = run_poller({"--once", "-f", "--expect-status", "200", list});

  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_EQ(accepted.out, "status 404\n");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(log_messages(refused.err),
            times(1, server.url("/status/404") + ": check failed: status 404 not in 200"));
}

TEST(Checks, BadCheckOptionsAreUsageErrorsAndNothingIsFetched) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));

  auto status = run_poller({"--once", "--expect-status", "200,2x0", list});
  auto regex = run_poller({"--once", "--expect-body", "ok(", list});
  auto latency = run_poller({"--once", "--max-latency", "soon", list});
  auto days = run_poller({"--once", "--cert-expiry", "-3", list});

  EXPECT_EQ(status.exit_code, 2);
  EXPECT_NE(status.err.find("--expect-status: \"2x0\" is not a status"), std::string::npos)
      << status.err;
  EXPECT_EQ(regex.exit_code, 2);
  // PCRE2's own message, and where in the pattern it found the error.
  EXPECT_NE(regex.err.find("--expect-body \"ok(\": missing closing parenthesis at offset 3"),
            std::string::npos)
      << regex.err;
  EXPECT_EQ(latency.exit_code, 2);
  EXPECT_NE(latency.err.find("\"soon\" is not a duration"), std::string::npos) << latency.err;
  EXPECT_EQ(days.exit_code, 2);
  EXPECT_NE(days.err.find("--cert-expiry"), std::string::npos) << days.err;
  EXPECT_EQ(status.out + regex.out + latency.out + days.out, "");
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST(Checks, ExpectBodyPassesAMatchingBodyAndFailsOneThatDoesNotMatch) {
  TestServer server;
  TempDir dir;
  auto const other = server.url("/other");
  auto list = dir.write_file("list.txt", lines({server.url("/fine"), other}));

  // PCRE2: \A anchors at the start of the body, $ before its final newline.
  auto result = run_poller({"--once", "--expect-body", R"(\A/f\w+$)", list});
  auto all_match = run_poller({"--once", "--expect-body", "^/", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/fine\n");
  EXPECT_EQ(log_messages(result.err),
            times(1, other + R"(: check failed: body does not match "\A/f\w+$")"))
      << result.err;
  EXPECT_EQ(all_match.exit_code, 0) << all_match.err;
  EXPECT_EQ(all_match.out, "/fine\n/other\n");
}

TEST(Checks, ExpectBodyMatchesBinaryBodiesByteForByte) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/binary")}));

  // /binary is the bytes 0..255: NUL first, a newline among them (hence (?s)), invalid UTF-8
  // from 0x80 on.
  auto result = run_poller(
      {"--once", "--format", "none", "--expect-body", R"((?s)\A\x00\x01.*\xfe\xff\z)", list});
  auto wrong = run_poller({"--once", "--format", "none", "--expect-body", R"(\xff\xfe)", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("check failed: body does not match"), std::string::npos) << wrong.err;
}

TEST(Checks, MaxLatencyFailsASlowFetchWithoutPrintingItsBody) {
  TestServer server;
  TempDir dir;
  // Far apart, so that the quick fetch passes even on a loaded machine or under ASan.
  auto const slow = server.url("/sleep/1500");
  auto list = dir.write_file("list.txt", lines({server.url("/quick"), slow}));

  auto result = run_poller({"--once", "--max-latency", "1s", list});

  EXPECT_EQ(result.exit_code, 1);
  // The slow body arrived, but a failed fetch prints no body (as with -f).
  EXPECT_EQ(result.out, "/quick\n");
  auto const messages = log_messages(result.err);
  ASSERT_EQ(messages.size(), 1u) << result.err;
  EXPECT_TRUE(messages[0].starts_with(slow + ": check failed: took ")) << messages[0];
  EXPECT_TRUE(messages[0].ends_with(", over --max-latency 1s")) << messages[0];
}

TEST(Checks, WriteOutErrormsgShowsTheCheckThatFailed) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/status/503"), server.url("/ok")}));

  auto written = run_poller({"--once", "--format", "none", "--expect-status", "200", "-w",
                             "%{http_code} [%{errormsg}]\\n", list});

  EXPECT_EQ(written.exit_code, 1);
  EXPECT_EQ(written.out, "503 [check failed: status 503 not in 200]\n200 []\n");
}

struct CertExpiryCheck : ::testing::Test {
  TestCa ca;
  TempDir dir;
  std::string ca_file = dir.write_file("ca.pem", ca.cert_pem());
  KeyPair three_days = ca.issue({.ip_addresses = {"127.0.0.1"}, .not_after = 72h});
  std::string expiry = not_after_of(three_days);
};

TEST_F(CertExpiryCheck, CertificateExpiringWithinTheDaysFailsAndOneExpiringLaterPasses) {
  TestServer server({.tls = three_days});
  auto const url = server.url("/a");
  auto list = dir.write_file("list.txt", lines({url}));

  auto within = run_poller(
      {"--interval", "0", "--count", "2", "-v", "--cacert", ca_file, "--cert-expiry", "7", list});
  auto beyond = run_poller({"--once", "--cacert", ca_file, "--cert-expiry", "1", list});

  EXPECT_EQ(within.exit_code, 1);
  EXPECT_EQ(within.out, "");
  // The certificate was made a moment before the run: just under 3 days are left. The second
  // round goes over the reused connection and still knows the certificate.
  EXPECT_EQ(log_messages(within.err),
            times(2, url + ": check failed: certificate expires in 2 days 23 hours (" + expiry +
                         "), within --cert-expiry 7"))
      << within.err;
  EXPECT_EQ(server.connections_accepted(), 2u);  // one per run
  EXPECT_EQ(beyond.exit_code, 0) << beyond.err;
  EXPECT_EQ(beyond.out, "/a\n");
}

TEST_F(CertExpiryCheck, NdjsonNamesTheFailedCheckAndGivesTheCertificateExpiry) {
  TestServer https({.tls = three_days});
  TestServer http;
  auto list =
      dir.write_file("list.txt", lines({https.url("/a"), http.url("/status/503"), http.url("/b")}));

  auto result = run_poller({"--once", "--format", "json", "--cacert", ca_file, "--expect-status",
                            "200", "--cert-expiry", "7", list});

  EXPECT_EQ(result.exit_code, 1);
  auto fields = jq("[.ok, .check, .cert_expiry, (.error|type), (.body|type)]", result.out);
  ASSERT_EQ(fields.exit_code, 0) << fields.err << result.out;
  EXPECT_EQ(fields.out, "[false,\"cert_expiry\",\"" + expiry + "\",\"string\",\"null\"]\n" +
                            "[false,\"status\",null,\"string\",\"null\"]\n" +
                            "[true,null,null,\"null\",\"string\"]\n");
}

// Kept with the connection: a reused connection has had no handshake, and a resumed session
// carries the certificate of the handshake that made it.
TEST_F(CertExpiryCheck, CertificateExpiryIsKnownOnReusedAndOnResumedConnections) {
  TestServer keep_alive({.tls = three_days});
  TestServer closing({.tls = three_days, .connection_close = true});
  auto list = dir.write_file("list.txt", lines({keep_alive.url("/a"), closing.url("/b")}));

  auto result = run_poller({"--interval", "0", "--count", "2", "--format", "json", "--cacert",
                            ca_file, "--cert-expiry", "1", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto fields = jq("[.round, .reused, .tls_resumed, .cert_expiry]", result.out);
  ASSERT_EQ(fields.exit_code, 0) << fields.err << result.out;
  auto const at = "\"" + expiry + "\"]\n";
  EXPECT_EQ(fields.out, "[1,false,false," + at + "[1,false,false," + at + "[2,true,false," + at +
                            "[2,false,true," + at);
}

}  // namespace
}  // namespace poller::test
