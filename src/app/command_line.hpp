#pragma once
// The command line: every option of poller defined once for CLI11, and the texts it collects
// turned into Options. main.cpp parses and reports errors; this file knows the options.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"
#include "request_body.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace poller {

// Option values as given, for those that need more than CLI11's conversions.
struct OptionTexts {
  std::string interval = "5s", connect_timeout = "10s", max_time = "30s", max_filesize = "64M";
  std::string max_retry_after = "1h";
  std::vector<std::string> headers, resolves;
  std::string format = "body", log_format = "text", color = "auto";
  std::optional<std::string> write_out, count, cert_expiry, max_redirects, max_connections;
  std::optional<std::string> expect_status, expect_body, max_latency, metrics_listen, shard;
  std::optional<std::string> parallel_max, parallel_max_host;
  std::optional<std::string> method;     // -X
  std::vector<BodyOption> body_options;  // -d, --data-binary, --json, in the order given
  std::optional<std::string> name;
  std::optional<std::string> down_after, up_after, on_state;
  std::string on_state_timeout = "30s";
  std::vector<std::string> alertmanagers;
  bool once = false, verbose = false, quiet = false;
};

// Defines every option on `app` (in the order --help lists them), bound to `options` where
// CLI11's conversion is enough and to `texts` where it is not.
void define_options(CLI::App& app, Options& options, OptionTexts& texts);

// After parsing: `texts` turned into `options`. Throws UsageError naming the option and the
// value.
void finish_options(const OptionTexts& texts, Options& options);

// The part of finish_options for the options that shape one fetch, which a list line may carry
// too (SPEC "Per-URL settings"): into `request` and `checks`, each -H added to those there. A
// relative @FILE of -d, --data-binary, --json is taken from `base_directory` (a list line's:
// its file's directory; empty: the working directory).
void finish_fetch_options(const OptionTexts& texts, RequestConfig& request, Checks& checks,
                          const std::filesystem::path& base_directory = {});

// --down-after, --up-after, which a list line may carry too: into `rules`.
void finish_state_rules(const OptionTexts& texts, StateRules& rules);

// Whether a list line may carry `option` (--help marks these).
bool is_per_url_option(const CLI::Option& option);

}  // namespace poller
