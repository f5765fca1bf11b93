// --format line: golden lines for a success, an HTTP failure and a transport failure.

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "poller/report/fetch_summary.hpp"
#include "poller/report/line_format.hpp"
#include "poller/input/target.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

struct LineFormatTest : ::testing::Test {
  Target target = *parse_target("http://user:pw@127.0.0.1:8080/health").target;
  FetchResult result;
  // Set for a fetch the checks failed; otherwise the verdict is the wire's.
  std::optional<Verdict> judged;
  Verdict verdict() const { return judged ? *judged : wire_verdict(result); }

  LineFormatTest() {
    // The time of day is local: pin the zone.
    setenv("TZ", "UTC", 1);
    tzset();
    result.target = &target;
    result.started = std::chrono::system_clock::time_point(14h + 2min + 7s);
    result.status = 200;
    result.bytes = 1229;
    result.time_total = 12300us;
    result.reused = true;
  }

  std::string line(bool color = false, std::optional<std::size_t> width = std::nullopt) {
    Record out;
    append_fetch_line(result, verdict(), color, width, out);
    return out.to_string();
  }
};

TEST_F(LineFormatTest, ASuccessShowsTimeStatusLatencySizeConnectionAndName) {
  EXPECT_EQ(line(), "14:02:07  200      12ms  1.2K  reused   http://user@127.0.0.1:8080/health\n");
}

TEST_F(LineFormatTest, AFailureIsMarkedAndSaysWhy) {
  result.status = 503;
  result.bytes = 15;
  result.reused = false;
  result.connects = 1;
  result.time_total = 900us;
  judged = Verdict{Verdict::Failure::http_status, "HTTP status 503", "http_status"};
  EXPECT_EQ(line(),
            "14:02:07  ✗ 503   0.9ms   15B  new      http://user@127.0.0.1:8080/health  "
            "HTTP status 503\n");
  result.status.reset();
  result.reused = false;
  result.connects = 0;
  judged.reset();
  result.error = FetchError{FetchErrorKind::connect, "connect to 127.0.0.1:8080: Connection refused"};
  EXPECT_EQ(line(),
            "14:02:07  ✗ ---   0.9ms     -  -        http://user@127.0.0.1:8080/health  "
            "Connection refused\n");
}

TEST_F(LineFormatTest, ColourGoesOnTheStatusOfASuccessAndAllOfAFailure) {
  EXPECT_EQ(line(true),
            "14:02:07  \x1b[32m200\x1b[0m      12ms  1.2K  reused   "
            "http://user@127.0.0.1:8080/health\n");
  judged = Verdict{Verdict::Failure::check, "HTTP status 200", "check"};
  EXPECT_TRUE(line(true).starts_with("\x1b[1;31m14:02:07  ✗ 200")) << line(true);
  EXPECT_TRUE(line(true).ends_with("\x1b[0m\n"));
}

TEST_F(LineFormatTest, A5xxThatPassesIsColouredAsAWarning) {
  result.status = 503;
  EXPECT_EQ(line(true),
            "14:02:07  \x1b[33m503\x1b[0m      12ms  1.2K  reused   "
            "http://user@127.0.0.1:8080/health\n");
  result.status = 404;  // not a server's failure to serve: a plain success's colour
  EXPECT_TRUE(line(true).starts_with("14:02:07  \x1b[32m404\x1b[0m")) << line(true);
}

TEST_F(LineFormatTest, TheCauseIsWholeWithoutAWidthAndEndsTheLineAtOne) {
  auto const cause = "TLS handshake: " + std::string(100, 'x');
  result.status.reset();
  result.error = FetchError{FetchErrorKind::tls, cause};
  auto const whole = line();
  EXPECT_TRUE(whole.ends_with("  " + std::string(100, 'x') + "\n")) << whole;
  auto const cut = line(false, 120);
  EXPECT_EQ(column_count(cut.substr(0, cut.size() - 1)), 120u) << cut;
  EXPECT_TRUE(cut.ends_with("x…\n")) << cut;
  // A line wider than the screen still says something of why.
  EXPECT_TRUE(line(false, 10).ends_with("  " + std::string(19, 'x') + "…\n")) << line(false, 10);
}

}  // namespace
}  // namespace poller
