#include "log.hpp"

#include <chrono>
#include <iostream>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "poller/base/encoding.hpp"
#include "poller/report/json_record.hpp"

namespace poller {
namespace {

// --log-format json: {"time": "...", "level": "error", "message": "..."} per line, escaped by
// Boost.JSON so that no URL or server text can break the line.
std::string json_log_line(std::chrono::system_clock::time_point time, std::string_view level,
                          std::string_view text) {
  boost::json::object line;
  line["time"] = format_rfc3339_utc(time);
  line["level"] = level;
  line["message"] = is_valid_utf8(text) ? std::string(text) : replace_invalid_utf8(text);
  return boost::json::serialize(line) + '\n';
}

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override {
    auto const level = spdlog::level::to_string_view(message.level);
    auto const line =
        json_log_line(message.time, std::string_view(level.data(), level.size()),
                      std::string_view(message.payload.data(), message.payload.size()));
    out.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>();
  }
};

}  // namespace

void log_startup_error(LogFormat format, std::string_view message) {
  if (format == LogFormat::json) {
    std::cerr << json_log_line(std::chrono::system_clock::now(), "error", message) << std::flush;
  } else {
    std::cerr << "poller: " << message << '\n' << std::flush;
  }
}

void setup_logging(Verbosity verbosity, LogFormat format, bool color) {
  spdlog::drop("poller");
  // Single-threaded sink: the whole program runs on one thread.
  auto logger = spdlog::stderr_color_st(
      "poller", color ? spdlog::color_mode::always : spdlog::color_mode::never);
  if (format == LogFormat::json) {
    logger->set_formatter(std::make_unique<JsonLogFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$: %v", spdlog::pattern_time_type::utc);
  }
  switch (verbosity) {
    case Verbosity::quiet:
      logger->set_level(spdlog::level::err);
      break;
    case Verbosity::normal:
      logger->set_level(spdlog::level::info);
      break;
    case Verbosity::verbose:
      logger->set_level(spdlog::level::debug);
      break;
  }
  // Errors are rare and must not be lost if the process is killed right after.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace poller
