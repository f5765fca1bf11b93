#pragma once
// What one fetch produced on the wire: the value that flows from the client to the verdict, then
// with it to the store, the log and the output.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "poller/base/duration.hpp"
#include "poller/base/fetch_error.hpp"
#include "poller/base/validators.hpp"

namespace poller {

struct Target;  // input/target.hpp: the base layer only points at one

// The final response's header fields, as the parser left them (the client moves them here rather
// than copying them out field by field).
class ResponseHeaders {
 public:
  virtual ~ResponseHeaders() = default;
  // The field's value (case-insensitive name); empty when absent.
  virtual std::string_view get(std::string_view name) const = 0;
};

// What a final response asked of poller (SPEC "Back-off on request", --conditional): a 429's or
// 503's Retry-After as given, and with --conditional the validators of a 200 or 304 (each kept
// only when short enough).
struct PoliteFields {
  std::string retry_after;
  Validators validators;
  std::size_t validator_too_long = 0;  // the length of a validator not kept (0: none)
};

struct FetchResult {
  const Target* target = nullptr;  // as listed
  std::uint64_t round = 0;         // from 1
  std::chrono::system_clock::time_point started;

  std::optional<FetchError> error;   // absent: the fetch succeeded
  std::optional<unsigned> status;    // absent when no response arrived
  std::string url_effective;         // after redirects, password removed
  unsigned redirects = 0;

  // It arrived whole; whether it passes is the verdict's to say (report/verdict.hpp).
  bool ok() const { return !error; }
  bool cancelled() const { return error && error->kind == FetchErrorKind::cancelled; }

  std::size_t entry = 0;  // the target's position in the URL list, from 0
  // The whole body when ok and kept (ClientConfig::keep_body).
  std::string body;
  std::uint64_t bytes = 0;  // of the body, kept or not
  // With ClientConfig::digest_body (--on-change): the body's SHA-256, taken as it streamed in.
  std::optional<std::array<unsigned char, 32>> body_sha256;
  // Of the final response; null without one, or when not kept (ClientConfig::keep_headers).
  std::shared_ptr<const ResponseHeaders> headers;
  std::string http_version;                  // "1.1", "1.0"; empty without a response
  // Null unless the response brought any: most fetches carry (and move) one pointer, not three
  // strings. Shared, so that a URL's state can keep the validators without a copy.
  std::shared_ptr<const PoliteFields> polite;
  bool conditional = false;  // the request carried validators of poller's own

  bool reused = false;      // the (last) request went over a connection opened earlier
  unsigned connects = 0;    // new connections this fetch opened
  bool tls_resumed = false; // the (last) new TLS connection resumed an earlier session
  std::string remote_ip;
  unsigned short remote_port = 0;
  std::string method;  // of the last request ("GET"; a redirect may change it)
  // Bytes of the response headers read (interim responses and redirects' included) and of the
  // requests written, as curl's size_header and size_request count them.
  std::uint64_t header_bytes = 0;
  std::uint64_t request_bytes = 0;
  // https: when the leaf certificate of the connection that carried the final response expires
  // (its notAfter). Read at the handshake and kept with the connection, so it is there on a
  // reused connection too.
  std::optional<std::chrono::system_clock::time_point> cert_expiry;

  // From the start of the fetch, as curl's -w variables of the same names; 0 for a phase that
  // did not happen (a reused connection has no connect).
  Duration time_namelookup{};  // the name resolved (an IP literal or --resolve: at once)
  Duration time_connect{};
  Duration time_appconnect{};
  Duration time_pretransfer{};  // the last request about to be written
  Duration time_redirect{};     // every redirect step before the last request
  Duration time_starttransfer{};
  Duration time_total{};
};

}  // namespace poller
