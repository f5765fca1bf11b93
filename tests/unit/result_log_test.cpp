// What the log says of results: a failure when it is news (down, a new reason, a reminder while
// down), a recovery once; -v every failure.
#include "result_log.hpp"

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "poller/input/target.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

struct ResultLogTest : ::testing::Test {
  Target a = *parse_target("http://127.0.0.1:1/a").target;
  UrlStates states{false};
  std::ostringstream lines;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();

  ResultLogTest() {
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_st>(lines, true));
    logger->set_pattern("%l: %v");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~ResultLogTest() override { spdlog::set_default_logger(previous); }

  void fetch(ResultLog& log, std::chrono::seconds at, const char* error) {
    FetchResult result;
    result.target = &a;
    result.started = std::chrono::system_clock::time_point(at);
    if (error == nullptr) result.status = 200;
    if (error != nullptr) result.error = FetchError{FetchErrorKind::connect, error};
    auto const verdict = wire_verdict(result);
    log(result, verdict, states.record(result, verdict));
  }
};

TEST_F(ResultLogTest, AFailureIsLoggedWhenItIsNews) {
  ResultLog log(false, 60s);
  fetch(log, 0s, "connect: refused");
  fetch(log, 10s, "connect: refused");   // the same again: not news
  fetch(log, 70s, "connect: refused");   // a minute since it was said: a reminder
  fetch(log, 80s, "connect: timed out");  // a new reason
  fetch(log, 90s, nullptr);

  EXPECT_EQ(lines.str(),
            "error: DOWN http://127.0.0.1:1/a: connect: refused\n"
            "error: DOWN http://127.0.0.1:1/a: connect: refused (down since 1970-01-01T00:00:00Z, "
            "70s)\n"
            "error: http://127.0.0.1:1/a: connect: timed out\n"
            "info: UP http://127.0.0.1:1/a: up again after 90s down\n");
}

TEST_F(ResultLogTest, VerboseLogsEveryFailure) {
  ResultLog log(true, 60s);
  fetch(log, 0s, "connect: refused");
  fetch(log, 10s, "connect: refused");

  EXPECT_EQ(lines.str(),
            "error: DOWN http://127.0.0.1:1/a: connect: refused\n"
            "error: http://127.0.0.1:1/a: connect: refused\n");
}

}  // namespace
}  // namespace poller
