#include "poller/report/verdict.hpp"

#include <fmt/format.h>

#include "poller/report/checks.hpp"

namespace poller {

Verdict wire_verdict(const FetchResult& result) {
  if (result.ok()) return {};
  return {Verdict::Failure::wire, result.error->message, error_kind_name(result.error->kind)};
}

Verdict judge(const Checks& checks, const FetchResult& result,
              std::chrono::system_clock::time_point now) {
  if (!result.ok()) return wire_verdict(result);
  if (checks.fail_on_http_error && !checks.expect_status && result.status && *result.status >= 400)
    return {Verdict::Failure::http_status, fmt::format("HTTP status {}", *result.status),
            "http_status"};
  auto failure = evaluate_checks(checks, result, now);
  if (!failure) return {};
  return {Verdict::Failure::check, "check failed: " + failure->reason, "check", failure->check};
}

void drop_refused_body(const Verdict& verdict, FetchResult& result) {
  if (verdict.failure != Verdict::Failure::http_status) return;
  result.body.clear();
  result.bytes = 0;
  result.body_sha256.reset();
}

}  // namespace poller
