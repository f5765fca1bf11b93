#include "poller/report/checks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "options.hpp"
#include "poller/input/target.hpp"
#include "poller/report/verdict.hpp"
#include "usage_error.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

std::string status_list_error(std::string_view text) {
  return usage_error_of(StatusList::parse, text);
}
std::string pattern_error(std::string_view text) {
  return usage_error_of(BodyPattern::compile, text);
}

// --- --expect-status LIST --------------------------------------------------------------------

TEST(ChecksStatusList, HoldsSingleStatusesAndInclusiveRanges) {
  auto const list = StatusList::parse("200,204,300-399");
  for (unsigned status : {200u, 204u, 300u, 301u, 399u})
    EXPECT_TRUE(list.contains(status)) << status;
  for (unsigned status : {199u, 201u, 203u, 205u, 299u, 400u, 503u}) {
    EXPECT_FALSE(list.contains(status)) << status;
  }
  EXPECT_EQ(list.text(), "200,204,300-399");
}

TEST(ChecksStatusList, AcceptsSpacesAroundItemsAndAOneStatusRange) {
  auto const list = StatusList::parse(" 200 , 404-404 ");
  EXPECT_TRUE(list.contains(200));
  EXPECT_TRUE(list.contains(404));
  EXPECT_FALSE(list.contains(403));
}

TEST(ChecksStatusList, BadItemsAreUsageErrorsNamingTheItem) {
  EXPECT_EQ(status_list_error("200,abc"),
            "--expect-status: \"abc\" is not a status or a range of statuses (100 to 999, e.g. "
            "200,204,300-399)");
  EXPECT_NE(status_list_error("99").find("\"99\""), std::string::npos);
  EXPECT_NE(status_list_error("1000").find("\"1000\""), std::string::npos);
  EXPECT_NE(status_list_error("399-300").find("\"399-300\""), std::string::npos);
  EXPECT_NE(status_list_error("200-").find("\"200-\""), std::string::npos);
  EXPECT_NE(status_list_error("-200").find("\"-200\""), std::string::npos);
  EXPECT_NE(status_list_error("2xx").find("\"2xx\""), std::string::npos);
  EXPECT_NE(status_list_error("+200").find("\"+200\""), std::string::npos);
  EXPECT_NE(status_list_error("200-300-400").find("\"200-300-400\""), std::string::npos);
}

TEST(ChecksStatusList, EmptyItemsAreUsageErrors) {
  for (std::string_view text : {"", ",", "200,", ",200", "200,,204", " "}) {
    EXPECT_NE(status_list_error(text).find("empty item"), std::string::npos) << '"' << text << '"';
  }
}

// --- --expect-body REGEX ---------------------------------------------------------------------

TEST(ChecksBodyPattern, MatchesAnywhereInTheBody) {
  auto const pattern = BodyPattern::compile("ok");
  EXPECT_EQ(pattern.mismatch("status: ok\n"), std::nullopt);
  EXPECT_EQ(pattern.mismatch("fail\n"), "body does not match \"ok\"");
  EXPECT_EQ(pattern.mismatch(""), "body does not match \"ok\"");
}

TEST(ChecksBodyPattern, IsPcre2NotStdRegex) {
  // \d, lookahead and \A are PCRE; ECMAScript std::regex has no \A.
  auto const pattern = BodyPattern::compile(R"(\A"version":\s*"\d+\.\d+(?=\.))");
  EXPECT_EQ(pattern.mismatch(R"("version": "1.4.2")"), std::nullopt);
  EXPECT_NE(pattern.mismatch(R"( "version": "1.4.2")"), std::nullopt);
  EXPECT_NE(pattern.mismatch(R"("version": "14")"), std::nullopt);
}

TEST(ChecksBodyPattern, MatchesBytesPastANulAndInvalidUtf8) {
  auto const pattern = BodyPattern::compile("tail$");
  std::string const binary("\xff\xfe\0\x80 tail", 9);
  EXPECT_EQ(pattern.mismatch(binary), std::nullopt);
  // Length-aware: a view that ends before "tail" does not see it.
  EXPECT_NE(pattern.mismatch(std::string_view(binary).substr(0, 6)), std::nullopt);
  EXPECT_EQ(BodyPattern::compile(std::string_view("\0", 1)).mismatch(binary), std::nullopt);
}

TEST(ChecksBodyPattern, InvalidPatternIsAUsageErrorWithPcre2sMessageAndOffset) {
  EXPECT_EQ(pattern_error("ok("), "--expect-body \"ok(\": missing closing parenthesis at offset 3");
  EXPECT_EQ(pattern_error("a{2,1}"),
            "--expect-body \"a{2,1}\": numbers out of order in {} quantifier at offset 5");
}

// --- evaluate_checks -------------------------------------------------------------------------

struct ChecksEvaluate : ::testing::Test {
  Target target = parse_target("https://127.0.0.1/health").target.value();
  Clock::time_point now =
      Clock::time_point(std::chrono::sys_days(std::chrono::year(2026) / 11 / 26)) + 1h;
  FetchResult result = healthy();

  FetchResult healthy() const {
    FetchResult fetched;
    fetched.target = &target;
    fetched.status = 200;
    fetched.body = "all ok\n";
    fetched.bytes = 7;
    fetched.time_total = 20ms;
    fetched.cert_expiry = now + 24h * 90;
    return fetched;
  }
};

TEST_F(ChecksEvaluate, NoChecksPassEverything) {
  EXPECT_EQ(evaluate_checks({}, result, now), std::nullopt);
  EXPECT_FALSE(Checks{}.any());
}

