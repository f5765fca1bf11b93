// Which proxy a request goes through, and the bytes sent to it: --proxy, --noproxy and the
// environment as curl reads them, no_proxy matching, absolute-form requests and CONNECT.

#include <gtest/gtest.h>

#include <map>

#include "proxy.hpp"
#include "request.hpp"
#include "usage_error.hpp"

namespace poller {
namespace {

Origin origin_of(std::string_view url) {
  auto parsed = parse_target(url);
  EXPECT_TRUE(parsed.target) << parsed.error;
  return parsed.target ? parsed.target->origin : Origin{};
}

// An environment that holds only `variables`.
ProxySettings::Environment environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
}

// The proxy a URL goes through ("http://host:port"), or "direct".
std::string route_of(const ProxySettings& settings, std::string_view url) {
  auto const* proxy = settings.for_origin(origin_of(url));
  return proxy == nullptr ? "direct" : proxy->display;
}

TEST(ParseProxy, TakesHostPortCredentialsAndDefaultsToHttpOnPort1080) {
  auto const proxy = parse_proxy("http://user:p%40ss@Proxy.Example.com:3128", "--proxy");
  EXPECT_EQ(proxy.host, "proxy.example.com");
  EXPECT_EQ(proxy.port, 3128);
  EXPECT_EQ(proxy.authorization, "Basic dXNlcjpwQHNz");  // user:p@ss
  EXPECT_EQ(proxy.display, "http://proxy.example.com:3128");

  auto const bare = parse_proxy("127.0.0.1", "http_proxy");
  EXPECT_EQ(bare.host, "127.0.0.1");
  EXPECT_EQ(bare.port, 1080);
  EXPECT_EQ(bare.authorization, "");
  EXPECT_EQ(parse_proxy("[::1]:8080", "--proxy").display, "http://[::1]:8080");
}

TEST(ParseProxy, RefusesOtherSchemesNamingTheSourceWithoutThePassword) {
  auto const parse_from = [](std::string_view source) {
    return [source](std::string_view text) { return parse_proxy(text, source); };
  };
  EXPECT_EQ(usage_error_of(parse_from("https_proxy"), "socks5://me:secret@127.0.0.1:1080"),
            "https_proxy \"socks5://me@127.0.0.1:1080\": unsupported proxy scheme \"socks5\" "
            "(only http:// proxies)");
  EXPECT_EQ(usage_error_of(parse_from("--proxy"), "https://127.0.0.1:3128"),
            "--proxy \"https://127.0.0.1:3128\": unsupported proxy scheme \"https\" (only http:// "
            "proxies)");
  EXPECT_EQ(usage_error_of(parse_from("--proxy"), "http://127.0.0.1:99999"),
            "--proxy \"http://127.0.0.1:99999\": bad port \"99999\"");
  // From the environment or the command line, on its way to a terminal: escaped.
  EXPECT_EQ(usage_error_of(parse_from("http_proxy"), "http://a\nb:1"),
            "http_proxy \"http://a\\nb:1\": not a proxy URL (expected http://HOST:PORT)");
}

TEST(ProxySettings, ProxyOptionOverridesTheEnvironmentAndAnEmptyOneMeansDirect) {
  auto const env = environment({{"http_proxy", "http://127.0.0.1:1"}, {"https_proxy", "127.0.0.1:2"}});
  auto const from_env = ProxySettings::from(std::nullopt, std::nullopt, env);
  EXPECT_EQ(route_of(from_env, "http://example.com/"), "http://127.0.0.1:1");
  EXPECT_EQ(route_of(from_env, "https://example.com/"), "http://127.0.0.1:2");

  auto const option = ProxySettings::from("127.0.0.1:3", std::nullopt, env);
  EXPECT_EQ(route_of(option, "http://example.com/"), "http://127.0.0.1:3");
  EXPECT_EQ(route_of(option, "https://example.com/"), "http://127.0.0.1:3");

  auto const none = ProxySettings::from("", std::nullopt, env);
  EXPECT_FALSE(none.any());
  EXPECT_EQ(route_of(none, "https://example.com/"), "direct");
}

TEST(ProxySettings, LowerCaseVariablesWinThenUpperCaseThenAllProxy) {
  auto const settings = ProxySettings::from(
      std::nullopt, std::nullopt,
      environment({{"https_proxy", "127.0.0.1:1"}, {"HTTPS_PROXY", "127.0.0.1:2"}, {"ALL_PROXY", "127.0.0.1:3"}}));
  EXPECT_EQ(route_of(settings, "https://example.com/"), "http://127.0.0.1:1");
  EXPECT_EQ(route_of(settings, "http://example.com/"), "http://127.0.0.1:3");

  auto const upper = ProxySettings::from(std::nullopt, std::nullopt,
                                         environment({{"HTTPS_PROXY", "127.0.0.1:2"}, {"HTTP_PROXY", "127.0.0.1:4"}}));
  EXPECT_EQ(route_of(upper, "https://example.com/"), "http://127.0.0.1:2");
  EXPECT_EQ(route_of(upper, "http://example.com/"), "http://127.0.0.1:4");
}

TEST(ProxySettings, UpperCaseHttpProxyIsIgnoredUnderCgiWhereItIsARequestHeader) {
  auto const settings = ProxySettings::from(
      std::nullopt, std::nullopt, environment({{"HTTP_PROXY", "127.0.0.1:4"}, {"REQUEST_METHOD", "GET"}}));
  EXPECT_EQ(route_of(settings, "http://example.com/"), "direct");
}

TEST(ProxySettings, AnUnusableVariableIsAUsageErrorNamingIt) {
  auto const from = [](std::string_view value) {
    return ProxySettings::from(std::nullopt, std::nullopt, environment({{"ALL_PROXY", std::string(value)}}));
  };
  EXPECT_EQ(usage_error_of(from, "socks5h://127.0.0.1:1080"),
            "ALL_PROXY \"socks5h://127.0.0.1:1080\": unsupported proxy scheme \"socks5h\" (only "
            "http:// proxies)");
}

TEST(ProxySettings, NoProxyFromTheEnvironmentOrTheOptionSendsHostsDirect) {
  auto const env = environment({{"https_proxy", "127.0.0.1:1"}, {"no_proxy", "internal.example"}});
  auto const from_env = ProxySettings::from(std::nullopt, std::nullopt, env);
  EXPECT_EQ(route_of(from_env, "https://api.internal.example/"), "direct");
  EXPECT_EQ(route_of(from_env, "https://example.com/"), "http://127.0.0.1:1");

  // --noproxy replaces no_proxy, and applies to --proxy too, as in curl.
  auto const option = ProxySettings::from("127.0.0.1:1", "example.com", env);
  EXPECT_EQ(route_of(option, "https://api.internal.example/"), "http://127.0.0.1:1");
  EXPECT_EQ(route_of(option, "https://example.com/"), "direct");
}

TEST(NoProxyList, NamesMatchThemselvesAndSubdomainsOnly) {
  auto const list = NoProxyList::parse(".Example.com, localhost");
  EXPECT_TRUE(list.matches("example.com"));
  EXPECT_TRUE(list.matches("www.example.com"));
  EXPECT_TRUE(list.matches("www.example.com."));
  EXPECT_TRUE(list.matches("localhost"));
  EXPECT_FALSE(list.matches("notexample.com"));
  EXPECT_FALSE(list.matches("example.com.evil.net"));
  EXPECT_FALSE(list.matches("127.0.0.1"));  // a name does not match an address
}

TEST(NoProxyList, AddressesAndCidrRangesMatchAddresses) {
  auto const list = NoProxyList::parse("10.0.0.0/8,192.168.1.7 [::1] fd00::/8, bad/xx");
  EXPECT_TRUE(list.matches("10.1.2.3"));
  EXPECT_TRUE(list.matches("192.168.1.7"));
  EXPECT_FALSE(list.matches("192.168.1.8"));
  EXPECT_FALSE(list.matches("11.0.0.1"));
  EXPECT_TRUE(list.matches("::1"));
  EXPECT_TRUE(list.matches("fd12::1"));
  EXPECT_FALSE(list.matches("fe80::1"));
  EXPECT_FALSE(list.matches("bad"));
}

TEST(NoProxyList, StarMatchesEverythingAndEmptyMatchesNothing) {
  EXPECT_TRUE(NoProxyList::parse("*").matches("example.com"));
  EXPECT_TRUE(NoProxyList::parse("*").matches("127.0.0.1"));
  EXPECT_TRUE(NoProxyList::parse(" , ").empty());
  EXPECT_FALSE(NoProxyList::parse("").matches("example.com"));
}

TEST(ProxyRoute, PlainHttpOriginsShareTheProxyConnectionAndHttpsOnesGetATunnelEach) {
  Proxy const proxy = parse_proxy("127.0.0.1:3128", "--proxy");
  auto const a = Route::to(origin_of("http://a.example/"), &proxy);
  auto const b = Route::to(origin_of("http://b.example:8080/"), &proxy);
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a.tunnelled());
  auto const tls_a = Route::to(origin_of("https://a.example/"), &proxy);
  auto const tls_b = Route::to(origin_of("https://b.example/"), &proxy);
  EXPECT_NE(tls_a, tls_b);
  EXPECT_TRUE(tls_a.tunnelled());
  EXPECT_NE(Route::to(origin_of("http://a.example/"), nullptr), a);
}

