#include "result_log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "log.hpp"
#include "poller/base/duration.hpp"
#include "poller/input/target.hpp"
#include "poller/report/json_record.hpp"

namespace poller {
namespace {

// A named URL's line gives the URL too: the name says which check, the URL where to look.
std::string who(const Target& target) {
  if (target.name.empty()) return target.display_url;
  return fmt::format("{} ({})", target.name, target.display_url);
}

Duration since(ResultLog::Clock::time_point then, ResultLog::Clock::time_point now) {
  return std::chrono::duration_cast<Duration>(now - then);
}

}  // namespace

void ResultLog::operator()(const FetchResult& result, const Verdict& verdict,
                           const UrlState& state) {
  auto const& target = *result.target;
  if (!verdict.pass()) {
    if (!shown_elsewhere_) log_failure(result, verdict, state);
    return;
  }
  said_.erase(result.entry);
  if (state.changed) {
    LogSubject const subject(target.display_url, target.label(), {});
    spdlog::info("UP {}: up again after {} down", who(target),
                 format_duration(since(state.ended_since, result.started)));
  } else if (spdlog::should_log(spdlog::level::debug)) {
    // Checked first: the arguments would be formatted even with the line switched off.
    spdlog::debug("{}: {} {} bytes in {}{}", result.url_effective, *result.status, result.bytes,
                  format_duration(result.time_total),
                  result.reused ? " (reused connection)" : "");
  }
}

void ResultLog::log_failure(const FetchResult& result, const Verdict& verdict,
                            const UrlState& state) {
  auto const& target = *result.target;
  auto& said = said_[result.entry];
  bool const news = said.of != state.of || said.reason != verdict.reason;
  bool const remind = !news && state.down() && result.started - said.at >= reminder_;
  if (!state.changed && !news && !remind && !every_failure_) return;

  LogSubject const subject(target.display_url, target.label(), verdict.kind);
  if (state.changed) {
    spdlog::error("DOWN {}: {}", who(target), verdict.reason);
  } else if (remind) {
    spdlog::error("DOWN {}: {} (down since {}, {})", who(target), verdict.reason,
                  format_rfc3339_utc_seconds(state.health_since),
                  format_duration(since(state.health_since, result.started)));
  } else {
    spdlog::error("{}: {}", who(target), verdict.reason);
  }
  said = {state.of, verdict.reason, result.started};
}

}  // namespace poller
