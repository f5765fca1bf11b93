// HttpClient in-process, on the test's own io_context, against the test server (on its thread):
// what the server saw (connections, requests) and what the client reported, no binary between.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "poller/client/http_client.hpp"
#include "poller/input/target.hpp"
#include "support/subprocess.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

// The wire error's message, for a failed assertion to show.
std::string why(const FetchResult& result) { return result.error ? result.error->message : ""; }

// Straight to the server, whatever proxy the environment names.
ClientConfig direct() {
  ClientConfig config;
  config.proxy = "";
  return config;
}

class HttpClientTest : public ::testing::Test {
 protected:
  // One fetch of `url`, run to its end.
  FetchResult fetch(HttpClient& client, const std::string& url,
                    const RequestConfig& request = {}) {
    auto parsed = parse_target(url);
    if (!parsed.target) throw std::runtime_error(parsed.error);
    auto const& target = targets_.emplace_back(std::move(*parsed.target));
    std::optional<FetchResult> result;
    boost::asio::co_spawn(io_, client.fetch(target, request, ++round_),
                          [&](std::exception_ptr error, FetchResult fetched) {
                            if (error) std::rethrow_exception(error);
                            result = std::move(fetched);
                            // The client's deadline timer stays armed between fetches.
                            io_.stop();
                          });
    io_.restart();
    io_.run();
    if (!result) throw std::runtime_error("the fetch did not end");
    return std::move(*result);
  }

  boost::asio::io_context io_{1};
  std::deque<Target> targets_;  // what the results point at
  std::uint64_t round_ = 0;
};

TEST_F(HttpClientTest, KeepAliveConnectionCarriesTheNextRequest) {
  TestServer server;
  HttpClient client(io_, direct(), false);
  auto const first = fetch(client, server.url("/counter"));
  auto const second = fetch(client, server.url("/counter"));
  client.shutdown();

  ASSERT_TRUE(first.ok()) << why(first);
  ASSERT_TRUE(second.ok()) << why(second);
  EXPECT_EQ(first.body, "count 1\n");
  EXPECT_EQ(second.body, "count 2\n");
  EXPECT_EQ(first.connects, 1u);
  EXPECT_FALSE(first.reused);
  EXPECT_EQ(second.connects, 0u);
  EXPECT_TRUE(second.reused);
  EXPECT_EQ(second.remote_ip, "127.0.0.1");
  EXPECT_EQ(server.connections_accepted(), 1u);
  auto const seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].connection_id, 1u);
}

TEST_F(HttpClientTest, StalePooledConnectionIsRetriedOnceOnANewOne) {
  TestServer server({.close_on_second_request = true});
  HttpClient client(io_, direct(), false);
  fetch(client, server.url("/a"));
  auto const second = fetch(client, server.url("/b"));
  client.shutdown();

  ASSERT_TRUE(second.ok()) << why(second);
  EXPECT_EQ(second.body, "/b\n");
  EXPECT_FALSE(second.reused);
  EXPECT_EQ(second.connects, 1u);
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(server.unanswered_requests().size(), 1u);
  auto const seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].target, "/b");
  EXPECT_EQ(seen[1].connection_id, 2u);
}

TEST_F(HttpClientTest, PostOnAStaleConnectionIsNotSentTwice) {
  TestServer server({.close_on_second_request = true});
  HttpClient client(io_, direct(), false);
  RequestConfig post;
  post.body = RequestBody{"x=1"};
  ASSERT_TRUE(fetch(client, server.url("/a"), post).ok());
  auto const second = fetch(client, server.url("/b"), post);
  client.shutdown();

  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error->kind, FetchErrorKind::connection);
  EXPECT_NE(why(second).find("not retried: POST is not idempotent"), std::string::npos)
      << why(second);
  EXPECT_EQ(server.connections_accepted(), 1u);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.unanswered_requests().size(), 1u);
}

TEST_F(HttpClientTest, RedirectsAreFollowedOverTheOneConnection) {
  TestServer server;
  HttpClient client(io_, direct(), false);
  RequestConfig follow;
  follow.follow_redirects = true;
  auto const result = fetch(client, server.url("/redirect/2"), follow);
  client.shutdown();

  ASSERT_TRUE(result.ok()) << why(result);
  EXPECT_EQ(result.status.value_or(0), 200u);
  EXPECT_EQ(result.redirects, 2u);
  EXPECT_EQ(result.body, "redirected\n");
  EXPECT_EQ(result.url_effective, server.url("/redirect/0"));
  EXPECT_EQ(server.connections_accepted(), 1u);
  auto const seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].target, "/redirect/2");
  EXPECT_EQ(seen[2].target, "/redirect/0");
}

