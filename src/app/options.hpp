#pragma once
// Every setting of a run, as plain data: the app layer's view. Each part below the app gets only
// its own narrow config (ClientConfig, Checks, OutputConfig, ...), never this.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poller/report/checks.hpp"
#include "poller/client/client_config.hpp"
#include "poller/base/duration.hpp"
#include "poller/metrics/listen_address.hpp"
#include "log.hpp"
#include "poller/report/output_config.hpp"
#include "poller/report/url_state.hpp"
#include "poller/input/shard.hpp"
#include "poller/input/target.hpp"
#include "poller/base/usage_error.hpp"

namespace poller {

struct Options {
  // SOURCE operands: URLs, list files, "-" (see sources.hpp).
  std::vector<std::string> sources;

  Duration interval = std::chrono::seconds(5);
  std::optional<std::uint64_t> count;  // rounds; unset = until stopped
  // --shard K/N: fetch only the URLs whose origin falls in shard K of N (see shard.hpp).
  std::optional<Shard> shard;

  // -Z, --parallel: a lane per origin (engine.hpp); the limits apply only then.
  bool parallel = false;
  std::size_t parallel_max = 50;      // --parallel-max: bodies read at once over all origins
  std::size_t parallel_max_host = 1;  // --parallel-max-host: connections per origin
  // --spread: round starts spread over the interval (engine.hpp).
  bool spread = false;
  // --max-retry-after: the longest pause a server's Retry-After gets (politeness.hpp).
  Duration max_retry_after = std::chrono::hours(1);

  // --max-connections: idle connections kept; unset, what the list needs (connection_budget.hpp).
  std::optional<std::size_t> max_connections;
  ClientConfig client;
  Checks checks;  // -f, --expect-status, --expect-body, --max-latency, --cert-expiry
  OutputConfig output;

  StateRules state_rules;  // --down-after, --up-after
  // --on-state CMD: run on each event; each run bounded by --on-state-timeout.
  std::optional<std::string> on_state;
  Duration on_state_timeout = std::chrono::seconds(30);
  // --alertmanager URL: each one's API endpoint; the alerts' instance label, this host's name.
  std::vector<Target> alertmanagers;
  std::string alert_instance;

  Verbosity verbosity = Verbosity::normal;
  LogFormat log_format = LogFormat::text;

  // Serve Prometheus metrics at http://ADDR:PORT/metrics (the registry exists only then).
  std::optional<ListenAddress> metrics_listen;
};

// What a header field value may hold: no control character but HTAB. A CR or LF would end the
// header line early and start another. For -H and -A alike.
bool is_valid_field_value(std::string_view value);

// Parsers for option values; each throws UsageError naming what is wrong.
HeaderOption parse_header_option(std::string_view text);
std::string parse_method_option(std::string_view text);  // -X: an HTTP token, as given
ResolveOverride parse_resolve_option(std::string_view text);
ListenAddress parse_listen_address(std::string_view text);

}  // namespace poller
