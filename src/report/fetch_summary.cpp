#include "poller/report/fetch_summary.hpp"

#include <time.h>

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
  std::size_t columns = 0;
  for (std::size_t at = 0; at < text.size(); at = next_code_point(text, at)) ++columns;
  return columns;
}

std::string fit_columns(std::string_view text, std::size_t columns) {
  if (column_count(text) <= columns) return std::string(text);
  if (columns == 0) return {};
  std::size_t at = 0;
  for (std::size_t kept = 0; kept + 1 < columns; ++kept) at = next_code_point(text, at);
  return std::string(text.substr(0, at)) + "…";
}

}  // namespace poller

namespace poller {

std::string fit_columns_middle(std::string_view text, std::size_t columns) {
  auto const total = column_count(text);
  if (total <= columns) return std::string(text);
  if (columns < 3) return fit_columns(text, columns);
  auto const head = (columns - 1) / 2, tail = columns - 1 - head;
  std::size_t head_end = 0, tail_start = 0;
  for (std::size_t kept = 0; kept < head; ++kept) head_end = next_code_point(text, head_end);
  for (std::size_t skipped = 0; skipped < total - tail; ++skipped) {
    tail_start = next_code_point(text, tail_start);
  }
  return std::string(text.substr(0, head_end)) + "…" + std::string(text.substr(tail_start));
}

}  // namespace poller
