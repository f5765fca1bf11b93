// Keep-alive reuse, stale connections, timeouts, redirects and limits, seen from the server's
// side and from what poller prints.

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

TEST(Transport, ThreeUrlsThreeRoundsOnOneHostUseExactlyOneConnection) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b"), server.url("/c")}));

  auto result = run_poller({"--interval", "0", "--count", "3", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("/a\n/b\n/c\n", 3));
  EXPECT_EQ(server.requests_served(), 9u);
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(Transport, DuplicateUrlsAreFetchedAsOftenAsListed) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/a")}));

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n/a\n");
}

TEST(Transport, ServerClosingIdleConnectionsBetweenRoundsCausesNoFailure) {
  TestServer server({.close_idle_connections = true});
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));

  auto result = run_poller({"--interval", "0.3", "--count", "3", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("/a\n/b\n", 3));
  EXPECT_EQ(result.err, "");
  // The server closed the connection after each round, so each round needed a new one; no
  // request was lost or sent twice.
  EXPECT_EQ(server.connections_accepted(), 3u);
  EXPECT_EQ(server.requests_served(), 6u);
}

TEST(Transport, PooledConnectionClosedAsTheNextRequestArrivesIsRetriedOnceSilently) {
  // The server closes each connection as its second request arrives, unanswered: every reuse of a
  // pooled connection fails before any byte of a response, and is retried on a new connection.
  TestServer server({.close_on_second_request = true});
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));

  auto result = run_poller({"--interval", "0", "--count", "3", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("/a\n/b\n", 3));
  EXPECT_EQ(result.err, "");
  // Each request was answered once, on a connection of its own: the five dropped on a reused
  // connection were each sent once more, on a new one.
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 6u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].connection_id, i + 1);
    EXPECT_EQ(requests[i].target, i % 2 == 0 ? "/a" : "/b");
  }
}

TEST(Transport, ConnectionRefusedFailsThatUrlAndTheRoundGoesOn) {
  TestServer server;
  TempDir dir;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/down";
  auto list = dir.write_file("list.txt", lines({refused, server.url("/up")}));

  auto result = run_poller({"--interval", "0", "--count", "2", "-v", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/up\n/up\n");
  EXPECT_EQ(count_of(result.err, refused + ": connect: Connection refused"), 2u) << result.err;
}

TEST(Transport, MaxTimeFailsASlowFetchAndTheNextUrlIsStillPrinted) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/sleep/5000"), server.url("/fast")}));

  auto result = run_poller({"--once", "--max-time", "300ms", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/fast\n");
  EXPECT_NE(result.err.find(server.url("/sleep/5000") + ": timed out after --max-time 300ms"),
            std::string::npos)
      << result.err;
}

TEST(Transport, MaxTimeZeroMeansNoLimit) {
  // As in curl; a limit of zero would fail every fetch.
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/sleep/100"), server.url("/fast")}));

  auto result = run_poller({"--once", "--max-time", "0", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "slept 100\n/fast\n");
}

TEST(Transport, ConnectTimeoutZeroMeansNoLimit) {
  // Over https: a loopback TCP connect completes before any timer can fire, a TLS handshake not.
  TestCa ca;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})});
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));

  auto result = run_poller({"--once", "--connect-timeout", "0", "--cacert", ca_file, list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n/b\n");
}

TEST(Transport, BodyLargerThanMaxFilesizeFailsAndNothingOfItIsPrinted) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file(
      "list.txt", lines({server.url("/bytes/2048"), server.url("/bytes/1024"), server.url("/ok")}));

  auto result = run_poller({"--once", "--max-filesize", "1k", list});

  EXPECT_EQ(result.exit_code, 1);
  ASSERT_EQ(result.out.size(), 1024u + 4u);
  EXPECT_EQ(result.out.substr(1024), "/ok\n");
  EXPECT_NE(result.err.find(server.url("/bytes/2048") + ": body larger than --max-filesize (1024 bytes)"),
            std::string::npos)
      << result.err;
}

TEST(Transport, TruncatedBodyFailsAndWritesNothing) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/truncate/1000"), server.url("/ok")}));

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/ok\n");
  EXPECT_EQ(count_of(result.err, server.url("/truncate/1000") + ": "), 1u) << result.err;
}

