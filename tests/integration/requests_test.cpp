// Requests beyond GET (SPEC "Requests"): -X, -d, --data-binary, --json, HEAD, the rule that a
// request which is not idempotent is never sent twice, and what a redirect does to the method.
// Each test looks at what the server received.

#include <gtest/gtest.h>

#include <algorithm>

#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

// The one request the server received (an empty record, and a test failure, if it got another
// number of them).
RecordedRequest only_request(const TestServer& server) {
  auto const requests = server.requests();
  EXPECT_EQ(requests.size(), 1u);
  return requests.size() == 1 ? requests[0] : RecordedRequest{};
}

std::string header_of(const RecordedRequest& request, const std::string& name) {
  auto const found = request.headers.find(name);
  return found == request.headers.end() ? std::string("(none)") : found->second;
}

TEST(Requests, MethodFromRequestOptionIsSentAsGiven) {
  for (std::string const method : {"PUT", "DELETE", "PATCH", "OPTIONS"}) {
    TestServer server;

    auto result = run_poller({"--once", "-X", method, server.url("/anything")});

    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(result.out.starts_with("method: " + method + "\n")) << result.out;
    auto const request = only_request(server);
    EXPECT_EQ(request.method, method);
    EXPECT_EQ(request.body, "");
    EXPECT_EQ(header_of(request, "content-length"), "(none)");
  }
}

