// How a kept body's string grows (client/body_growth.hpp): by doubling while far below the
// declared Content-Length, then once to exactly it; never trusting a claim ahead of the bytes.

#include "body_growth.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

#include <gtest/gtest.h>

namespace poller::body_growth {
namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MB = 1000 * 1000;

struct Growth {
  const char* what;
  std::uint64_t capacity;
  std::uint64_t needed;
  std::optional<std::uint64_t> declared;
  std::uint64_t expected;
};

class NextCapacity : public testing::TestWithParam<Growth> {};

TEST_P(NextCapacity, Is) {
  auto const& row = GetParam();
  EXPECT_EQ(next_capacity(row.capacity, row.needed, row.declared), row.expected) << row.what;
}

INSTANTIATE_TEST_SUITE_P(
    BodyGrowth, NextCapacity,
    testing::Values(
        Growth{"room enough: as it is", 64 * KiB, 64 * KiB, 20 * MB, 64 * KiB},
        Growth{"no length: doubles", 64 * KiB, 64 * KiB + 1, std::nullopt, 128 * KiB},
        Growth{"no length, a large read: what it needs", 4 * KiB, 64 * KiB, std::nullopt,
               64 * KiB},
        Growth{"far below the claim: doubles", 64 * KiB, 64 * KiB + 1, 20 * MB, 128 * KiB},
        Growth{"just under an eighth of it: doubles", 2 * MB, 20 * MB / 8 - 1, 20 * MB, 4 * MB},
        Growth{"an eighth of it: the claim, exactly", 2 * MB, 20 * MB / 8, 20 * MB, 20 * MB},
        Growth{"past half of it: the claim", 12 * MB, 12 * MB + 1, 20 * MB, 20 * MB},
        Growth{"3 GB claimed, 3 bytes come: 3 bytes", 0, 3, 3'000'000'000, 3},
        Growth{"more than claimed: doubles", 20 * MB, 20 * MB + 1, 20 * MB, 40 * MB}));

// The whole way of a body read 64 KiB at a time from the 64 KiB first reserved (DecodedBody's
// reserved_at_most): old and new string together never exceed 1.25 x the declared length (or
// the length and that first slice, for a small body), and the string ends at exactly the length.
TEST(BodyGrowth, ABodyWithALengthPeaksUnderOneAndAQuarterItsSize) {
  for (std::uint64_t const declared : {100 * KiB, 1 * MB, 20 * MB, 64 * 1024 * KiB, 1000 * MB}) {
    std::uint64_t capacity = std::min<std::uint64_t>(declared, 64 * KiB);
    std::uint64_t peak = capacity;
    for (std::uint64_t size = 0; size < declared;) {
      size = std::min(declared, size + 64 * KiB);
      auto const grown = next_capacity(capacity, size, declared);
      if (grown != capacity) peak = std::max(peak, capacity + grown);
      capacity = grown;
    }
    EXPECT_EQ(capacity, declared);
    EXPECT_LE(peak, declared + std::max(declared / 4, 64 * KiB)) << declared;
  }
}

// A claim is believed only once the bytes that came are an eighth of it.
TEST(BodyGrowth, AClaimIsNeverTrustedMoreThanEightTimesWhatArrived) {
  std::uint64_t capacity = 64 * KiB;
  for (std::uint64_t size = 64 * KiB; size < 1000 * MB; size += 64 * KiB) {
    capacity = next_capacity(capacity, size + 1, 3'000'000'000);
    EXPECT_LE(capacity, 8 * (size + 1)) << size;
  }
}

}  // namespace
}  // namespace poller::body_growth
