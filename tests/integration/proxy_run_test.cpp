// Proxies end to end, against a real tinyproxy on loopback: plain http through the proxy as
// absolute URLs, https through one CONNECT tunnel kept across rounds, proxy credentials, the
// environment variables and --noproxy, and a proxy that refuses or is down.

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"
#include "support/tinyproxy.hpp"

namespace poller::test {
namespace {

// tinyproxy adds "Via: 1.1 poller-test-proxy (tinyproxy/...)" to what it forwards; /headers
// echoes it.
constexpr std::string_view via_proxy = "via: 1.1 poller-test-proxy";

// poller with `variables` ("name=value") set in its environment.
ProcessResult run_poller_with(std::vector<std::string> variables, std::initializer_list<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/env"};
  argv.insert(argv.end(), variables.begin(), variables.end());
  argv.push_back(POLLER_BINARY);
  argv.insert(argv.end(), args);
  return run_process(argv);
}

std::string authority_of(const TestServer& server) { return "127.0.0.1:" + std::to_string(server.port()); }

struct ProxyFixture : ::testing::Test {
  TestCa ca;
  TempDir dir;
  std::string ca_file = dir.write_file("ca.pem", ca.cert_pem());
  KeyPair loopback_certificate = ca.issue({.ip_addresses = {"127.0.0.1"}});
};

TEST_F(ProxyFixture, PlainHttpGoesThroughTheProxyAsAnAbsoluteUrl) {
  TestServer server;
  Tinyproxy proxy;
  auto list = dir.write_file("list.txt", lines({server.url("/headers")}));

  auto result = run_poller({"--proxy", proxy.url(), "--count", "2", "--interval", "0", list});

  ASSERT_EQ(result.exit_code, 0) << result.err << proxy.log();
  EXPECT_EQ(count_of(result.out, via_proxy), 2u) << result.out;
  EXPECT_EQ(proxy.requests(), times(2, "GET " + server.url("/headers") + " HTTP/1.1"));
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[0].target, "/headers");  // the proxy's own request, origin-form
}

TEST_F(ProxyFixture, HttpsGoesThroughOneConnectTunnelKeptAcrossRounds) {
  TestServer server({.tls = loopback_certificate});
  Tinyproxy proxy;
  auto list = dir.write_file("list.txt", lines({server.url("/headers")}));

  auto result = run_poller(
      {"--proxy", proxy.url(), "--cacert", ca_file, "--count", "3", "--interval", "0", list});

  ASSERT_EQ(result.exit_code, 0) << result.err << proxy.log();
  EXPECT_EQ(proxy.requests(), std::vector<std::string>{"CONNECT " + authority_of(server) + " HTTP/1.1"});
  EXPECT_EQ(proxy.connections(), 1u);
  EXPECT_EQ(server.connections_accepted(), 1u);
  // TLS from poller to the server: the proxy saw none of the three requests.
  ASSERT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(count_of(result.out, "host: " + authority_of(server)), 3u) << result.out;
  EXPECT_EQ(count_of(result.out, "via:"), 0u) << result.out;
}

TEST_F(ProxyFixture, CredentialsInTheProxyUrlOpenTheProxyAndStayOutOfTheLog) {
  TestServer plain;
  TestServer secure({.tls = loopback_certificate});
  Tinyproxy proxy({.basic_auth = std::pair<std::string, std::string>("poller", "s3cret")});
  auto list = dir.write_file("list.txt", lines({plain.url("/a"), secure.url("/headers")}));
  auto const proxy_url = "http://poller:s3cret@127.0.0.1:" + std::to_string(proxy.port());

  auto result = run_poller({"--proxy", proxy_url, "--cacert", ca_file, "-f", "-v", "--once", list});

  ASSERT_EQ(result.exit_code, 0) << result.err << proxy.log();
  EXPECT_TRUE(result.out.starts_with("/a\n")) << result.out;
  // Proxy-Authorization went to the proxy, in the CONNECT; the server behind the tunnel never
  // saw it.
  EXPECT_EQ(count_of(result.out, "proxy-authorization"), 0u) << result.out;
  EXPECT_EQ(count_of(result.err, "s3cret"), 0u) << result.err;
}

TEST_F(ProxyFixture, WithoutCredentialsTheProxysRefusalIsTheReasonEveryRound) {
  TestServer plain;
  TestServer secure({.tls = loopback_certificate});
  Tinyproxy proxy({.basic_auth = std::pair<std::string, std::string>("poller", "s3cret")});
  auto list = dir.write_file("list.txt", lines({secure.url("/a"), plain.url("/a")}));

  auto result = run_poller({"--proxy", proxy.url(), "--cacert", ca_file, "-f", "--count", "2",
                            "--interval", "0", "-v", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  auto const refused = secure.url("/a") + ": proxy " + proxy.url() + " refused the tunnel to " +
                       authority_of(secure) + ": 407 Proxy Authentication Required";
  auto const status = plain.url("/a") + ": HTTP status 407";
  EXPECT_EQ(log_messages(result.err), (std::vector<std::string>{refused, status, refused, status}));
  EXPECT_EQ(secure.connections_accepted(), 0u);
  EXPECT_EQ(plain.requests_served(), 0u);
}

TEST_F(ProxyFixture, ARefusedTunnelFailsItsUrlWhileTheOthersGoOn) {
  TestServer plain;
  TestServer secure({.tls = loopback_certificate});
  Tinyproxy proxy({.connect_ports = {443}});
  auto list = dir.write_file("list.txt", lines({secure.url("/a"), plain.url("/healthy")}));

  auto result = run_poller({"--proxy", proxy.url(), "--cacert", ca_file, "--count", "2",
                            "--interval", "0", "-v", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/healthy\n/healthy\n");
  auto const messages = log_messages(result.err);
  ASSERT_EQ(messages.size(), 2u) << result.err;
  EXPECT_TRUE(messages[0].starts_with(secure.url("/a") + ": proxy " + proxy.url() +
                                      " refused the tunnel to " + authority_of(secure) + ": 403 "))
      << messages[0];
}

TEST_F(ProxyFixture, ADeadProxyFailsTheUrlsThatUseItAndNoproxyHostsGoDirect) {
  TestServer direct({.address = "127.0.0.2"});
  TestServer behind;
  auto const dead = closed_port();
  auto list = dir.write_file("list.txt", lines({behind.url("/a"), direct.url("/direct")}));

  auto result = run_poller({"--proxy", "127.0.0.1:" + std::to_string(dead), "--noproxy", "127.0.0.2",
                            "--count", "2", "--interval", "0", "-v", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/direct\n/direct\n");
  EXPECT_EQ(log_messages(result.err),
            times(2, behind.url("/a") + ": connect to proxy http://127.0.0.1:" + std::to_string(dead) +
                         ": Connection refused"));
  EXPECT_EQ(behind.connections_accepted(), 0u);
}

TEST_F(ProxyFixture, EnvironmentVariablesChooseTheProxyPerScheme) {
  TestServer plain;
  TestServer secure({.tls = loopback_certificate});
  Tinyproxy proxy;
  auto list = dir.write_file("list.txt", lines({plain.url("/headers"), secure.url("/headers")}));

  auto result = run_poller_with({"http_proxy=" + proxy.url(), "HTTPS_PROXY=" + proxy.url()},
                                {"--cacert", ca_file, "--once", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, via_proxy), 1u) << result.out;
  EXPECT_EQ(proxy.requests(), (std::vector<std::string>{"GET " + plain.url("/headers") + " HTTP/1.1",
                                                        "CONNECT " + authority_of(secure) + " HTTP/1.1"}));
}

TEST_F(ProxyFixture, NoProxyAndAnEmptyProxyOptionGoDirectDespiteTheEnvironment) {
  TestServer plain;
  Tinyproxy proxy;
  auto list = dir.write_file("list.txt", lines({plain.url("/headers")}));
  std::vector<std::string> const environment{"http_proxy=" + proxy.url(), "no_proxy=example.com, 127.0.0.0/8"};

  auto const no_proxy = run_poller_with(environment, {"--once", list});
  auto const empty_option = run_poller_with({"http_proxy=" + proxy.url()}, {"--proxy", "", "--once", list});
  // --noproxy replaces no_proxy: an empty list sends everything through the proxy again.
  auto const noproxy_option = run_poller_with(environment, {"--noproxy", "", "--once", list});

  ASSERT_EQ(no_proxy.exit_code, 0) << no_proxy.err;
  ASSERT_EQ(empty_option.exit_code, 0) << empty_option.err;
  ASSERT_EQ(noproxy_option.exit_code, 0) << noproxy_option.err;
  EXPECT_EQ(count_of(no_proxy.out + empty_option.out, "via:"), 0u);
  EXPECT_EQ(count_of(noproxy_option.out, via_proxy), 1u) << noproxy_option.out;
  EXPECT_EQ(proxy.requests().size(), 1u);
}

TEST_F(ProxyFixture, AnUnusableProxyVariableIsAUsageErrorBeforeAnyRequest) {
  TestServer plain;
  auto list = dir.write_file("list.txt", lines({plain.url("/a")}));

  auto result = run_poller_with({"all_proxy=socks5://127.0.0.1:1080"}, {"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "poller: all_proxy \"socks5://127.0.0.1:1080\": unsupported proxy scheme \"socks5\" "
            "(only http:// proxies)\n");
  EXPECT_EQ(plain.connections_accepted(), 0u);
}

// Our test server stands in for a keep-alive proxy here (tinyproxy closes the connection after
// each plain request): it answers every request with the request target, which through a proxy
// is the whole URL.
TEST_F(ProxyFixture, OneKeepAliveProxyConnectionCarriesEveryPlainHttpOriginAcrossRounds) {
  TestServer keep_alive_proxy;
  auto list = dir.write_file("list.txt", lines({"http://127.0.0.3:1111/a", "http://127.0.0.4:2222/b?c=d"}));

  auto result = run_poller({"--proxy", keep_alive_proxy.url(""), "--count", "2", "--interval", "0", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("http://127.0.0.3:1111/a\nhttp://127.0.0.4:2222/b?c=d\n", 2));
  EXPECT_EQ(keep_alive_proxy.connections_accepted(), 1u);
  auto const requests = keep_alive_proxy.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1].headers.at("host"), "127.0.0.4:2222");
}

}  // namespace
}  // namespace poller::test
