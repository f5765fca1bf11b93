// The bytes of each request: default headers, -A, -H overrides and removals, credentials; the
// method, the body and the headers that describe it; what a redirect does to the method.

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
  RequestFormatter const formatter(options);
  formatter.format(target_of(url), formatter.first_method(), to_listed_origin, nullptr, out);
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

RequestConfig with_body(std::string data, bool json = false) {
  auto options = with_headers({});
  options.body = RequestBody{std::move(data), json};
  return options;
}

TEST(Request, BodyIsAPostWithContentTypeAndLengthAfterTheHeader) {
  EXPECT_EQ(request_for(with_body("a=1&b=2"), "http://example.com/form"),
            "POST /form HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 7\r\n"
            "\r\n"
            "a=1&b=2");
}

TEST(Request, EmptyBodyStillSaysContentLengthZero) {
  EXPECT_EQ(request_for(with_body(""), "http://example.com/"),
            "POST / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(Request, JsonBodyAsksForJsonAndSaysItIsJson) {
  EXPECT_EQ(request_for(with_body("{}", true), "http://example.com/rpc"),
            "POST /rpc HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: application/json\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 2\r\n"
            "\r\n"
            "{}");
}

TEST(Request, HeaderOptionReplacesOrRemovesTheBodysContentTypeButNeverItsLength) {
  auto options = with_body("x", true);
  options.headers = {{"Content-Type", "text/plain"}, {"Accept", ""}, {"Content-Length", "99"}};
  EXPECT_EQ(request_for(options, "http://example.com/"),
            "POST / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Content-Length: 1\r\n"
            "Content-Type: text/plain\r\n"
            "\r\n"
            "x");
  options.headers = {{"content-type", ""}};
  EXPECT_EQ(request_for(options, "http://example.com/").find("ontent-Type"), std::string::npos);
}

TEST(Request, MethodOptionIsSentAsGivenWithOrWithoutABody) {
  auto options = with_body("x");
  options.method = "PUT";
  EXPECT_TRUE(request_for(options, "http://example.com/").starts_with("PUT / HTTP/1.1\r\n"));
  options.method = "GET";
  auto const get = request_for(options, "http://example.com/");
  EXPECT_TRUE(get.starts_with("GET / HTTP/1.1\r\n")) << get;
  EXPECT_TRUE(get.ends_with("Content-Length: 1\r\n\r\nx")) << get;
  options.body.reset();
  options.method = "DELETE";
  EXPECT_EQ(request_for(options, "http://example.com/"),
            "DELETE / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "\r\n");
}

TEST(Request, AfterARedirectDroppedTheBodyNothingDescribesIt) {
  auto options = with_body("a=1");
  options.headers = {
      {"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}, {"X-A", "a"}};
  std::string out;
  RequestFormatter(options).format(target_of("http://example.com/next"), {"GET", false}, true,
                                   nullptr, out);
  EXPECT_EQ(out,
            "GET /next HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "X-A: a\r\n"
            "\r\n");
  // Without any body, a Transfer-Encoding would announce one that never comes.
  options.body.reset();
  options.headers = {{"Transfer-Encoding", "chunked"}, {"X-A", "a"}};
  EXPECT_EQ(request_for(options, "http://example.com/next"), out);
}

// RFC 9112 6.3: Transfer-Encoding and Content-Length never both. As curl does, a -H
// Transfer-Encoding: chunked makes the body one chunk and the last chunk, without a length.
TEST(Request, ChunkedTransferEncodingFromAHeaderChunksTheBodyAndSendsNoContentLength) {
  auto options = with_body("abc");
  options.headers = {{"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}};
  EXPECT_EQ(request_for(options, "http://example.com/"),
            "POST / HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "User-Agent: poller/test\r\n"
            "Accept: */*\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\n"
            "\r\n"
            "3\r\nabc\r\n"
            "0\r\n\r\n");
  options.body->data = std::string(300, 'x');
  EXPECT_TRUE(request_for(options, "http://example.com/")
                  .ends_with("\r\n\r\n12c\r\n" + std::string(300, 'x') + "\r\n0\r\n\r\n"));
  // An empty body is the last chunk alone; codings before chunked are the user's to apply.
  options.body->data.clear();
  options.headers = {{"transfer-encoding", "gzip, Chunked"}};
  EXPECT_TRUE(request_for(options, "http://example.com/")
                  .ends_with("\r\ntransfer-encoding: gzip, Chunked\r\n\r\n0\r\n\r\n"));
}

TEST(Request, RedirectsTurnAPostIntoAGetAsCurlDoes) {
  RequestMethod const post{"POST", true};
  for (unsigned const status : {301u, 302u, 303u}) {
    EXPECT_EQ(after_redirect(post, status), (RequestMethod{"GET", false})) << status;
  }
  for (unsigned const status : {307u, 308u}) EXPECT_EQ(after_redirect(post, status), post);
}

TEST(Request, OnlyA303TurnsOtherMethodsIntoAGetAndNeverAHead) {
  RequestMethod const put{"PUT", true};
  for (unsigned const status : {301u, 302u, 307u, 308u})
    EXPECT_EQ(after_redirect(put, status), put);
  EXPECT_EQ(after_redirect(put, 303), (RequestMethod{"GET", false}));
  RequestMethod const head{"HEAD", false};
  EXPECT_EQ(after_redirect(head, 303), head);
  // A lower-case "post" is another method (methods are case-sensitive): kept on a 302.
  EXPECT_EQ(after_redirect({"post", true}, 302), (RequestMethod{"post", true}));
}

TEST(Request, IdempotentMethodsAreThoseOfRfc9110) {
  for (auto const method : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
    EXPECT_TRUE(is_idempotent(method)) << method;
  for (auto const method : {"POST", "PATCH", "CONNECT", "PROPFIND", "get", "put"})
    EXPECT_FALSE(is_idempotent(method)) << method;
}

}  // namespace
}  // namespace poller
