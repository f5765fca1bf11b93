#include "poller/report/json_record.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "poller/base/encoding.hpp"
#include "poller/input/target.hpp"

namespace poller {
namespace {

// As curl writes times: fixed-point seconds to the microsecond (0.000058), never 5.8e-05.
std::string seconds(Duration d) {
  return fmt::format("{:.6f}", std::chrono::duration<double>(d).count());
}

}  // namespace

std::string format_rfc3339_utc(std::chrono::system_clock::time_point time) {
  auto const millis = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(millis)),
                     millis.time_since_epoch().count() % 1000);
}

std::string format_rfc3339_utc_seconds(std::chrono::system_clock::time_point time) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(time)));
}

std::string to_json_record(const FetchResult& result, const Verdict& verdict,
                           const UrlState* state) {
  Record record;
  append_json_record(result, verdict, state, record);
  return record.to_string();
}

void append_json_record(const FetchResult& result, const Verdict& verdict, const UrlState* state,
                        Record& out) {
  // Boost.JSON writes a double as it likes (5.8e-05), so the times are written by hand between
  // the fields before them (head) and after them (record).
  boost::json::object head;
  head["time"] = format_rfc3339_utc(result.started);
  head["round"] = result.round;
  head["url"] = result.target->display_url;
  head["name"] = result.target->label();
  head["url_effective"] = result.url_effective;
  head["ok"] = verdict.pass();
  if (state != nullptr) {
    head["state"] = to_string(state->health);
    if (state->changed) head["state_changed"] = true;
  }
  if (result.status) head["status"] = *result.status;
  head["bytes"] = result.bytes;
  auto const times = fmt::format(
      R"(,"time_total":{},"time_namelookup":{},"time_connect":{},"time_appconnect":{},)"
      R"("time_starttransfer":{},)",
      seconds(result.time_total), seconds(result.time_namelookup), seconds(result.time_connect),
      seconds(result.time_appconnect), seconds(result.time_starttransfer));
  boost::json::object record;
  record["reused"] = result.reused;
  record["num_connects"] = result.connects;
  record["num_redirects"] = result.redirects;
  if (!result.remote_ip.empty()) record["remote_ip"] = result.remote_ip;
  if (!result.http_version.empty()) record["http_version"] = result.http_version;
  if (result.target->origin.is_https()) record["tls_resumed"] = result.tls_resumed;
  if (result.cert_expiry) record["cert_expiry"] = format_rfc3339_utc_seconds(*result.cert_expiry);
  if (!verdict.pass()) {
    record["error"] = verdict.reason;
    record["error_kind"] = verdict.kind;
    if (!verdict.check.empty()) record["check"] = verdict.check;
  }
  auto const before = boost::json::serialize(head);
  auto const after = boost::json::serialize(record);
  auto const fields = before.substr(0, before.size() - 1) + times + after.substr(1);
  // A 304 has no body, as curl --etag-compare prints none.
  if (!verdict.pass() || result.status == 304) {
    out.append(fields);
    return;
  }
  // The body fields come last, written by the record as views of the body: a JSON copy of a
  // 64 MiB body (up to 6 bytes for each byte, \u0001) is never held whole.
  out.append(std::string_view(fields).substr(0, fields.size() - 1));  // without the closing }
  out.append(R"(,"body":")");
  if (is_valid_utf8(result.body)) {
    out.append_view(result.body, Record::Encoding::json_string);
  } else {
    out.append_view(result.body, Record::Encoding::json_string_utf8);
    out.append(R"(","body_base64":")");
    out.append_view(result.body, Record::Encoding::base64);
  }
  out.append("\"}");
}

}  // namespace poller
