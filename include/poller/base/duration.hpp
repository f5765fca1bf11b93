#pragma once
// Parsing of the command line's durations ("5", "0.25", "250ms", "2m", "1h30m") and sizes ("64M").
// Pure functions: no I/O, no exceptions; nullopt means the text is not a valid value.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace poller {

using Duration = std::chrono::nanoseconds;

// A bare number is seconds; suffixes ms, s, m, h, d, and combinations from the largest unit down
// ("1h30m", "1d12h", "2m30s"). Negative values are rejected, and so is anything over ~292 years.
std::optional<Duration> parse_duration(std::string_view text);

// Text that is a duration in form but longer than parse_duration accepts (for the message).
bool is_duration_too_long(std::string_view text);

// A bare number is bytes; suffixes k, M, G (powers of 1024, either case), optionally followed by B.
std::optional<std::uint64_t> parse_size(std::string_view text);

// "250ms", "5s", "1.5s": the shortest exact-enough form, for log lines.
std::string format_duration(Duration d);

}  // namespace poller
