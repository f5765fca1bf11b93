#pragma once
// Whether a fetch passes, decided once per fetch from what happened on the wire (a FetchResult)
// and the checks that apply to it (checks.hpp). The result is not rewritten into a failure:
// each listener of a result (the store, the log, the output) reads the two side by side.

#include <chrono>
#include <string>
#include <string_view>

#include "poller/base/fetch_result.hpp"

namespace poller {

struct Checks;

struct Verdict {
  enum class Failure {
    none,
    wire,         // the fetch itself failed: FetchResult::error says how
    http_status,  // -f: a status of 400 or more
    check,        // a check (--expect-status, --expect-body, ...) was missed
  };
  Failure failure = Failure::none;
  std::string reason;          // for the log line after "URL: ", -w %{errormsg}, JSON `error`
  std::string_view kind{};     // JSON `error_kind`: the wire error's kind, "http_status", "check"
  std::string_view check{};    // with Failure::check: "status", "body", "latency", "cert_expiry"

  bool pass() const { return failure == Failure::none; }
};

// The verdict on `result` with no check: it passes if it arrived whole.
Verdict wire_verdict(const FetchResult& result);

// The verdict on `result` by the status policy and the checks: a status -f refuses fails it with
// "HTTP status N"; a missed check (the first of status, body, latency, cert_expiry) with "check
// failed: REASON". `now` is when the certificate expiry is measured from.
Verdict judge(const Checks& checks, const FetchResult& result,
              std::chrono::system_clock::time_point now);

// As curl -f: the body of a response -f refused is neither output nor counted. Drops it.
void drop_refused_body(const Verdict& verdict, FetchResult& result);

}  // namespace poller
