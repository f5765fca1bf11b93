#include "poller/report/color.hpp"

#include <unistd.h>

#include <cstdlib>

namespace poller {

bool color_wanted(ColorMode mode, bool terminal, const char* no_color) {
  switch (mode) {
    case ColorMode::always:
      return true;
    case ColorMode::never:
      return false;
    case ColorMode::automatic:
      break;
  }
  return terminal && (no_color == nullptr || *no_color == '\0');
}

bool color_wanted(ColorMode mode, int fd) {
  return color_wanted(mode, isatty(fd) == 1, std::getenv("NO_COLOR"));
}

}  // namespace poller
