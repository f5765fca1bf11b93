#pragma once
// Reading poller's stderr log in tests: "2026-11-25T20:41:07.311Z error: URL: reason" lines.

#include <string>
#include <string_view>
#include <vector>

namespace poller::test {

// The message of every line at `level` ("error", "warning", "info", "debug"), in order, without
// the timestamp and level: for an error, "URL: reason". The "DOWN " that marks a change of
// state is left out too (state_test.cpp reads it).
inline std::vector<std::string> log_messages(std::string_view log,
                                             std::string_view level = "error") {
  std::vector<std::string> messages;
  const std::string marker = "Z " + std::string(level) + ": ";
  while (!log.empty()) {
    const auto end = log.find('\n');
    const std::string_view line = log.substr(0, end);
    log.remove_prefix(end == std::string_view::npos ? log.size() : end + 1);
    if (const auto at = line.find(marker); at != std::string_view::npos && at < 32) {
      auto message = line.substr(at + marker.size());
      if (message.starts_with("DOWN ")) message.remove_prefix(5);
      messages.emplace_back(message);
    }
  }
  return messages;
}

inline std::vector<std::string> times(int n, const std::string& text) {
  return std::vector<std::string>(static_cast<std::size_t>(n), text);
}

}  // namespace poller::test
