#pragma once
// What the output sinks need to know of a run's settings.

#include <cstdint>
#include <optional>

#include "poller/report/write_out.hpp"

namespace poller {

enum class OutputFormat { body, json, none, line, board };
// --color: `automatic` colours a terminal unless NO_COLOR is set (see color.hpp).
enum class ColorMode { automatic, always, never };

struct OutputConfig {
  OutputFormat format = OutputFormat::body;
  std::optional<WriteOutTemplate> write_out;  // -w
  bool on_change = false;
  ColorMode color = ColorMode::automatic;
  // Not an option of its own: --count, set by the app, so the board can show how far the run is.
  std::optional<std::uint64_t> rounds;
};

}  // namespace poller
