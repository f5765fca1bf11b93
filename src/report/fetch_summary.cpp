#include "poller/report/fetch_summary.hpp"

#include <locale.h>
#include <time.h>
#include <wchar.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace poller {
namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Where the code point that starts at `at` ends.
std::size_t next_code_point(std::string_view text, std::size_t at) {
  ++at;
  while (at < text.size() && is_continuation(static_cast<unsigned char>(text[at]))) ++at;
  return at;
}

// The code point of text[at, end), or -1 when the bytes are not well-formed UTF-8.
long decode(std::string_view text, std::size_t at, std::size_t end) {
  auto const lead = static_cast<unsigned char>(text[at]);
  auto const length = end - at;
  long value = 0;
  if (lead < 0x80 && length == 1) return lead;
  if ((lead & 0xE0) == 0xC0 && length == 2) value = lead & 0x1F;
  else if ((lead & 0xF0) == 0xE0 && length == 3) value = lead & 0x0F;
  else if ((lead & 0xF8) == 0xF0 && length == 4) value = lead & 0x07;
  else return -1;
  for (auto i = at + 1; i < end; ++i) value = (value << 6) | (text[i] & 0x3F);
  return value;
}

// The C library's UTF-8 tables whatever the process's locale is: the board and the line count
// cells as a UTF-8 terminal shows them (a CJK character takes two), not code points.
locale_t utf8_locale() {
  static locale_t const locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  return locale;
}

// The cells text[at, end) takes: wcwidth's, and one for what it does not know (malformed
// UTF-8, a control character).
std::size_t cells(std::string_view text, std::size_t at, std::size_t end, locale_t locale) {
  auto const code_point = decode(text, at, end);
  if (code_point < 0x80 || locale == locale_t{}) return 1;
  auto const previous = uselocale(locale);
  auto const width = wcwidth(static_cast<wchar_t>(code_point));
  uselocale(previous);
  return width < 0 ? 1 : static_cast<std::size_t>(width);
}

}  // namespace

std::string local_time_of_day(std::chrono::system_clock::time_point time) {
  auto const seconds = std::chrono::system_clock::to_time_t(time);
  tm local{};
  localtime_r(&seconds, &local);
  return fmt::format("{:02}:{:02}:{:02}", local.tm_hour, local.tm_min, local.tm_sec);
}

std::string short_latency(Duration duration) {
  auto const ms = std::chrono::duration<double, std::milli>(duration).count();
  if (ms < 10) return fmt::format("{:.1f}ms", ms);
  if (ms < 999.5) return fmt::format("{:.0f}ms", ms);
  auto const s = ms / 1000;
  if (s < 9.995) return fmt::format("{:.2f}s", s);
  if (s < 99.95) return fmt::format("{:.1f}s", s);
  return fmt::format("{:.0f}s", s);
}

std::string short_duration(std::chrono::system_clock::duration duration) {
  using namespace std::chrono;
  auto const s = std::max<long long>(duration_cast<seconds>(duration).count(), 0);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string short_size(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{}B", bytes);
  constexpr std::string_view units = "KMGTPE";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  for (value /= 1024; value >= 999.5 && unit + 1 < units.size(); value /= 1024) ++unit;
  if (value < 9.95) return fmt::format("{:.1f}{}", value, units[unit]);
  return fmt::format("{:.0f}{}", value, units[unit]);
}

std::string_view connection_kind(const FetchResult& result) {
  if (result.reused) return "reused";
  if (result.tls_resumed) return "resumed";
  if (result.connects > 0 || result.status) return "new";
  return "-";
}

std::string short_error(std::string_view error, std::size_t columns) {
  auto const clause = error.rfind(": ");
  if (clause != std::string_view::npos && clause + 2 < error.size()) {
    error.remove_prefix(clause + 2);
  }
  return fit_columns(error, columns);
}

std::size_t column_count(std::string_view text) {
  auto const locale = utf8_locale();
  std::size_t columns = 0;
  for (std::size_t at = 0, next = 0; at < text.size(); at = next) {
    next = next_code_point(text, at);
    columns += cells(text, at, next, locale);
  }
  return columns;
}

std::string fit_columns(std::string_view text, std::size_t columns) {
  if (column_count(text) <= columns) return std::string(text);
  if (columns == 0) return {};
  return std::string(text.substr(0, prefix_fitting(text, columns - 1))) + "…";
}

std::size_t prefix_fitting(std::string_view text, std::size_t columns) {
  auto const locale = utf8_locale();
  std::size_t used = 0, at = 0;
  while (at < text.size()) {
    auto const next = next_code_point(text, at);
    auto const width = cells(text, at, next, locale);
    if (used + width > columns) break;
    used += width;
    at = next;
  }
  return at;
}

std::size_t suffix_fitting(std::string_view text, std::size_t columns) {
  // From the end: back over continuation bytes to each code point's start.
  auto const locale = utf8_locale();
  std::size_t used = 0, start = text.size();
  while (start > 0) {
    auto at = start - 1;
    while (at > 0 && is_continuation(static_cast<unsigned char>(text[at]))) --at;
    auto const width = cells(text, at, start, locale);
    if (used + width > columns) break;
    used += width;
    start = at;
  }
  return start;
}

}  // namespace poller

namespace poller {

std::string fit_columns_middle(std::string_view text, std::size_t columns) {
  if (column_count(text) <= columns) return std::string(text);
  if (columns < 3) return fit_columns(text, columns);
  auto const head = (columns - 1) / 2, tail = columns - 1 - head;
  auto const head_end = prefix_fitting(text, head);
  auto const tail_start = std::max(head_end, suffix_fitting(text, tail));
  return std::string(text.substr(0, head_end)) + "…" + std::string(text.substr(tail_start));
}

}  // namespace poller
