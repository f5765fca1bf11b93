#include "log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "poller/base/encoding.hpp"
#include "poller/report/json_record.hpp"

namespace poller {
namespace {

const LogSubject* current_subject = nullptr;

std::string utf8(std::string_view text) {
  return is_valid_utf8(text) ? std::string(text) : replace_invalid_utf8(text);
}

// --log-format json: {"time": "...", "level": "error", "message": "..."} per line, and the
// subject's fields, escaped by Boost.JSON so that no URL or server text can break the line.
std::string json_log_line(std::chrono::system_clock::time_point time, std::string_view level,
                          std::string_view text) {
  boost::json::object line;
  line["time"] = format_rfc3339_utc(time);
  line["level"] = level;
  line["message"] = utf8(text);
  if (current_subject != nullptr) {
    for (auto const& [field, value] : {std::pair{"url", current_subject->url},
                                       std::pair{"name", current_subject->name},
                                       std::pair{"error_kind", current_subject->error_kind}}) {
      if (!value.empty()) line[field] = utf8(value);
    }
  }
  return boost::json::serialize(line) + '\n';
}

// Under systemd, stderr is a journal stream when JOURNAL_STREAM names its device and inode;
// then each line starts with its syslog priority (<3> an error), as sd-daemon(3) says.
bool stderr_is_journal() {
  auto const* stream = std::getenv("JOURNAL_STREAM");
  struct stat status {};
  if (stream == nullptr || ::fstat(STDERR_FILENO, &status) != 0) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  return device == status.st_dev && inode == status.st_ino;
}

class JournalPriorityFormatter final : public spdlog::formatter {
 public:
  explicit JournalPriorityFormatter(std::unique_ptr<spdlog::formatter> line)
      : line_(std::move(line)) {}

  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override {
    char const priority = message.level >= spdlog::level::critical ? '2'
                          : message.level == spdlog::level::err    ? '3'
                          : message.level == spdlog::level::warn   ? '4'
                          : message.level == spdlog::level::info   ? '6'
                                                                   : '7';
    char const prefix[] = {'<', priority, '>'};
    out.append(prefix, prefix + sizeof prefix);
    line_->format(message, out);
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JournalPriorityFormatter>(line_->clone());
  }

 private:
  std::unique_ptr<spdlog::formatter> line_;
};

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

LogSubject::LogSubject(std::string_view url, std::string_view name, std::string_view error_kind)
    : url(url), name(name), error_kind(error_kind) {
  current_subject = this;
}

LogSubject::~LogSubject() { current_subject = nullptr; }

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
  std::unique_ptr<spdlog::formatter> line;
  if (format == LogFormat::json) {
    line = std::make_unique<JsonLogFormatter>();
  } else {
    line = std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$: %v", spdlog::pattern_time_type::utc);
  }
  if (stderr_is_journal()) line = std::make_unique<JournalPriorityFormatter>(std::move(line));
  logger->set_formatter(std::move(line));
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
