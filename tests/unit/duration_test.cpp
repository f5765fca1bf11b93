#include "poller/base/duration.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace poller {
namespace {

using namespace std::chrono_literals;

// --- parse_duration -------------------------------------------------------------------------

TEST(DurationParsing, BareNumberIsSeconds) {
  EXPECT_EQ(parse_duration("5"), Duration(5s));
  EXPECT_EQ(parse_duration("0.25"), Duration(250ms));
  EXPECT_EQ(parse_duration("1.5"), Duration(1500ms));
}

TEST(DurationParsing, AcceptsMillisecondsSecondsMinutesAndHours) {
  EXPECT_EQ(parse_duration("250ms"), Duration(250ms));
  EXPECT_EQ(parse_duration("5s"), Duration(5s));
  EXPECT_EQ(parse_duration("2m"), Duration(2min));
  EXPECT_EQ(parse_duration("1h"), Duration(1h));
}

TEST(DurationParsing, AcceptsFractionsWithAUnit) {
  EXPECT_EQ(parse_duration("0.5m"), Duration(30s));
  EXPECT_EQ(parse_duration("1.5ms"), Duration(1500us));
  EXPECT_EQ(parse_duration("0.5h"), Duration(30min));
}

TEST(DurationParsing, ZeroMeansBackToBack) {
  EXPECT_EQ(parse_duration("0"), Duration::zero());
  EXPECT_EQ(parse_duration("0s"), Duration::zero());
  EXPECT_EQ(parse_duration("0ms"), Duration::zero());
}

TEST(DurationParsing, RejectsEmptyText) { EXPECT_EQ(parse_duration(""), std::nullopt); }

TEST(DurationParsing, RejectsNegativeValues) {
  EXPECT_EQ(parse_duration("-1"), std::nullopt);
  EXPECT_EQ(parse_duration("-0"), std::nullopt);
  EXPECT_EQ(parse_duration("-5s"), std::nullopt);
}

TEST(DurationParsing, RejectsUnknownUnits) {
  EXPECT_EQ(parse_duration("5x"), std::nullopt);
  EXPECT_EQ(parse_duration("5w"), std::nullopt);
  EXPECT_EQ(parse_duration("5sec"), std::nullopt);
  EXPECT_EQ(parse_duration("5us"), std::nullopt);
}

TEST(DurationParsing, AcceptsDaysAndUnitsCombinedFromTheLargestDown) {
  EXPECT_EQ(parse_duration("1d"), std::chrono::hours(24));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_duration("1d12h"), std::chrono::hours(36));
  EXPECT_EQ(parse_duration("2m30s"), std::chrono::seconds(150));
  EXPECT_EQ(parse_duration("1s500ms"), std::chrono::milliseconds(1500));
}

TEST(DurationParsing, RejectsCombinationsOutOfOrderRepeatedOrEndingInABareNumber) {
  EXPECT_EQ(parse_duration("30m1h"), std::nullopt);
  EXPECT_EQ(parse_duration("1m1m"), std::nullopt);
  EXPECT_EQ(parse_duration("1h30"), std::nullopt);
  EXPECT_EQ(parse_duration("1h-30m"), std::nullopt);
}

TEST(DurationParsing, RejectsAUnitWithoutANumber) {
  EXPECT_EQ(parse_duration("ms"), std::nullopt);
  EXPECT_EQ(parse_duration("s"), std::nullopt);
  EXPECT_EQ(parse_duration(".s"), std::nullopt);
}

TEST(DurationParsing, RejectsExponentNotation) { EXPECT_EQ(parse_duration("1e3"), std::nullopt); }

TEST(DurationParsing, RejectsSurroundingOrInnerWhiteSpace) {
  EXPECT_EQ(parse_duration(" 5"), std::nullopt);
  EXPECT_EQ(parse_duration("5 "), std::nullopt);
  EXPECT_EQ(parse_duration("5 s"), std::nullopt);
}

TEST(DurationParsing, RejectsNonFiniteValues) {
  EXPECT_EQ(parse_duration("inf"), std::nullopt);
  EXPECT_EQ(parse_duration("nan"), std::nullopt);
}

