#pragma once
// The diagnostic log on standard error: one line per event, UTC timestamps; plain text, or one
// JSON object per line for log shippers.

#include <string_view>

namespace poller {

enum class LogFormat { text, json };
enum class Verbosity { quiet, normal, verbose };

// -q: errors only; default: warnings and notable events; -v: per-request detail. `color`: the
// level in colour (see color.hpp for who decides).
void setup_logging(Verbosity verbosity, LogFormat format, bool color);

// What the lines logged while it lives are about: --log-format json gives them as the fields
// url, name and error_kind (empty ones left out). One at a time; lines are formatted as they are
// logged, on the one thread.
class LogSubject {
 public:
  LogSubject(std::string_view url, std::string_view name, std::string_view error_kind);
  ~LogSubject();
  LogSubject(const LogSubject&) = delete;
  LogSubject& operator=(const LogSubject&) = delete;

  std::string_view url, name, error_kind;
};

// An error before the run starts (usage, the URL list): "poller: MESSAGE" as text, or, with
// --log-format json, a JSON line like every other in that mode. On stderr, whatever -q says.
void log_startup_error(LogFormat format, std::string_view message);

}  // namespace poller
