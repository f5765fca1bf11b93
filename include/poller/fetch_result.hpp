#pragma once
// What one fetch produced: the value that flows from the client to the output sinks and the log.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "poller/duration.hpp"
#include "poller/target.hpp"

namespace poller {

// The final response's header fields, looked up without copying them out of the parser.
class ResponseHeaders {
 public:
  // The field's value (case-insensitive name); empty when absent.
  virtual std::string_view get(std::string_view name) const = 0;

 protected:
  ~ResponseHeaders() = default;
};

struct FetchResult {
  const Target* target = nullptr;  // as listed
  std::uint64_t round = 0;         // from 1
  std::chrono::system_clock::time_point started;

  bool ok = false;
  bool cancelled = false;            // stopped by a signal: neither a success nor a failure
  std::optional<unsigned> status;    // absent when no response arrived
  std::string url_effective;         // after redirects, password removed
  unsigned redirects = 0;
  std::string error;                 // why the fetch failed, when !ok
  // The check the fetch missed ("status", "body", "latency", "cert_expiry"; see checks.hpp),
  // empty when it missed none. A fetch that misses one is not ok and its error says why.
  std::string_view failed_check;

  std::size_t entry = 0;  // the target's position in the URL list, from 0
  // The whole body when ok and kept (Options::keep_body); valid until the next fetch.
  std::string_view body;
  std::uint64_t bytes = 0;  // of the body, kept or not
  // With Options::digest_body (--on-change): the body's SHA-256, taken as it streamed in.
  std::optional<std::array<unsigned char, 32>> body_sha256;
  const ResponseHeaders* headers = nullptr;  // of the final response; valid until the next fetch
  std::string http_version;                  // "1.1", "1.0"; empty without a response

  bool reused = false;      // the (last) request went over a connection opened earlier
  unsigned connects = 0;    // new connections this fetch opened
  bool tls_resumed = false; // the (last) new TLS connection resumed an earlier session
  std::string remote_ip;
  // https: when the leaf certificate of the connection that carried the final response expires
  // (its notAfter). Read at the handshake and kept with the connection, so it is there on a
  // reused connection too.
  std::optional<std::chrono::system_clock::time_point> cert_expiry;

  // From the start of the fetch, as curl's -w variables of the same names; 0 for a phase that
  // did not happen (a reused connection has no connect).
  Duration time_namelookup{};  // the name resolved (an IP literal or --resolve: at once)
  Duration time_connect{};
  Duration time_appconnect{};
  Duration time_starttransfer{};
  Duration time_total{};
};

}  // namespace poller
