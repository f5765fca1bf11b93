#include "politeness_log.hpp"

#include <spdlog/spdlog.h>

#include "poller/base/encoding.hpp"
#include "poller/input/target.hpp"
#include "poller/report/json_record.hpp"

namespace poller {
namespace {

// As the failure lines: a named URL's line gives the URL too.
std::string who(const Target& target) {
  if (target.name.empty()) return target.display_url;
  return target.name + " (" + target.display_url + ")";
}

}  // namespace

void log_politeness(const FetchResult& result, const Verdict&, const UrlState& state) {
  using News = Politeness::News;
  auto const& polite = state.polite;
  switch (polite.news) {
    case News::none:
      return;
    case News::unreadable_retry_after:
      spdlog::debug("{}: {} with Retry-After \"{}\", neither seconds nor an HTTP date: ignored",
                    who(*result.target), *result.status,
                    escape_control_characters(result.polite->retry_after));
      return;
    case News::validator_too_long:
      spdlog::warn("{}: a validator (ETag or Last-Modified) of {} bytes, longer than {}: not kept, "
                   "so its requests stay unconditional",
                   who(*result.target), result.polite->validator_too_long, Validators::max_length);
      return;
    case News::backing_off:
    case News::backing_off_capped:
      spdlog::info("{}: {} with Retry-After \"{}\": not fetched until {}{}", who(*result.target),
                   *result.status, escape_control_characters(result.polite->retry_after),
                   format_rfc3339_utc_seconds(*polite.skip_until),
                   polite.news == News::backing_off_capped ? " (capped by --max-retry-after)" : "");
      return;
  }
}

}  // namespace poller
