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

// An error before the run starts (usage, the URL list): "poller: MESSAGE" as text, or, with
// --log-format json, a JSON line like every other in that mode. On stderr, whatever -q says.
void log_startup_error(LogFormat format, std::string_view message);

}  // namespace poller
