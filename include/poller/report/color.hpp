#pragma once
// Whether to colour what goes to a stream: --color and NO_COLOR (https://no-color.org).

#include "poller/report/output_config.hpp"

namespace poller {

// `always` and `never` win over everything; `automatic` colours a terminal unless NO_COLOR is
// set to a non-empty value (no-color.org: "present and not an empty string"). Pure.
bool color_wanted(ColorMode mode, bool terminal, const char* no_color);

// The same for file descriptor `fd` and this process's environment.
bool color_wanted(ColorMode mode, int fd);

}  // namespace poller
