// The bytes of each request: default headers, -A, -H overrides and removals, credentials.

#include <gtest/gtest.h>

#include "request.hpp"

namespace poller {
namespace {

Target target_of(std::string_view url) {
  auto parsed = parse_target(url);
  EXPECT_TRUE(parsed.target) << parsed.error;
  return parsed.target.value_or(Target{});
}

std::string request_for(const RequestConfig& options, std::string_view url, bool to_listed_origin = true) {
  std::string out = "left over from the last request";
  RequestFormatter(options).format(target_of(url), to_listed_origin, nullptr, out);
  return out;
}

RequestConfig with_headers(std::vector<HeaderOption> headers) {
  RequestConfig options;
  options.user_agent = "poller/test";
  options.headers = std::move(headers);
  return options;
}

TEST(Request, DefaultsAreHostUserAgentAndAccept) {
  EXPECT_EQ(request_for(with_headers({}), "http://example.com:8080/a/b?q=1#frag"),
            "GET /a/b?q=1 HTTP/1.1\r\n"
            "Host: example.com:8080\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "\r\n");
}

TEST(Request, UserinfoBecomesBasicAuthorization) {
  EXPECT_EQ(request_for(with_headers({}), "http://user:pass@example.com/"),
            "GET / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "Authorization: Basic dXNlcjpwYXNz\r\n"
            "\r\n");
}

TEST(Request, HeaderOptionReplacesADefaultRemovesOneWhenEmptyAndTheLastOfANameCounts) {
  auto const options = with_headers({{"accept", "text/plain"},
                                     {"User-Agent", ""},
                                     {"X-Trace", "1"},
                                     {"X-Trace", "2"}});
  EXPECT_EQ(request_for(options, "http://example.com/"),
            "GET / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "accept: text/plain\r\n"
            "X-Trace: 2\r\n"
            "\r\n");
}

TEST(Request, EmptyUserAgentOptionSendsNone) {
  auto options = with_headers({});
  options.user_agent.clear();
  EXPECT_EQ(request_for(options, "http://example.com/"),
            "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
}

TEST(Request, CompressedAsksForGzipAndDeflateAfterAccept) {
  auto options = with_headers({});
  options.compressed = true;
  EXPECT_EQ(request_for(options, "http://example.com/"),
            "GET / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "Accept-Encoding: gzip, deflate\r\n"
            "\r\n");
}

TEST(Request, AcceptEncodingFromHeaderOptionReplacesOrRemovesCompressedsOwn) {
  auto options = with_headers({{"accept-encoding", "gzip"}});
  options.compressed = true;
  EXPECT_EQ(request_for(options, "http://example.com/"),
            "GET / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "accept-encoding: gzip\r\n"
            "\r\n");
  options.headers = {{"Accept-Encoding", ""}};
  EXPECT_EQ(request_for(options, "http://example.com/").find("ccept-Encoding"), std::string::npos);
}

TEST(Request, CredentialHeadersGoToTheListedOriginOnly) {
  auto const options = with_headers({{"Authorization", "Bearer t"}, {"Cookie", "c=1"}, {"X-A", "a"}});
  auto const listed = request_for(options, "http://example.com/", true);
  EXPECT_NE(listed.find("Authorization: Bearer t\r\n"), std::string::npos) << listed;
  EXPECT_NE(listed.find("Cookie: c=1\r\n"), std::string::npos) << listed;

  EXPECT_EQ(request_for(options, "http://other.example/", false),
            "GET / HTTP/1.1\r\n"
            "Host: other.example\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "X-A: a\r\n"
            "\r\n");
}

TEST(Request, CustomHostGoesToTheListedOriginOnlyAndARedirectElsewhereNamesItsOwnHost) {
  auto const options = with_headers({{"Host", "virtual.example"}});
  EXPECT_EQ(request_for(options, "http://127.0.0.1:8080/", true),
            "GET / HTTP/1.1\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "Host: virtual.example\r\n"
            "\r\n");
  EXPECT_EQ(request_for(options, "http://other.example/", false),
            "GET / HTTP/1.1\r\n"
            "Host: other.example\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "\r\n");
}

}  // namespace
}  // namespace poller