TEST(Transport, LargeBodyArrivesByteForByte) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/bytes/300000")}));

  auto result = run_poller({"--once", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(result.out.size(), 300000u);
  for (std::size_t i = 0; i < result.out.size(); ++i) {
    ASSERT_EQ(result.out[i], static_cast<char>('a' + i % 26)) << "at byte " << i;
  }
}

// The read buffer starts at 4 KiB and grows while a response fills it (client/read_buffer.hpp):
// a 20 KB header (Beast parses a header only once it is whole in the buffer) and a 300 KB body
// still arrive whole, over http and https, and the connection is reused after them.
TEST(Transport, HeaderAndBodyLargerThanTheFirstReadBufferArriveWhole) {
  TestCa ca;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer plain, tls({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})});
  for (auto* server : {&plain, &tls}) {
    auto list = dir.write_file("list.txt", lines({server->url("/header-and-bytes/100"),
                                                  server->url("/header-and-bytes/300000")}));

    auto result = run_poller({"--once", "--cacert", ca_file, list});

    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::string expected;
    for (std::size_t size : {100u, 300000u}) {
      for (std::size_t i = 0; i < size; ++i) expected += static_cast<char>('a' + i % 26);
    }
    EXPECT_TRUE(result.out == expected)
        << result.out.size() << " bytes: " << result.out.substr(0, 100);
    EXPECT_EQ(server->connections_accepted(), 1u);
  }
}

TEST(Transport, RedirectsAreFollowedWithLocation) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/redirect/3")}));

  auto followed = run_poller({"--once", "-L", list});
  auto not_followed = run_poller({"--once", list});

  EXPECT_EQ(followed.exit_code, 0) << followed.err;
  EXPECT_EQ(followed.out, "redirected\n");
  EXPECT_EQ(not_followed.exit_code, 0) << not_followed.err;
  EXPECT_EQ(not_followed.out.find("redirected"), std::string::npos);
  // Every hop went over the one keep-alive connection.
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST(Transport, MoreRedirectsThanMaxRedirsFail) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/redirect/3"), server.url("/ok")}));

  auto result = run_poller({"--once", "-L", "--max-redirs", "2", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/ok\n");
  EXPECT_NE(result.err.find(server.url("/redirect/3") + ": maximum number of redirects (2) followed"),
            std::string::npos)
      << result.err;
}

TEST(Transport, RedirectToAnotherSchemeFails) {
  TestServer server;
  TempDir dir;
  auto const to_ftp = server.url("/redirect-to?url=ftp%3A%2F%2F127.0.0.1%2Ffile");
  auto const to_file = server.url("/redirect-to?url=file%3A%2F%2F%2Fetc%2Fpasswd");
  auto list = dir.write_file("list.txt", lines({to_ftp, to_file, server.url("/ok")}));

  auto result = run_poller({"--interval", "0", "--count", "2", "-L", "-v", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/ok\n/ok\n");
  auto const ftp_error = to_ftp + ": redirect to unsupported scheme \"ftp\" (only http and https)";
  auto const file_error = to_file + ": redirect to unsupported scheme \"file\" (only http and https)";
  EXPECT_EQ(log_messages(result.err),
            (std::vector<std::string>{ftp_error, file_error, ftp_error, file_error}))
      << result.err;
  // Nothing but the two redirects and /ok reached the server, in each round.
  EXPECT_EQ(server.requests_served(), 6u);
}

TEST(Transport, CredentialsAreNotSentOnToAnotherHost) {
  TestServer first;
  TestServer other({.address = "127.0.0.2"});
  TempDir dir;
  auto const elsewhere = "http%3A%2F%2F127.0.0.2%3A" + std::to_string(other.port()) + "%2Fheaders";
  auto const listed = "http://user:secret@127.0.0.1:" + std::to_string(first.port()) +
                      "/redirect-to?url=" + elsewhere;
  auto list = dir.write_file("list.txt", lines({listed}));

  auto result = run_poller({"--once", "-L", "-H", "Cookie: session=1", "-H", "X-Trace: 7", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const to_first = first.requests();
  ASSERT_EQ(to_first.size(), 1u);
  auto const& sent_first = to_first[0].headers;
  EXPECT_EQ(sent_first.at("authorization"), "Basic dXNlcjpzZWNyZXQ=");
  EXPECT_EQ(sent_first.at("cookie"), "session=1");
  auto const to_other = other.requests();
  ASSERT_EQ(to_other.size(), 1u);
  auto const& sent_other = to_other[0].headers;
  EXPECT_EQ(sent_other.count("authorization"), 0u);
  EXPECT_EQ(sent_other.count("cookie"), 0u);
  EXPECT_EQ(sent_other.at("x-trace"), "7");
}

TEST(Transport, RequestCarriesHostUserAgentAndHeaderOptions) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/headers")}));

  auto result = run_poller({"--once", "-A", "probe/1", "-H", "Accept: text/plain", "-H",
                            "X-Empty:", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("host: 127.0.0.1:" + std::to_string(server.port()) + "\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("user-agent: probe/1\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("accept: text/plain\n"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("x-empty"), std::string::npos) << result.out;
}

TEST(Transport, PasswordNeverAppearsInAnyOutput) {
  TempDir dir;
  auto list = dir.write_file(
      "list.txt", lines({"http://user:hunter2@127.0.0.1:" + std::to_string(closed_port()) + "/"}));

  auto result = run_poller({"--once", "-v", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("http://user@127.0.0.1:"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("hunter2"), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace poller::test
