#pragma once
// Checks (--expect-status, --expect-body, --max-latency, --cert-expiry): conditions every fetch of
// a run must meet beyond arriving whole, as check_curl, blackbox_exporter and Gatus offer them.
// The option values are parsed here, and a received FetchResult is checked here (verdict.hpp
// makes the verdict of it), so the client stays about transport. Pure apart from PCRE2, which
// stays behind a pointer.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poller/base/duration.hpp"
#include "poller/base/fetch_result.hpp"

namespace poller {

// --expect-status 200,204,300-399: single statuses and inclusive ranges, each 100 to 999.
class StatusList {
 public:
  // Throws UsageError naming the bad item.
  static StatusList parse(std::string_view text);

  bool contains(unsigned status) const;
  const std::string& text() const { return text_; }  // as given, for log lines

 private:
  struct Range {
    unsigned first;
    unsigned last;
  };
  std::vector<Range> ranges_;
  std::string text_;
};

// --expect-body REGEX: a PCRE2 pattern, compiled once, matched against the body's bytes (no UTF
// mode: a body need not be text, and a byte pattern can neither fail on invalid UTF-8 nor cost a
// UTF validity pass per body). Not a full-body match: `ok` matches "status: ok\n".
class BodyPattern {
 public:
  // Throws UsageError with PCRE2's message and the offset of the error in the pattern.
  static BodyPattern compile(std::string_view pattern);

  // Empty when the body matches; otherwise why not ("body does not match ..." or, when PCRE2
  // gives up, say at its match limit, the reason it gave).
  std::optional<std::string> mismatch(std::string_view body) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> compiled_;
  std::string pattern_;
};

// The checks of a run; none set means every fetch that arrives whole passes.
struct Checks {
  // The status policy. -f: a status of 400 or more fails the fetch (as curl -f, its body is not
  // output); with expect_status that list alone decides which statuses pass.
  bool fail_on_http_error = false;
  std::optional<StatusList> expect_status{};
  std::optional<BodyPattern> expect_body{};
  std::optional<Duration> max_latency{};
  std::optional<unsigned> cert_expiry_days{};

  bool any() const { return expect_status || expect_body || max_latency || cert_expiry_days; }
};

struct CheckFailure {
  std::string_view check;  // "status", "body", "latency" or "cert_expiry", as in NDJSON
  std::string reason;      // "status 503 not in 200,204", for the log line after "check failed: "
};

// The first check, in the order status, body, latency, cert_expiry, that a successful fetch
// misses; nothing for a fetch that already failed (its error says more) or that passes them all.
// `now` is when the certificate expiry is measured from.
std::optional<CheckFailure> evaluate_checks(const Checks& checks, const FetchResult& result,
                                            std::chrono::system_clock::time_point now);

}  // namespace poller
