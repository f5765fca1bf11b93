// -w templates: golden renderings of curl's variables, and usage errors for unknown ones.

#include <gtest/gtest.h>

#include "poller/input/target.hpp"
#include "poller/base/usage_error.hpp"
#include "poller/report/write_out.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

class FixedHeaders final : public ResponseHeaders {
 public:
  std::string_view get(std::string_view name) const override {
    return name == "Content-Type" || name == "content-type" ? "text/plain" : "";
  }
};

struct WriteOutTest : ::testing::Test {
  Target target = *parse_target("http://user:pw@127.0.0.1:8080/a?b=1").target;
  FetchResult result;

  WriteOutTest() {
    result.target = &target;
    result.round = 7;
    result.status = 200;
    result.url_effective = "http://user@127.0.0.1:8080/final";
    result.redirects = 2;
    result.bytes = 1234;
    result.time_total = 12345us;
    result.time_namelookup = 40us;
    result.time_connect = 250us;
    result.time_starttransfer = 10ms;
    result.connects = 1;
    result.remote_ip = "127.0.0.1";
    result.remote_port = 8080;
    result.method = "GET";
    result.header_bytes = 156;
    result.request_bytes = 79;
    result.time_pretransfer = 300us;
    result.time_redirect = 5ms;
    result.http_version = "1.1";
    result.headers = std::make_shared<FixedHeaders>();
  }

  std::string render(std::string_view text) { return WriteOutTemplate::parse(text).render(result, wire_verdict(result));
  }
};

TEST_F(WriteOutTest, CurlVariablesRenderAsCurlPrintsThem) {
  EXPECT_EQ(render("%{http_code} %{size_download} %{time_total} %{num_redirects}\\n"),
            "200 1234 0.012345 2\n");
  EXPECT_EQ(render("%{url}|%{url_effective}|%{round}"),
            "http://user@127.0.0.1:8080/a?b=1|http://user@127.0.0.1:8080/final|7");
  EXPECT_EQ(render("%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer}"),
            "0.000040 0.000250 0.000000 0.010000");
  EXPECT_EQ(render("%{remote_ip} %{num_connects} %{http_version} %{response_code}"),
            "127.0.0.1 1 1.1 200");
}

TEST_F(WriteOutTest, ResponseHeadersAreLookedUpByName) {
  EXPECT_EQ(render("[%header{content-type}] [%header{x-absent}] %{content_type}"),
            "[text/plain] [] text/plain");
  EXPECT_EQ(render("[%{header{content-type}}]"), "[text/plain]");  // poller's older spelling
}

TEST_F(WriteOutTest, CurlsNewerVariablesRenderAsCurlPrintsThem) {
  EXPECT_EQ(render("%{method} %{remote_port} %{scheme} %{size_header} %{size_request}"),
            "GET 8080 HTTP 156 79");
  // 1234 bytes in 12.345 ms: 99959.5 bytes a second, printed whole.
  EXPECT_EQ(render("%{time_pretransfer} %{time_redirect} %{speed_download}"),
            "0.000300 0.005000 99959");
  result.url_effective = "https://127.0.0.1/";
  EXPECT_EQ(render("%{scheme}"), "HTTPS");
}

TEST_F(WriteOutTest, APercentSignIsWrittenAsTwo) {
  EXPECT_EQ(render("%%{round} %%%{round}"), "%{round} %7");
}

TEST_F(WriteOutTest, FailedFetchHasCode000AndItsErrorMessage) {
  result.status.reset();
  result.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};

  EXPECT_EQ(render("%{http_code} %{errormsg}"), "000 connect: Connection refused");
}

TEST_F(WriteOutTest, EscapesAndPlainTextPassThrough) {
  EXPECT_EQ(render("a\\tb\\\\c 100% %{round}\\r\\n"), "a\tb\\c 100% 7\r\n");
}

TEST_F(WriteOutTest, JsonVariableIsTheWholeRecord) {
  auto const text = render("%{json}");
  EXPECT_EQ(text.front(), '{');
  EXPECT_NE(text.find("\"status\":200"), std::string::npos) << text;
}

TEST(WriteOutParse, UnknownVariableIsAUsageErrorThatNamesIt) {
  try {
    WriteOutTemplate::parse("%{http_code} %{bogus}");
    FAIL() << "no UsageError";
  } catch (const UsageError& error) {
    std::string const message = error.what();
    EXPECT_NE(message.find("%{bogus}"), std::string::npos) << message;
    EXPECT_NE(message.find("known: %header{NAME} %{content_type} "), std::string::npos) << message;
  }
}

TEST(WriteOutParse, UnterminatedVariablesAreUsageErrors) {
  EXPECT_THROW(WriteOutTemplate::parse("%{http_code"), UsageError);
  EXPECT_THROW(WriteOutTemplate::parse("%{header{x-a}"), UsageError);
  EXPECT_THROW(WriteOutTemplate::parse("%header{x-a"), UsageError);
}

}  // namespace
}  // namespace poller