TEST_F(ChecksEvaluate, StatusNotInTheListFails) {
  Checks checks{.expect_status = StatusList::parse("200,204,300-399")};
  EXPECT_EQ(evaluate_checks(checks, result, now), std::nullopt);
  result.status = 503;
  auto const failure = evaluate_checks(checks, result, now);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->check, "status");
  EXPECT_EQ(failure->reason, "status 503 not in 200,204,300-399");
}

TEST_F(ChecksEvaluate, BodyNotMatchingFails) {
  Checks checks{.expect_body = BodyPattern::compile("ok")};
  EXPECT_EQ(evaluate_checks(checks, result, now), std::nullopt);
  result.body = "degraded\n";
  auto const failure = evaluate_checks(checks, result, now);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->check, "body");
  EXPECT_EQ(failure->reason, "body does not match \"ok\"");
}

TEST_F(ChecksEvaluate, PatternInTheLogLineHasItsControlCharactersEscaped) {
  Checks checks{.expect_body = BodyPattern::compile("a\nb")};
  auto const failure = evaluate_checks(checks, result, now);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->reason, "body does not match \"a\\nb\"");
}

TEST_F(ChecksEvaluate, SlowerThanMaxLatencyFailsAndEqualPasses) {
  Checks checks{.max_latency = 1s};
  result.time_total = 1s;
  EXPECT_EQ(evaluate_checks(checks, result, now), std::nullopt);
  result.time_total = 1200ms;
  auto const failure = evaluate_checks(checks, result, now);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->check, "latency");
  EXPECT_EQ(failure->reason, "took 1.2s, over --max-latency 1s");
}

TEST_F(ChecksEvaluate, CertificateExpiringWithinTheDaysFails) {
  Checks checks{.cert_expiry_days = 7};
  result.cert_expiry = now + 24h * 3 + 30min;
  auto const failure = evaluate_checks(checks, result, now);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->check, "cert_expiry");
  EXPECT_EQ(failure->reason,
            "certificate expires in 3 days (2026-11-29T01:30:00Z), within --cert-expiry 7");

  result.cert_expiry = now + 72h - 1s;
  EXPECT_EQ(
      evaluate_checks(checks, result, now)->reason,
      "certificate expires in 2 days 23 hours (2026-11-29T00:59:59Z), within --cert-expiry 7");

  checks.cert_expiry_days = 2;
  EXPECT_EQ(evaluate_checks(checks, result, now), std::nullopt);
}

TEST_F(ChecksEvaluate, CertificateExpiryUnderADayIsGivenInHoursAndPastExpiryAsSuch) {
  Checks checks{.cert_expiry_days = 1};
  result.cert_expiry = now + 5h;
  EXPECT_EQ(evaluate_checks(checks, result, now)->reason,
            "certificate expires in 5 hours (2026-11-26T06:00:00Z), within --cert-expiry 1");
  result.cert_expiry = now - 1h;
  EXPECT_EQ(evaluate_checks(checks, result, now)->reason,
            "certificate expired (2026-11-26T00:00:00Z), within --cert-expiry 1");
}

TEST_F(ChecksEvaluate, CertificateExpiryOfTheLargestDaysDoesNotOverflow) {
  Checks checks{.cert_expiry_days = 4294967295u};
  auto const failure = evaluate_checks(checks, result, now);  // 90 days left
  ASSERT_TRUE(failure);
  EXPECT_EQ(
      failure->reason,
      "certificate expires in 90 days (2027-02-24T01:00:00Z), within --cert-expiry 4294967295");
}

TEST_F(ChecksEvaluate, CertificateCheckIgnoresFetchesWithoutACertificate) {
  Checks checks{.cert_expiry_days = 7};
  result.cert_expiry.reset();  // plain http
  EXPECT_EQ(evaluate_checks(checks, result, now), std::nullopt);
}

TEST_F(ChecksEvaluate, FirstFailingCheckInOrderStatusBodyLatencyCertExpiryIsReported) {
  Checks checks{.expect_status = StatusList::parse("200"),
                .expect_body = BodyPattern::compile("ok"),
                .max_latency = 1ms,
                .cert_expiry_days = 365};
  result.time_total = 1s;
  EXPECT_EQ(evaluate_checks(checks, result, now)->check, "latency");
  result.body = "down";
  EXPECT_EQ(evaluate_checks(checks, result, now)->check, "body");
  result.status = 500;
  EXPECT_EQ(evaluate_checks(checks, result, now)->check, "status");
}

TEST_F(ChecksEvaluate, AFetchThatAlreadyFailedIsLeftAsItIs) {
  Checks checks{.expect_status = StatusList::parse("200")};
  result.status.reset();
  result.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};
  auto const verdict = judge(checks, result, now);
  EXPECT_EQ(verdict.reason, "connect: Connection refused");
  EXPECT_EQ(verdict.check, "");
}

TEST_F(ChecksEvaluate, ApplyingAMissedCheckMakesTheFetchAFailureNamingTheCheck) {
  Checks checks{.expect_status = StatusList::parse("200")};
  result.status = 503;
  auto const verdict = judge(checks, result, now);
  EXPECT_FALSE(verdict.pass());
  EXPECT_EQ(verdict.failure, Verdict::Failure::check);
  EXPECT_EQ(verdict.check, "status");
  EXPECT_EQ(verdict.reason, "check failed: status 503 not in 200");
}

}  // namespace
}  // namespace poller
