#include "poller/report/checks.hpp"

#include <fmt/format.h>
#include <pcre2.h>  // PCRE2_CODE_UNIT_WIDTH=8 comes from src/CMakeLists.txt

#include <charconv>
#include <new>

#include "poller/base/encoding.hpp"
#include "poller/report/json_record.hpp"
#include "poller/base/usage_error.hpp"
#include "poller/base/text.hpp"

namespace poller {
namespace {

// "503" -> 503; nothing for anything but 100..999 written as plain digits.
std::optional<unsigned> parse_status(std::string_view text) {
  unsigned value = 0;
  auto const* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, value);
  if (text.empty() || ec != std::errc{} || end != last || value < 100 || value > 999) {
    return std::nullopt;
  }
  return value;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0)
    return fmt::format("PCRE2 error {}", code);
  return reinterpret_cast<const char*>(buffer);
}

std::string plural(long long n, std::string_view unit) {
  return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
}

// "3 days", "2 days 23 hours", "5 hours", "40 minutes": how long until a certificate expires,
// rounded down. Days alone would say "2 days" of a certificate that has 71.9 hours left.
std::string time_left(Duration left) {
  using namespace std::chrono;
  auto const minutes_left = duration_cast<minutes>(left).count();
  auto const days = minutes_left / (24 * 60), hours_left = minutes_left / 60 % 24;
  if (days == 0 && hours_left == 0) return plural(minutes_left, "minute");
  if (days == 0) return plural(hours_left, "hour");
  if (hours_left == 0) return plural(days, "day");
  return plural(days, "day") + " " + plural(hours_left, "hour");
}

}  // namespace

StatusList StatusList::parse(std::string_view text) {
  StatusList list;
  list.text_ = std::string(text);
  std::string_view rest = text;
  for (;;) {
    auto const comma = rest.find(',');
    auto const item = trim_ows(rest.substr(0, comma));
    if (item.empty()) {
      throw UsageError(
          fmt::format("--expect-status \"{}\": empty item (expected e.g. 200,204,300-399)",
                      escape_control_characters(text)));
    }
    auto const dash = item.find('-');
    auto const first = parse_status(trim_ows(item.substr(0, dash)));
    auto const last =
        dash == std::string_view::npos ? first : parse_status(trim_ows(item.substr(dash + 1)));
    if (!first || !last || *first > *last) {
      throw UsageError(fmt::format(
          "--expect-status: \"{}\" is not a status or a range of statuses (100 to 999, e.g. "
          "200,204,300-399)",
          escape_control_characters(item)));
    }
    list.ranges_.push_back({*first, *last});
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return list;
}

bool StatusList::contains(unsigned status) const {
  for (auto const& range : ranges_) {
    if (range.first <= status && status <= range.last) return true;
  }
  return false;
}

struct BodyPattern::Compiled {
  struct CodeFree {
    void operator()(pcre2_code* code) const { pcre2_code_free(code); }
  };
  struct MatchDataFree {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
  };
  std::unique_ptr<pcre2_code, CodeFree> code;
  // One match at a time (single-threaded run), so one match block serves every body.
  std::unique_ptr<pcre2_match_data, MatchDataFree> match_data;
};

BodyPattern BodyPattern::compile(std::string_view pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  auto compiled = std::make_shared<Compiled>();
  compiled->code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     0, &error, &offset, nullptr));
  if (!compiled->code) {
    throw UsageError(fmt::format("--expect-body \"{}\": {} at offset {}",
                                 escape_control_characters(pattern), pcre2_message(error), offset));
  }
  // The JIT makes a match several times faster; without it (no executable memory allowed, an
  // unsupported CPU) the interpreter gives the same answers.
  pcre2_jit_compile(compiled->code.get(), PCRE2_JIT_COMPLETE);
  compiled->match_data.reset(pcre2_match_data_create_from_pattern(compiled->code.get(), nullptr));
  if (!compiled->match_data) throw std::bad_alloc();

  BodyPattern result;
  result.compiled_ = std::move(compiled);
  result.pattern_ = std::string(pattern);
  return result;
}

std::optional<std::string> BodyPattern::mismatch(std::string_view body) const {
  // An empty body's data() may be null; PCRE2 wants a valid pointer even for length 0.
  auto const* subject = reinterpret_cast<PCRE2_SPTR>(body.empty() ? "" : body.data());
  int const rc = pcre2_match(compiled_->code.get(), subject, body.size(), 0, 0,
                             compiled_->match_data.get(), nullptr);
  if (rc >= 0) return std::nullopt;
  auto const quoted = escape_control_characters(pattern_);
  if (rc == PCRE2_ERROR_NOMATCH) return fmt::format("body does not match \"{}\"", quoted);
  return fmt::format("body not matched against \"{}\": {}", quoted, pcre2_message(rc));
}

std::optional<CheckFailure> evaluate_checks(const Checks& checks, const FetchResult& result,
                                            std::chrono::system_clock::time_point now) {
  if (!result.ok()) return std::nullopt;
  // A 304 to poller's conditional request confirms the body whose 200 passed these checks.
  bool const confirmed = result.conditional && result.status == 304;
  if (!confirmed && checks.expect_status && result.status &&
      !checks.expect_status->contains(*result.status)) {
    return CheckFailure{
        "status", fmt::format("status {} not in {}", *result.status, checks.expect_status->text())};
  }
  if (!confirmed && checks.expect_body) {
    if (auto why = checks.expect_body->mismatch(result.body))
      return CheckFailure{"body", std::move(*why)};
  }
  if (checks.max_latency && result.time_total > *checks.max_latency) {
    return CheckFailure{
        "latency", fmt::format("took {}, over --max-latency {}", format_duration(result.time_total),
                               format_duration(*checks.max_latency))};
  }
  if (checks.cert_expiry_days && result.cert_expiry) {
    auto const left = *result.cert_expiry - now;
    // Compared in hours: DAYS may be up to 2^32 - 1, which in nanoseconds would overflow.
    if (std::chrono::floor<std::chrono::hours>(left) <
        std::chrono::hours(24) * *checks.cert_expiry_days) {
      auto const when = format_rfc3339_utc_seconds(*result.cert_expiry);
      if (left <= Duration::zero()) {
        // Only reachable with -k: verification refuses an expired certificate.
        return CheckFailure{"cert_expiry",
                            fmt::format("certificate expired ({}), within --cert-expiry {}", when,
                                        *checks.cert_expiry_days)};
      }
      return CheckFailure{"cert_expiry",
                          fmt::format("certificate expires in {} ({}), within --cert-expiry {}",
                                      time_left(left), when, *checks.cert_expiry_days)};
    }
  }
  return std::nullopt;
}

}  // namespace poller
