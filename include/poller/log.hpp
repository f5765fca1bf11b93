#pragma once
// The diagnostic log on standard error: one line per event, UTC timestamps; plain text, or one
// JSON object per line for log shippers.

#include "poller/options.hpp"

namespace poller {

// -q: errors only; default: warnings and notable events; -v: per-request detail.
void setup_logging(Verbosity verbosity, LogFormat format);

}  // namespace poller