TEST(ProxyRequest, PlainHttpThroughAProxyUsesTheAbsoluteUrlWithoutUserinfo) {
  RequestConfig options;
  options.user_agent = "poller/test";
  Proxy const proxy = parse_proxy("http://me:secret@127.0.0.1:3128", "--proxy");
  auto const target = parse_target("http://user:pass@example.com:8080/a?b=1#frag").target.value();
  std::string out;
  RequestFormatter(options).format(target, {"GET", false}, true, &proxy, out);
  EXPECT_EQ(out,
            "GET http://example.com:8080/a?b=1 HTTP/1.1\r\n"
            "Host: example.com:8080\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "Authorization: Basic dXNlcjpwYXNz\r\n"
            "Proxy-Authorization: Basic bWU6c2VjcmV0\r\n"
            "\r\n");
}

TEST(ProxyRequest, ConnectNamesTheOriginsAuthorityWithIpv6InBrackets) {
  RequestConfig options;
  options.user_agent = "poller/test";
  Proxy const proxy = parse_proxy("http://me:secret@127.0.0.1:3128", "--proxy");
  std::string out;
  RequestFormatter(options).format_connect(origin_of("https://[::1]:8443/x"), proxy, out);
  EXPECT_EQ(out,
            "CONNECT [::1]:8443 HTTP/1.1\r\n"
            "Host: [::1]:8443\r\n"
            "User-Agent: poller/test\r\n"
            "Proxy-Authorization: Basic bWU6c2VjcmV0\r\n"
            "\r\n");
}

}  // namespace
}  // namespace poller
