#pragma once
// What a list entry's server asked of poller, kept in its UrlState (SPEC "Back-off on request",
// --conditional): when it may be fetched again after a 429 or 503 with Retry-After, and the
// validators its next request sends back. Pure: no I/O.

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "poller/base/duration.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/base/validators.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

struct Politeness {
  using Time = std::chrono::system_clock::time_point;

  // Of the last passing 200 (or a 304 confirming it): sent with the next request. Null: none.
  std::shared_ptr<const Validators> validators;
  // Retry-After: the entry's fetches are skipped before then.
  std::optional<Time> skip_until;

  // What the result just taken in changed, for the log: a back-off began (and whether
  // --max-retry-after shortened it), a Retry-After could not be read, or (said once per
  // entry) a validator was too long to keep.
  enum class News {
    none,
    backing_off,
    backing_off_capped,
    unreadable_retry_after,
    validator_too_long
  };
  News news = News::none;
  bool told_validator_too_long = false;

  bool skips(Time now) const { return skip_until && now < *skip_until; }
};

// Retry-After's value (RFC 9110 10.2.3): delta-seconds, or an HTTP-date in any of its three
// forms (5.6.7), as the time it names; nullopt for anything else.
std::optional<Politeness::Time> parse_retry_after(std::string_view value, Politeness::Time now);

// Takes a judged result into `politeness`: a 429 or 503 with a readable Retry-After in the
// future sets skip_until (at most `max_retry_after` from `now`); a passing 200 or a 304 keeps
// the validators it brought.
void take_politeness(Politeness& politeness, const FetchResult& result, const Verdict& verdict,
                     Duration max_retry_after, Politeness::Time now);

}  // namespace poller
