#pragma once
// Why a fetch did not succeed: a kind, for the code that acts on it, and the text a person reads.
// Expected network outcomes are values of this type, never exceptions or sentinel strings.

#include <string>
#include <string_view>

namespace poller {

enum class FetchErrorKind {
  cancelled,      // a signal stopped the run: neither a success nor a failure
  resolve,        // the host name did not resolve
  connect,        // no TCP connection (refused, unreachable, out of descriptors)
  tls,            // the handshake or the certificate failed, or the trust store did not load
  proxy,          // the proxy refused or broke the tunnel, or could not be reached
  timeout,        // --connect-timeout or --max-time passed
  connection,     // closed or reset by the server before the response was whole
  protocol,       // a response poller cannot read (malformed, bad encoding, 101)
  too_large,      // over --max-filesize, or a header past its limit
  out_of_memory,  // the fetch, not the run, failed to allocate
  redirect,       // a bad Location, or too many redirects
};

struct FetchError {
  FetchErrorKind kind;
  std::string message;  // for the log line after "URL: ", as -w %{errormsg} and NDJSON `error`
};

// The kind as a stable word ("connect", "timeout", ...): JSON records' `error_kind` (beside the
// verdict's "http_status" and "check"), for programs that act on a failure without matching its
// English message.
std::string_view error_kind_name(FetchErrorKind kind);

inline FetchError fetch_cancelled() { return {FetchErrorKind::cancelled, "cancelled"}; }

}  // namespace poller
