// Politeness in-process: reading Retry-After, what a result does to an entry's pause and
// validators, the conditional request's header fields, and --spread's pinned offsets.

#include "poller/report/politeness.hpp"

#include <gtest/gtest.h>

#include "poller/input/shard.hpp"
#include "poller/report/url_state.hpp"
#include "request.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;
using Time = Politeness::Time;

// 2015-10-21T07:28:00Z, a Wednesday.
Time const now = Time(std::chrono::seconds(1445412480));

struct RetryAfterCase {
  const char* value;
  std::optional<std::chrono::seconds> after_now;  // nullopt: not readable
};

class RetryAfterValue : public testing::TestWithParam<RetryAfterCase> {};

TEST_P(RetryAfterValue, IsReadAsRfc9110Says) {
  auto const& [value, after_now] = GetParam();
  auto const parsed = parse_retry_after(value, now);
  if (!after_now) {
    EXPECT_FALSE(parsed) << value;
  } else {
    ASSERT_TRUE(parsed) << value;
    EXPECT_EQ(*parsed - now, *after_now) << value;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RetryAfterValue,
    testing::Values(RetryAfterCase{"120", 120s}, RetryAfterCase{"0", 0s},
                    RetryAfterCase{" 30 ", 30s},
                    // The three HTTP-date forms (RFC 9110 5.6.7), one minute after `now`.
                    RetryAfterCase{"Wed, 21 Oct 2015 07:29:00 GMT", 60s},
                    RetryAfterCase{"Wednesday, 21-Oct-15 07:29:00 GMT", 60s},
                    RetryAfterCase{"Wed Oct 21 07:29:00 2015", 60s},
                    // A date in the past is readable; it asks for no pause.
                    RetryAfterCase{"Wed, 21 Oct 2015 07:27:00 GMT", -60s},
                    // Too large for a number: ten years, which --max-retry-after caps.
                    RetryAfterCase{"99999999999999999999999",
                                   std::chrono::seconds(10ll * 366 * 24 * 3600)},
                    RetryAfterCase{"", std::nullopt}, RetryAfterCase{"soon", std::nullopt},
                    RetryAfterCase{"-5", std::nullopt}, RetryAfterCase{"1.5", std::nullopt},
                    RetryAfterCase{"Wed, 21 Oct 2015 07:29:00 GMT trailing", std::nullopt}));

FetchResult answered(unsigned status, std::string retry_after = {}, Validators validators = {}) {
  FetchResult result;
  result.status = status;
  if (!retry_after.empty() || !validators.empty())
    result.polite = std::make_shared<const PoliteFields>(
        PoliteFields{std::move(retry_after), std::move(validators)});
  return result;
}

TEST(Politeness, A429OrA503WithRetryAfterPausesTheEntryCappedByMaxRetryAfter) {
  for (unsigned status : {429u, 503u}) {
    Politeness polite;
    take_politeness(polite, answered(status, "30"), Verdict{}, 1h, now);
    EXPECT_EQ(polite.news, Politeness::News::backing_off);
    EXPECT_TRUE(polite.skips(now + 29s));
    EXPECT_FALSE(polite.skips(now + 30s));

    take_politeness(polite, answered(status, "7200"), Verdict{}, 1h, now);
    EXPECT_EQ(polite.news, Politeness::News::backing_off_capped);
    EXPECT_EQ(polite.skip_until, now + 1h);
  }
}

TEST(Politeness, OtherStatusesAndUnreadableValuesAskForNoPause) {
  Politeness polite;
  take_politeness(polite, answered(500, "30"), Verdict{}, 1h, now);
  EXPECT_FALSE(polite.skips(now));
  EXPECT_EQ(polite.news, Politeness::News::none);
  take_politeness(polite, answered(429, "later"), Verdict{}, 1h, now);
  EXPECT_FALSE(polite.skips(now));
  EXPECT_EQ(polite.news, Politeness::News::unreadable_retry_after);
  take_politeness(polite, answered(429), Verdict{}, 1h, now);
  EXPECT_EQ(polite.news, Politeness::News::none);
}

TEST(Politeness, ValidatorsComeFromAPassingOkOrANotModified) {
  Politeness polite;
  take_politeness(polite, answered(200, "", {"\"v1\"", "Wed, 21 Oct 2015 07:28:00 GMT"}),
                  Verdict{}, 1h, now);
  ASSERT_TRUE(polite.validators);
  EXPECT_EQ(polite.validators->etag, "\"v1\"");

  // A 200 that fails its checks is not the body the validators should vouch for.
  take_politeness(polite, answered(200, "", {"\"bad\"", ""}),
                  Verdict{Verdict::Failure::check, "check failed"}, 1h, now);
  EXPECT_EQ(polite.validators->etag, "\"v1\"");

  // A 304 without validators keeps them; one with new ones replaces them.
  take_politeness(polite, answered(304), Verdict{}, 1h, now);
  EXPECT_EQ(polite.validators->etag, "\"v1\"");
  take_politeness(polite, answered(304, "", {"\"v2\"", ""}), Verdict{}, 1h, now);
  EXPECT_EQ(polite.validators->etag, "\"v2\"");

  // A passing 200 without validators: nothing to send any more.
  take_politeness(polite, answered(200), Verdict{}, 1h, now);
  EXPECT_FALSE(polite.validators);
}

TEST(Politeness, AValidatorTooLongToKeepIsToldOnce) {
  Politeness polite;
  auto result = answered(200);
  result.polite = std::make_shared<const PoliteFields>(PoliteFields{{}, {}, 20000});
  take_politeness(polite, result, Verdict{}, 1h, now);
  EXPECT_EQ(polite.news, Politeness::News::validator_too_long);
  EXPECT_FALSE(polite.validators);
  take_politeness(polite, result, Verdict{}, 1h, now);
  EXPECT_EQ(polite.news, Politeness::News::none);
}

TEST(Politeness, IsForgottenWhenTheEntryChangesOnReload) {
  Target target = *parse_target("http://127.0.0.1:1/").target;
  UrlStates states(false, 1);
  auto result = answered(429, "30");
  result.target = &target;
  result.started = now;
  states.record(result, Verdict{});
  ASSERT_TRUE(states.find(0, target)->polite.skips(now));
  states.reload(1, [](std::size_t) { return false; });
  EXPECT_EQ(states.find(0, target), nullptr);
}

TEST(ConditionalRequest, SendsTheValidatorsUnlessAHeaderOptionNamesThem) {
  RequestConfig config;
  config.user_agent = "";
  Validators const validators{"W/\"w1\"", "Wed, 21 Oct 2015 07:28:00 GMT"};
  auto const target = *parse_target("http://example.com/").target;
  std::string out;
  RequestFormatter(config).format(target, {"GET", false}, true, nullptr, out, &validators);
  EXPECT_EQ(out,
            "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
            "If-None-Match: W/\"w1\"\r\nIf-Modified-Since: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n");

  config.headers = {{"If-None-Match", "\"mine\""}, {"If-Modified-Since", ""}};
  RequestFormatter(config).format(target, {"GET", false}, true, nullptr, out, &validators);
  EXPECT_EQ(out,
            "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
            "If-None-Match: \"mine\"\r\n\r\n");
}

TEST(Spread, AnOriginsOffsetIsItsDocumentedHashOverTwoToThe64) {
  auto const origin = parse_target("http://example.com/").target->origin;
  EXPECT_DOUBLE_EQ(spread_fraction(origin),
                   static_cast<double>(fmix64(fnv1a64("http://example.com:80"))) / 0x1p64);
  auto const other = parse_target("https://example.com/").target->origin;
  EXPECT_NE(spread_fraction(origin), spread_fraction(other));
  EXPECT_GE(spread_fraction(origin), 0.0);
  EXPECT_LT(spread_fraction(origin), 1.0);
}

}  // namespace
}  // namespace poller