// A response's fields live on the fetch's own memory, emptied for each response: a header far
// larger than the room kept inline comes whole after a redirect's, fetch after fetch over the one
// connection, and the final response's fields are handed over intact.
TEST_F(HttpClientTest, LargeHeaderAfterARedirectIsReadWholeAndKept) {
  TestServer server;
  auto config = direct();
  config.keep_headers = true;
  HttpClient client(io_, config, false);
  RequestConfig follow;
  follow.follow_redirects = true;
  auto const url = server.url("/redirect-to?url=/header-and-bytes/100");
  for (int fetched = 0; fetched < 3; ++fetched) {
    auto const result = fetch(client, url, follow);
    ASSERT_TRUE(result.ok()) << why(result);
    EXPECT_EQ(result.redirects, 1u);
    EXPECT_EQ(result.body.size(), 100u);
    ASSERT_NE(result.headers, nullptr);
    EXPECT_EQ(result.headers->get("X-Filler"), std::string(20000, 'x'));
    EXPECT_EQ(result.headers->get("Location"), "");  // the redirect's, gone with it
  }
  client.shutdown();
  EXPECT_EQ(server.connections_accepted(), 1u);
  EXPECT_EQ(server.requests().size(), 6u);
}

// The interim responses' fields do not outlive them: the final response's are its own.
TEST_F(HttpClientTest, FieldsOfInterimResponsesAreNotKeptWithTheFinalOnes) {
  TestServer server;
  auto config = direct();
  config.keep_headers = true;
  HttpClient client(io_, config, false);
  auto const result = fetch(client, server.url("/fault/interim"));
  client.shutdown();

  ASSERT_TRUE(result.ok()) << why(result);
  EXPECT_EQ(result.body, "after interim\n");
  ASSERT_NE(result.headers, nullptr);
  EXPECT_EQ(result.headers->get("Content-Type"), "text/plain");
  EXPECT_EQ(result.headers->get("Link"), "");
}

TEST_F(HttpClientTest, SecondTlsConnectionResumesTheSessionOfTheFirst) {
  TestCa ca;
  TempDir dir;
  TestServer server({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})});
  auto config = direct();
  config.tls.cacert = dir.write_file("ca.pem", ca.cert_pem());
  config.max_connections = 0;  // no pool: each fetch opens a connection of its own
  HttpClient client(io_, config, true);
  auto const first = fetch(client, server.url("/a"));
  auto const second = fetch(client, server.url("/b"));
  client.shutdown();

  ASSERT_TRUE(first.ok()) << why(first);
  ASSERT_TRUE(second.ok()) << why(second);
  EXPECT_FALSE(first.tls_resumed);
  EXPECT_TRUE(second.tls_resumed);
  EXPECT_TRUE(second.cert_expiry.has_value());
  EXPECT_EQ(second.connects, 1u);
  EXPECT_EQ(server.connections_accepted(), 2u);
  auto const seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[1].tls_session_reused);
  EXPECT_EQ(seen[1].tls_server_name, "");  // no SNI for an IP literal (RFC 6066 section 3)
}

}  // namespace
}  // namespace poller::test

namespace poller::test {
namespace {

// Happy eyeballs in-process: --resolve gives the race two addresses, the first of which drops
// SYNs; the second answers 250 ms later, long before the connect timeout.
TEST_F(HttpClientTest, ConnectRaceMovesOnFromAnAddressThatDropsSyns) {
  TestServer server;
  FullBacklogListener blackhole("::1", server.port());
  ASSERT_TRUE(blackhole.saturated());
  auto config = direct();
  config.resolve.push_back({"race.example", server.port(), {"::1", "127.0.0.1"}});
  HttpClient client(io_, config, false);
  RequestConfig request;
  request.connect_timeout = std::chrono::seconds(5);

  auto const start = std::chrono::steady_clock::now();
  auto const result =
      fetch(client, "http://race.example:" + std::to_string(server.port()) + "/r", request);

  EXPECT_FALSE(result.error) << why(result);
  EXPECT_EQ(result.remote_ip, "127.0.0.1");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(server.requests_served(), 1u);
}

// A port bound on 127.0.0.1 and ::1 that never listens, held until the test process ends: a
// connection to it is refused on both families.
std::uint16_t refusing_port() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    int const v4 = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof in;
    if (::bind(v4, reinterpret_cast<sockaddr*>(&in), sizeof in) != 0 ||
        ::getsockname(v4, reinterpret_cast<sockaddr*>(&in), &length) != 0) {
      throw std::runtime_error("cannot bind a loopback port");
    }
    int const v6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_loopback;
    in6.sin6_port = in.sin_port;
    if (::bind(v6, reinterpret_cast<sockaddr*>(&in6), sizeof in6) == 0) return ntohs(in.sin_port);
    ::close(v4);
    ::close(v6);
  }
  throw std::runtime_error("no port free on both 127.0.0.1 and ::1");
}

TEST_F(HttpClientTest, ConnectRaceThatNoAddressWinsNamesEachAttempt) {
  auto const port = refusing_port();
  auto config = direct();
  config.resolve.push_back({"down.example", port, {"127.0.0.1", "::1"}});
  HttpClient client(io_, config, false);

  auto const result = fetch(client, "http://down.example:" + std::to_string(port) + "/");

  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->message, "connect to 127.0.0.1 refused, ::1 refused");
}

}  // namespace
}  // namespace poller::test
