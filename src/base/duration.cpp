#include "poller/base/duration.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace poller {
namespace {

struct NumberAndUnit {
  double number;
  std::string_view unit;
};

// Splits "12.5ms" into 12.5 and "ms". std::from_chars keeps this locale-independent.
std::optional<NumberAndUnit> split_number(std::string_view text) {
  double number = 0;
  auto const* first = text.data();
  auto const* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, number, std::chars_format::fixed);
  if (ec != std::errc{} || end == first || !std::isfinite(number) || number < 0) {
    return std::nullopt;
  }
  // from_chars accepts a leading '-'; a leading '+' or space it already refuses.
  if (text.front() == '-') return std::nullopt;
  return NumberAndUnit{number, std::string_view(end, static_cast<std::size_t>(last - end))};
}

}  // namespace

namespace {

// Seconds per unit, longest unit name first so that "ms" is not read as "m".
struct DurationUnit {
  std::string_view name;
  double seconds;
};
constexpr DurationUnit duration_units[] = {
    {"ms", 1e-3}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1},
};

// "5", "250ms", "1h30m", "1d12h": a bare number, or number-unit pairs from the largest unit down,
// each unit once. Seconds as a double, or nullopt for text that is no duration at all.
std::optional<double> parse_seconds(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  if (parts->unit.empty()) return parts->number;
  double total = 0;
  double previous_unit = std::numeric_limits<double>::infinity();
  while (!text.empty()) {
    parts = split_number(text);
    if (!parts) return std::nullopt;
    DurationUnit const* unit = nullptr;
    for (auto const& candidate : duration_units) {
      if (parts->unit.substr(0, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr || unit->seconds >= previous_unit) return std::nullopt;
    previous_unit = unit->seconds;
    total += parts->number * unit->seconds;
    text = parts->unit.substr(unit->name.size());
  }
  return total;
}

// Beyond ~292 years a count of nanoseconds would overflow; no schedule needs that.
bool fits_in_a_duration(double seconds) {
  return seconds * 1e9 < static_cast<double>(std::numeric_limits<Duration::rep>::max());
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  auto const seconds = parse_seconds(text);
  if (!seconds || !fits_in_a_duration(*seconds)) return std::nullopt;
  return Duration(static_cast<Duration::rep>(std::llround(*seconds * 1e9)));
}

bool is_duration_too_long(std::string_view text) {
  auto const seconds = parse_seconds(text);
  return seconds && !fits_in_a_duration(*seconds);
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  std::string_view unit = parts->unit;
  // "64MB" means "64M"; "5BB" means nothing.
  if (unit.size() == 2 && (unit[1] == 'B' || unit[1] == 'b') && unit[0] != 'B' && unit[0] != 'b') {
    unit.remove_suffix(1);
  }
  double multiplier = 0;
  if (unit.empty() || unit == "B" || unit == "b") {
    multiplier = 1;
  } else if (unit == "k" || unit == "K") {
    multiplier = 1024.0;
  } else if (unit == "m" || unit == "M") {
    multiplier = 1024.0 * 1024;
  } else if (unit == "g" || unit == "G") {
    multiplier = 1024.0 * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  double const bytes = std::floor(parts->number * multiplier);
  if (bytes >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

namespace {

// "1.500" -> "1.5", "250.000" -> "250": fixed notation, never an exponent.
std::string without_trailing_zeros(std::string text) {
  if (text.find('.') == std::string::npos) return text;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

std::string format_duration(Duration d) {
  using namespace std::chrono;
  if (d < 1ms) return fmt::format("{}us", duration_cast<microseconds>(d).count());
  if (d < 1s) {
    return without_trailing_zeros(fmt::format("{:.2f}", duration<double, std::milli>(d).count())) + "ms";
  }
  return without_trailing_zeros(fmt::format("{:.3f}", duration<double>(d).count())) + "s";
}

}  // namespace poller