TEST(Requests, DataIsAFormPostWithContentLength) {
  TestServer server;

  auto result = run_poller({"--once", "-d", "name=poller&v=1", server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const request = only_request(server);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, "name=poller&v=1");
  EXPECT_EQ(header_of(request, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header_of(request, "content-length"), "15");
  EXPECT_EQ(header_of(request, "accept"), "*/*");
  // The echo comes back as the body poller prints.
  EXPECT_TRUE(result.out.ends_with("\nname=poller&v=1")) << result.out;
}

TEST(Requests, SeveralDataOptionsAreJoinedWithAnAmpersandAsCurlDoes) {
  TestServer server;
  TempDir dir;
  auto const file = dir.write_file("form.txt", "c=3\r\n");

  auto result = run_poller(
      {"--once", "-d", "a=1", "--data-binary", "b=2", "-d", "@" + file, server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const request = only_request(server);
  EXPECT_EQ(request.body, "a=1&b=2&c=3");
}

TEST(Requests, DataFromAFileDropsItsLineBreaks) {
  TestServer server;
  TempDir dir;
  auto const file = dir.write_file("form.txt", "name=poller\r\n&list=a,\nb\n");

  auto result = run_poller({"--once", "-d", "@" + file, server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const request = only_request(server);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, "name=poller&list=a,b");
}

TEST(Requests, DataBinaryFromAFileSendsItsBytesExactly) {
  TestServer server;
  TempDir dir;
  std::string const bytes("line one\r\nline two\n\0after a NUL\xff", 33);
  auto const file = dir.write_file("payload.bin", bytes);

  auto result = run_poller({"--once", "--data-binary", "@" + file, server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const request = only_request(server);
  EXPECT_EQ(request.body, bytes);
  EXPECT_EQ(header_of(request, "content-length"), "33");
}

TEST(Requests, JsonSetsContentTypeAndAcceptAndIsSentAsGiven) {
  TestServer server;
  TempDir dir;
  auto const file = dir.write_file("call.json", "{\"jsonrpc\": \"2.0\",\n");

  auto result = run_poller(
      {"--once", "--json", "@" + file, "--json", " \"id\": 1}", server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const request = only_request(server);
  EXPECT_EQ(request.method, "POST");
  // Pieces of --json are joined without '&', and a file's line breaks are kept.
  EXPECT_EQ(request.body, "{\"jsonrpc\": \"2.0\",\n \"id\": 1}");
  EXPECT_EQ(header_of(request, "content-type"), "application/json");
  EXPECT_EQ(header_of(request, "accept"), "application/json");
}

TEST(Requests, HeaderOptionReplacesTheBodysContentTypeAndRequestOptionTheMethod) {
  TestServer server;

  auto result = run_poller({"--once", "-X", "PUT", "-H", "Content-Type: text/csv", "-d", "a,b",
                            server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const request = only_request(server);
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.body, "a,b");
  EXPECT_EQ(header_of(request, "content-type"), "text/csv");
}

TEST(Requests, GetWithABodyIsAllowedAsInCurl) {
  TestServer server;

  auto result = run_poller({"--once", "-X", "GET", "-d", "q=1", server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const request = only_request(server);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.body, "q=1");
}

TEST(Requests, HeadResponsesHaveNoBodyAndTheConnectionIsReused) {
  // The server's HEAD answers say Content-Length as a GET's would, and send no body: read as a
  // GET's, each would wait for bytes that never come.
  TestServer server;

  auto result = run_poller({"--count", "2", "--interval", "0", "-m", "5s", "-X", "HEAD", "--format",
                            "json", server.url("/bytes/1000"), server.url("/a")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const sizes = jq(".bytes, .status, .reused", result.out);
  EXPECT_EQ(sizes.out, "0\n200\nfalse\n0\n200\ntrue\n0\n200\ntrue\n0\n200\ntrue\n") << result.out;
  EXPECT_EQ(server.requests_served(), 4u);
  EXPECT_EQ(server.connections_accepted(), 1u);
  for (auto const& request : server.requests()) EXPECT_EQ(request.method, "HEAD");
}

TEST(Requests, PostIsNotSentAgainWhenAReusedConnectionClosesAfterIt) {
  // The server answers the first request of each connection and closes the connection, without
  // an answer, once it has read the second: it may have acted on that POST, so it is not resent.
  TestServer server({.close_on_second_request = true});
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/first"), server.url("/second")}));

  auto result = run_poller({"--once", "-d", "x=1", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(server.url("/second") +
                            ": server closed the connection without a response (a reused "
                            "connection, after the POST was sent; not retried: POST is not "
                            "idempotent)"),
            std::string::npos)
      << result.err;
  auto const answered = server.requests();
  auto const unanswered = server.unanswered_requests();
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].target, "/first");
  ASSERT_EQ(unanswered.size(), 1u);
  EXPECT_EQ(unanswered[0].target, "/second");
  EXPECT_EQ(unanswered[0].method, "POST");
  EXPECT_EQ(unanswered[0].body, "x=1");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(Requests, PostIsNotSentAgainOverHttpsEither) {
  // Over TLS what was written is counted in records: the POST's went out, so no retry.
  TestCa ca;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer server(
      {.tls = ca.issue({.ip_addresses = {"127.0.0.1"}}), .close_on_second_request = true});
  auto list = dir.write_file("list.txt", lines({server.url("/first"), server.url("/second")}));

  auto result = run_poller({"--once", "--cacert", ca_file, "--json", "{}", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("(a reused connection, after the POST was sent; not retried: POST is "
                            "not idempotent)"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(server.requests().size(), 1u);
  ASSERT_EQ(server.unanswered_requests().size(), 1u);
  EXPECT_EQ(server.unanswered_requests()[0].body, "{}");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(Requests, IdempotentRequestsAreResentWhenAReusedConnectionClosesAfterThem) {
  // PUT with a body and GET alike: sent again on a new connection, and no failure.
  for (std::string const method : {"PUT", "GET"}) {
    TestServer server({.close_on_second_request = true});
    TempDir dir;
    auto list = dir.write_file("list.txt", lines({server.url("/first"), server.url("/second")}));

    auto result = run_poller({"--once", "-X", method, "-d", "x=1", list});

    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    auto const answered = server.requests();
    ASSERT_EQ(answered.size(), 2u);
    EXPECT_EQ(answered[1].target, "/second");
    EXPECT_EQ(answered[1].connection_id, 2u);
    EXPECT_EQ(answered[1].body, "x=1");
    ASSERT_EQ(server.unanswered_requests().size(), 1u);
  }
}

TEST(Requests, PostOnAConnectionTheServerClosedWhileIdleGoesOnANewOneWithoutFailing) {
  // Found closed before a byte of the request was written: nothing was sent, any method is safe.
  TestServer server({.close_idle_connections = true});

  auto result =
      run_poller({"--count", "2", "--interval", "0.3", "-d", "x=1", server.url("/anything")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_TRUE(server.unanswered_requests().empty());
}

// -H 'Transfer-Encoding: chunked' with a body: the body goes as chunks, and without the
// Content-Length that would contradict them (RFC 9112 6.3: a server that honours the one and a
// proxy that honours the other would read different requests).
TEST(Requests, ChunkedTransferEncodingFromAHeaderChunksTheBodyWithoutContentLength) {
  TestServer server;
  TempDir dir;
  auto const list = dir.write_file(
      "list.txt", server.url("/anything/line") + " -H 'Transfer-Encoding: chunked' -d abc\n");

  auto cli = run_poller(
      {"--once", "-H", "Transfer-Encoding: chunked", "-d", "abc", server.url("/anything/cli")});
  auto line = run_poller({"--once", list});

  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(line.exit_code, 0) << line.err;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (auto const& request : requests) {
    SCOPED_TRACE(request.target);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.body, "abc");  // the server decoded the chunks
    EXPECT_EQ(header_of(request, "transfer-encoding"), "chunked");
    EXPECT_EQ(header_of(request, "content-length"), "(none)");
  }
  // Both requests were whole: the connection of each stayed usable to its end.
  EXPECT_TRUE(cli.out.ends_with("\nabc")) << cli.out;
}

TEST(Requests, ARedirectThatDropsAChunkedBodyDropsItsTransferEncoding) {
  TestServer server;

  auto result =
      run_poller({"--once", "-L", "-H", "Transfer-Encoding: chunked", "-d", "abc",
                  server.url("/redirect-to?url=/anything&status=303")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(header_of(requests[0], "transfer-encoding"), "chunked");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].body, "");
  EXPECT_EQ(header_of(requests[1], "transfer-encoding"), "(none)");
  EXPECT_EQ(header_of(requests[1], "content-length"), "(none)");
}

TEST(Requests, ATransferEncodingThatDoesNotEndInChunkedIsAUsageOrInputError) {
  TestServer server;
  TempDir dir;
  auto const list = dir.write_file(
      "list.txt", server.url("/a") + "\n" + server.url("/b") +
                      " -d abc -H 'Transfer-Encoding: gzip'\n");

  auto cli = run_poller(
      {"--once", "-H", "Transfer-Encoding: chunked, gzip", "-d", "abc", server.url("/a")});
  auto line = run_poller({"--once", list});

  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_EQ(cli.err,
            "poller: header \"Transfer-Encoding: chunked, gzip\": a body is framed by chunked "
            "only; give 'Transfer-Encoding: chunked' (or none, for Content-Length)\n");
  EXPECT_EQ(line.exit_code, 2);
  EXPECT_NE(line.err.find(list + ":2: header \"Transfer-Encoding: gzip\": a body is framed by "
                                 "chunked only"),
            std::string::npos)
      << line.err;
  EXPECT_EQ(server.requests_served(), 0u);
}

struct RedirectCase {
  std::string method;  // -X, or "" for the POST of -d
  unsigned status;
  std::string followed_with;  // the method of the request after the redirect
  bool body_kept;
};

TEST(Requests, RedirectsChangeTheMethodAsCurlDoes) {
  RedirectCase const cases[] = {
      {"", 301, "GET", false},   {"", 302, "GET", false},    {"", 303, "GET", false},
      {"", 307, "POST", true},   {"", 308, "POST", true},    {"PUT", 301, "PUT", true},
      {"PUT", 302, "PUT", true}, {"PUT", 303, "GET", false}, {"DELETE", 307, "DELETE", true},
  };
  for (auto const& expected : cases) {
    SCOPED_TRACE(expected.method + " " + std::to_string(expected.status));
    TestServer server;
    auto const url =
        server.url("/redirect-to?url=/anything&status=" + std::to_string(expected.status));
    std::vector<std::string> args{POLLER_BINARY,
                                  "--once",
                                  "-L",
                                  "-m",
                                  "5s",
                                  "-d",
                                  "a=1",
                                  "-H",
                                  "Content-Type: text/plain",
                                  url};
    if (!expected.method.empty()) args.insert(args.begin() + 1, {"-X", expected.method});

    auto result = run_process(args);

    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto const requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    auto const& followed = requests[1];
    EXPECT_EQ(followed.target, "/anything");
    EXPECT_EQ(followed.method, expected.followed_with);
    EXPECT_EQ(followed.body, expected.body_kept ? "a=1" : "");
    // What described the body goes with it, -H Content-Type included.
    EXPECT_EQ(header_of(followed, "content-type"), expected.body_kept ? "text/plain" : "(none)");
    EXPECT_EQ(header_of(followed, "content-length"), expected.body_kept ? "3" : "(none)");
  }
}

TEST(Requests, ListLinesGiveTheirOwnMethodAndBodyWithFilesRelativeToTheList) {
  TestServer server;
  TempDir dir;
  dir.write_file("lists/call.json", "{\"jsonrpc\":\"2.0\"}\n");
  auto const list = dir.write_file(
      "lists/checks.txt", server.url("/anything/put") + " -X PUT\n" +
                              server.url("/anything/rpc") + " --json @call.json\n" +
                              server.url("/anything/head") + " -X HEAD\n" +
                              server.url("/anything/cli") + "\n");

  auto result = run_poller({"--once", "-d", "cli=1", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].body, "cli=1");
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].body, "{\"jsonrpc\":\"2.0\"}\n");
  EXPECT_EQ(header_of(requests[1], "content-type"), "application/json");
  EXPECT_EQ(requests[2].method, "HEAD");
  EXPECT_EQ(requests[3].method, "POST");
  EXPECT_EQ(requests[3].body, "cli=1");
  EXPECT_EQ(header_of(requests[3], "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(Requests, MissingBodyFileOnAListLineIsAnInputErrorOfThatLine) {
  TestServer server;
  TempDir dir;
  auto const list = dir.write_file("checks.txt", server.url("/a") + "\n" + server.url("/b") +
                                                     " --data-binary @nowhere.bin\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(list + ":2: --data-binary @" + dir.path() +
                            "/nowhere.bin: cannot read: No such file or directory"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST(Requests, BadMethodIsAUsageErrorNamingTheOption) {
  TestServer server;

  auto result = run_poller({"--once", "-X", "GET /x", server.url("/a")});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--request \"GET /x\" is not an HTTP method"), std::string::npos)
      << result.err;
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST(Requests, MissingBodyFileIsAUsageErrorNamingTheOptionAndTheFile) {
  TestServer server;
  TempDir dir;
  auto const missing = dir.path() + "/missing.json";

  for (std::string const option : {"--data", "--data-binary", "--json"}) {
    auto result = run_poller({"--once", option, "@" + missing, server.url("/a")});

    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find(option + " @" + missing + ": cannot read: No such file or directory"),
              std::string::npos)
        << result.err;
  }
  EXPECT_EQ(server.requests_served(), 0u);
}

}  // namespace
}  // namespace poller::test
