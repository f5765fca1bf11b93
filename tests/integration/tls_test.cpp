// HTTPS: certificate chain and host name verification, SNI, trust store options.

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

// example.com is a real name; --resolve maps it to loopback, so no DNS query leaves the machine.
constexpr std::string_view mapped_host = "example.com";

struct TlsFixture : ::testing::Test {
  TestCa ca;
  TempDir dir;
  std::string ca_file = dir.write_file("ca.pem", ca.cert_pem());

  std::string resolve_flag(const TestServer& server) const {
    return std::string(mapped_host) + ":" + std::to_string(server.port()) + ":127.0.0.1";
  }
  std::string mapped_url(const TestServer& server, std::string_view path) const {
    return "https://" + std::string(mapped_host) + ":" + std::to_string(server.port()) +
           std::string(path);
  }
};

TEST_F(TlsFixture, HostMappedWithResolvePassesSniAndCertificateCheckOverOneConnection) {
  TestServer server({.tls = ca.issue({.dns_names = {std::string(mapped_host)}})});
  auto list = dir.write_file("list.txt", lines({mapped_url(server, "/a"), mapped_url(server, "/b")}));

  auto result = run_poller(
      {"--interval", "0", "--count", "2", "--cacert", ca_file, "--resolve", resolve_flag(server), list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n/b\n/a\n/b\n");
  EXPECT_EQ(server.connections_accepted(), 1u);
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].tls_server_name, mapped_host);
  EXPECT_EQ(requests[0].headers.at("host"), std::string(mapped_host) + ":" + std::to_string(server.port()));
}

TEST_F(TlsFixture, IpAddressUrlIsVerifiedAgainstTheCertificatesIpEntries) {
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})});
  auto list = dir.write_file("list.txt", lines({server.url("/ip")}));

  auto result = run_poller({"--once", "--cacert", ca_file, list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/ip\n");
}

// Each certificate or protocol flaw, with and without -k: tls_failure_test.cpp.

TEST_F(TlsFixture, InsecureAcceptsAnUntrustedCertificateAndWarnsOnce) {
  TestCa stranger("some other CA");
  TestServer server({.tls = stranger.issue({.dns_names = {"www.example.org"}})});
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));

  auto result = run_poller({"--interval", "0", "--count", "2", "-k", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n/a\n");
  EXPECT_EQ(count_of(result.err, "--insecure"), 1u) << result.err;
}

TEST_F(TlsFixture, SslCertFileEnvironmentVariableIsTheTrustStoreWithoutCacert) {
  TestServer server({.tls = ca.issue({.dns_names = {std::string(mapped_host)}})});
  auto list = dir.write_file("list.txt", lines({mapped_url(server, "/env")}));
  std::vector<std::string> argv{"/usr/bin/env", "SSL_CERT_FILE=" + ca_file, POLLER_BINARY,
                                "--once", "--resolve", resolve_flag(server), list};

  auto result = run_process(argv);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/env\n");
}

TEST_F(TlsFixture, SystemTrustStoreDoesNotTrustTheTestCa) {
  TestServer server({.tls = ca.issue({.dns_names = {std::string(mapped_host)}})});
  auto list = dir.write_file("list.txt", lines({mapped_url(server, "/a")}));
  std::vector<std::string> argv{"/usr/bin/env", "-u", "SSL_CERT_FILE", POLLER_BINARY, "--once",
                                "--resolve", resolve_flag(server), list};

  auto result = run_process(argv);

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("TLS certificate verification failed"), std::string::npos) << result.err;
}

TEST_F(TlsFixture, ServerClosingIdleTlsConnectionsCausesNoFailure) {
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}}), .close_idle_connections = true});
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));

  auto result = run_poller({"--interval", "0.3", "--count", "3", "--cacert", ca_file, list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("/a\n/b\n", 3));
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(server.connections_accepted(), 3u);
  EXPECT_EQ(server.requests_served(), 6u);
}

TEST_F(TlsFixture, PostOnATlsConnectionTheServerClosedWhileIdleGoesOnANewOne) {
  // The close (without close_notify, as nginx's keep-alive timeout) is seen while the connection
  // sits in the pool, before a byte of the POST is written: had it gone out on the dead
  // connection, it could not have been sent again, and the fetch would have failed.
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}}), .close_idle_connections = true});

  auto result = run_poller({"--count", "2", "--interval", "0.3", "--cacert", ca_file, "-d", "x=1",
                            server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_TRUE(server.unanswered_requests().empty());
}

TEST_F(TlsFixture, ConnectionAfterOneTheServerClosedWhileIdleResumesItsSession) {
  // Idle for over a second, the pooled connection is found closed before it is used, and its
  // session goes on to the next one. (Had a request gone out on it first, the read that found
  // it closed would have been a fatal TLS error, after which OpenSSL refuses to resume.)
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}}), .close_idle_connections = true});
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));

  auto result = run_poller({"--interval", "1.2", "--count", "2", "--cacert", ca_file, list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n/a\n");
  EXPECT_EQ(server.connections_accepted(), 2u);
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].tls_session_reused);
  EXPECT_TRUE(requests[1].tls_session_reused);
}

// A server that closes every connection after its response: each fetch needs a new handshake,
// and every one after the first resumes the session of the one before (a full handshake costs a
// round trip and the certificate check more). Both what poller reports and what the server saw.
struct TlsResumption : TlsFixture, ::testing::WithParamInterface<TlsVersion> {};

TEST_P(TlsResumption, EveryReconnectAfterTheFirstResumesTheSession) {
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}}),
                     .tls_max_version = GetParam(),
                     .connection_close = true});
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));

  auto result = run_poller(
      {"--interval", "0", "--count", "2", "--cacert", ca_file, "--format", "json", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, "\"tls_resumed\":false"), 1u) << result.out;
  EXPECT_EQ(count_of(result.out, "\"tls_resumed\":true"), 3u) << result.out;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(server.connections_accepted(), 4u);
  EXPECT_FALSE(requests[0].tls_session_reused);
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_TRUE(requests[i].tls_session_reused) << "request " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, TlsResumption,
                         ::testing::Values(TlsVersion::tls1_2, TlsVersion::tls1_3),
                         [](const auto& info) {
                           return info.param == TlsVersion::tls1_2 ? "Tls12" : "Tls13";
                         });

TEST_F(TlsFixture, UnreadableCacertIsAUsageError) {
  auto list = dir.write_file("list.txt", lines({"https://127.0.0.1:1/"}));
  auto bogus = dir.write_file("not-a-ca.pem", "not a certificate\n");

  auto result = run_poller({"--once", "--cacert", bogus, list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("cannot load CA certificates"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace poller::test
