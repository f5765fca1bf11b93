#pragma once
// Every setting of a run, as plain data. Knows nothing of how the command line is parsed.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "poller/checks.hpp"
#include "poller/duration.hpp"
#include "poller/shard.hpp"
#include "poller/write_out.hpp"

namespace poller {

// A bad option or option value: exit status 2, nothing fetched.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class OutputFormat { body, json, none };
enum class LogFormat { text, json };
enum class Verbosity { quiet, normal, verbose };

// --resolve HOST:PORT:ADDR
struct ResolveOverride {
  std::string host;  // lower case
  std::uint16_t port = 0;
  std::string address;
};

// -H 'Name: value'; an empty value removes the header (as in curl).
struct HeaderOption {
  std::string name;
  std::string value;
};

// --metrics-listen ADDR:PORT. Only IP literals (and localhost): a name is not resolved.
struct ListenAddress {
  std::string address;     // "127.0.0.1", "::1" (no brackets); localhost is 127.0.0.1
  std::uint16_t port = 0;  // 0: a free port, picked when listening
  std::string to_string() const;  // "127.0.0.1:9100", "[::1]:9100"
};

struct Options {
  // SOURCE operands: URLs, list files, "-" (see sources.hpp).
  std::vector<std::string> sources;

  Duration interval = std::chrono::seconds(5);
  std::optional<std::uint64_t> count;  // rounds; unset = until stopped

  Duration connect_timeout = std::chrono::seconds(10);
  Duration max_time = std::chrono::seconds(30);
  bool follow_redirects = false;
  // -f: a status of 400 or more is a failure; with checks.expect_status, that list decides.
  bool fail_on_http_error = false;
  unsigned max_redirects = 10;
  std::vector<ResolveOverride> resolve;
  std::vector<HeaderOption> headers;
  std::string user_agent = "poller/" POLLER_VERSION;
  // Of the body as printed: with `compressed`, the decoded size (and the compressed bytes read).
  std::uint64_t max_filesize = 64ull * 1024 * 1024;
  // --compressed: ask for gzip or deflate, decode what comes so encoded.
  bool compressed = false;
  std::size_t max_connections = 1024;  // idle keep-alive connections kept, over all hosts

  Checks checks;  // --expect-status, --expect-body, --max-latency, --cert-expiry

  // --proxy URL (an empty string: no proxy) and --noproxy LIST; unset, the environment decides
  // (http_proxy, https_proxy, all_proxy, no_proxy: see proxy.hpp).
  std::optional<std::string> proxy;
  std::optional<std::string> noproxy;

  std::optional<std::string> cacert;
  bool insecure = false;

  OutputFormat format = OutputFormat::body;
  std::optional<WriteOutTemplate> write_out;  // -w
  bool on_change = false;
  // Not options of their own: set in run() from what the output and the checks use. Without
  // keep_body each body is counted (and, with digest_body, digested) as it streams, then
  // dropped; with it the body is kept whole until the result is written.
  bool keep_body = true;
  bool digest_body = false;
  Verbosity verbosity = Verbosity::normal;
  LogFormat log_format = LogFormat::text;

  // --shard K/N: fetch only the URLs whose origin falls in shard K of N (see shard.hpp).
  std::optional<Shard> shard;

  // Serve Prometheus metrics at http://ADDR:PORT/metrics (the registry exists only then).
  std::optional<ListenAddress> metrics_listen;
};

// What a header field value may hold: no control character but HTAB. A CR or LF would end the
// header line early and start another. For -H and -A alike.
bool is_valid_field_value(std::string_view value);

// Parsers for option values; each throws UsageError naming what is wrong.
HeaderOption parse_header_option(std::string_view text);
ResolveOverride parse_resolve_option(std::string_view text);
ListenAddress parse_listen_address(std::string_view text);

}  // namespace poller
