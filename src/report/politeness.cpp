#include "poller/report/politeness.hpp"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

#include "poller/base/text.hpp"

namespace poller {
namespace {

// RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must
// still accept. strptime reads names in the C locale, which poller never changes.
std::optional<Politeness::Time> parse_http_date(std::string_view value) {
  static constexpr const char* formats[] = {"%a, %d %b %Y %H:%M:%S GMT",
                                            "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"};
  std::string const text(value);
  for (auto const* format : formats) {
    tm fields{};
    auto const* end = ::strptime(text.c_str(), format, &fields);
    if (end == nullptr || *end != '\0') continue;
    auto const seconds = ::timegm(&fields);
    if (seconds == -1) continue;
    return Politeness::Time(std::chrono::seconds(seconds));
  }
  return std::nullopt;
}

}  // namespace

std::optional<Politeness::Time> parse_retry_after(std::string_view value, Politeness::Time now) {
  value = trim_ows(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // A delay too large for a number is as good as for ever: --max-retry-after caps it anyway.
    std::uint64_t seconds = 0;
    auto const [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    constexpr std::uint64_t ten_years = 10ull * 366 * 24 * 3600;
    if (ec == std::errc::result_out_of_range || seconds > ten_years) seconds = ten_years;
    return now + std::chrono::seconds(seconds);
  }
  return parse_http_date(value);
}

void take_politeness(Politeness& politeness, const FetchResult& result, const Verdict& verdict,
                     Duration max_retry_after, Politeness::Time now) {
  politeness.news = Politeness::News::none;
  if (!result.status) return;
  auto const status = *result.status;
  auto const& polite = result.polite;
  if (polite && polite->validator_too_long != 0 && !politeness.told_validator_too_long) {
    politeness.told_validator_too_long = true;
    politeness.news = Politeness::News::validator_too_long;
  }
  if ((status == 200 && verdict.pass()) || status == 304) {
    // Kept as a part of the result's fields, without a copy.
    auto brought = polite && !polite->validators.empty()
                       ? std::shared_ptr<const Validators>(polite, &polite->validators)
                       : nullptr;
    // A 304 need not repeat the validators; the ones it does repeat replace the kept ones.
    if (status == 200 || brought) politeness.validators = std::move(brought);
    return;
  }
  if ((status != 429 && status != 503) || !polite || polite->retry_after.empty()) return;
  auto until = parse_retry_after(polite->retry_after, now);
  if (!until) {
    politeness.news = Politeness::News::unreadable_retry_after;
    return;
  }
  if (*until <= now) return;
  auto const latest = now + std::chrono::duration_cast<Politeness::Time::duration>(max_retry_after);
  bool const capped = *until > latest;
  politeness.skip_until = capped ? latest : *until;
  politeness.news = capped ? Politeness::News::backing_off_capped : Politeness::News::backing_off;
}

}  // namespace poller
