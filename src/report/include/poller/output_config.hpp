#pragma once
// What the output sinks need to know of a run's settings.

#include <optional>

#include "poller/write_out.hpp"

namespace poller {

enum class OutputFormat { body, json, none };

struct OutputConfig {
  OutputFormat format = OutputFormat::body;
  std::optional<WriteOutTemplate> write_out;  // -w
  bool on_change = false;
};

}  // namespace poller