TEST(DurationParsing, RejectsDurationsTooLongToRepresent) {
  // ~292 years is the limit of a nanosecond count.
  EXPECT_EQ(parse_duration("10000000000h"), std::nullopt);
  EXPECT_TRUE(is_duration_too_long("99999999999"));
  EXPECT_FALSE(is_duration_too_long("5x"));
}

// --- parse_size -----------------------------------------------------------------------------

TEST(DurationSizeParsing, BareNumberIsBytes) {
  EXPECT_EQ(parse_size("0"), std::uint64_t{0});
  EXPECT_EQ(parse_size("512"), std::uint64_t{512});
  EXPECT_EQ(parse_size("10B"), std::uint64_t{10});
}

TEST(DurationSizeParsing, SuffixesArePowersOf1024) {
  EXPECT_EQ(parse_size("1k"), std::uint64_t{1024});
  EXPECT_EQ(parse_size("1M"), std::uint64_t{1024 * 1024});
  EXPECT_EQ(parse_size("2G"), std::uint64_t{2} * 1024 * 1024 * 1024);
}

TEST(DurationSizeParsing, DefaultMaxFilesizeIs64MiB) {
  EXPECT_EQ(parse_size("64M"), std::uint64_t{67108864});
}

TEST(DurationSizeParsing, SuffixesAreCaseInsensitiveAndMayEndInB) {
  EXPECT_EQ(parse_size("1K"), std::uint64_t{1024});
  EXPECT_EQ(parse_size("64m"), std::uint64_t{67108864});
  EXPECT_EQ(parse_size("1g"), std::uint64_t{1024 * 1024 * 1024});
  EXPECT_EQ(parse_size("1kB"), std::uint64_t{1024});
  EXPECT_EQ(parse_size("64MB"), std::uint64_t{67108864});
}

TEST(DurationSizeParsing, FractionsWithASuffixAreAccepted) {
  EXPECT_EQ(parse_size("1.5k"), std::uint64_t{1536});
  EXPECT_EQ(parse_size("0.5M"), std::uint64_t{512 * 1024});
}

TEST(DurationSizeParsing, RejectsGarbage) {
  EXPECT_EQ(parse_size(""), std::nullopt);
  EXPECT_EQ(parse_size("-1"), std::nullopt);
  EXPECT_EQ(parse_size("M"), std::nullopt);
  EXPECT_EQ(parse_size("5x"), std::nullopt);
  EXPECT_EQ(parse_size("1T"), std::nullopt);
  EXPECT_EQ(parse_size("64MiB"), std::nullopt);
  EXPECT_EQ(parse_size(" 64M"), std::nullopt);
  EXPECT_EQ(parse_size("64 M"), std::nullopt);
  EXPECT_EQ(parse_size("1e3"), std::nullopt);
}

// "B" is an optional suffix of k, M and G, not a unit that may be doubled.
TEST(DurationSizeParsing, RejectsADoubledByteSuffix) {
  EXPECT_EQ(parse_size("5BB"), std::nullopt);
  EXPECT_EQ(parse_size("5bb"), std::nullopt);
}

TEST(DurationSizeParsing, RejectsSizesTooLargeToRepresent) {
  EXPECT_EQ(parse_size("100000000000G"), std::nullopt);
}

// --- format_duration ------------------------------------------------------------------------

TEST(DurationFormatting, UsesTheUnitThatFitsTheMagnitude) {
  EXPECT_EQ(format_duration(500us), "500us");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500us), "1.5ms");
  EXPECT_EQ(format_duration(5s), "5s");
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(2min), "120s");
}

TEST(DurationFormatting, ZeroIsZeroMicroseconds) { EXPECT_EQ(format_duration(Duration::zero()), "0us"); }

// Log lines must stay readable: fixed notation, whatever the value.
TEST(DurationFormatting, NeverUsesExponentNotation) {
  EXPECT_EQ(format_duration(999900us).find('e'), std::string::npos) << format_duration(999900us);
}

}  // namespace
}  // namespace poller
