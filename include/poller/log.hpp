#pragma once
// The diagnostic log on standard error: one line per event, UTC timestamps.

#include "poller/options.hpp"

namespace poller {

// -q: errors only; default: warnings and notable events; -v: per-request detail.
void setup_logging(Verbosity verbosity);

}  // namespace poller
