#pragma once
// How a kept body's string grows as its bytes arrive. std::string doubles: a body just past a
// power of two ends in a string of twice its size, and the last growth copies the old half
// beside it. A Content-Length says where the body ends, but it is the server's claim, not bytes
// received (a claim of 3 GB followed by 3 bytes must cost 3 bytes, not 3 GB): so the string
// doubles while what has arrived is far below the claim, and grows once to exactly the claim
// when what has arrived is a fixed fraction of it. That last growth then holds the old string,
// under a quarter of the claim, beside the new one: under 1.25 x the body at the peak. (A body
// without a length, or decoded with --compressed, grows by doubling.)

#include <algorithm>
#include <cstdint>
#include <optional>

namespace poller::body_growth {

// Bytes received x this >= the declared length: the rest of the claim is believed.
inline constexpr std::uint64_t trust_factor = 8;

// The capacity for a body's string of `capacity` that must now hold `needed` bytes, of a body
// whose header declared `declared` bytes (none: unknown).
inline std::uint64_t next_capacity(std::uint64_t capacity, std::uint64_t needed,
                                   std::optional<std::uint64_t> declared) {
  if (needed <= capacity) return capacity;
  if (declared && needed <= *declared && needed >= *declared / trust_factor) return *declared;
  return std::max(needed, 2 * capacity);
}

}  // namespace poller::body_growth
