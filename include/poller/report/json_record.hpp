#pragma once
// --format json: one fetch as one NDJSON line, written with Boost.JSON.

#include <chrono>
#include <string>
#include <string_view>

#include "poller/base/fetch_result.hpp"
#include "poller/report/record.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

// The record without its trailing newline. `body` carries the body as text; a body that is not
// valid UTF-8 gets U+FFFD in `body` and its exact bytes in `body_base64`. With the entry's
// `state`: its `state`, and `"state_changed":true` on an event's record.
std::string to_json_record(const FetchResult& result, const Verdict& verdict,
                           const UrlState* state = nullptr);
// The same, appended to `out`, with the body fields as views of the body, escaped and encoded
// only as they are written: no copy of the body is made.
void append_json_record(const FetchResult& result, const Verdict& verdict, const UrlState* state,
                        Record& out);

// "2026-11-25T19:45:28.123Z"
std::string format_rfc3339_utc(std::chrono::system_clock::time_point time);
// "2026-11-29T01:07:10Z": for certificate times, which have whole seconds only.
std::string format_rfc3339_utc_seconds(std::chrono::system_clock::time_point time);

}  // namespace poller
