#include "command_line.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "alertmanager.hpp"
#include "poller/base/duration.hpp"
#include "poller/input/shard.hpp"

namespace poller {
namespace {

// CLI11 hands option values over as text; these turn them into poller's types or explain why not.
Duration to_duration(const std::string& option, const std::string& text) {
  auto value = parse_duration(text);
  if (!value && is_duration_too_long(text)) {
    throw UsageError(option + ": \"" + text + "\" is too long (at most about 292 years)");
  }
  if (!value) {
    throw UsageError(option + ": \"" + text +
                     "\" is not a duration (a number of seconds, or numbers with ms, s, m, h "
                     "or d, e.g. 5, 0.25, 250ms, 2m, 1h30m, 1d)");
  }
  return *value;
}

std::uint64_t to_size(const std::string& option, const std::string& text) {
  auto value = parse_size(text);
  if (!value) {
    throw UsageError(option + ": \"" + text + "\" is not a size (e.g. 65536, 512k, 64M, 1G)");
  }
  return *value;
}

// A whole number from `least` to `most`; `what` says what it counts (and the range), for the
// message.
std::uint64_t to_number(const std::string& option, const std::string& text, std::uint64_t least,
                        const std::string& what,
                        std::uint64_t most = std::numeric_limits<std::uint64_t>::max()) {
  std::uint64_t value = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < least ||
      value > most) {
    throw UsageError(option + ": \"" + text + "\" is not " + what);
  }
  return value;
}

// A setting held in an unsigned: 0 to its largest value, said in the message.
unsigned to_unsigned(const std::string& option, const std::string& text, const std::string& what,
                     const std::string& example = {}) {
  constexpr auto most = std::numeric_limits<unsigned>::max();
  return static_cast<unsigned>(
      to_number(option, text, 0, fmt::format("{} (0 to {}{})", what, most, example), most));
}

// Only the chunked coding frames a body poller sends (request.hpp): any other last coding would
// leave the server no way to tell where the body ends.
void check_transfer_encoding(const std::vector<HeaderOption>& headers) {
  auto const* const last = last_header(headers, "transfer-encoding");
  if (last == nullptr || last->value.empty() || ends_in_chunked(last->value)) return;
  throw UsageError(fmt::format(
      "header \"{}: {}\": a body is framed by chunked only; give 'Transfer-Encoding: chunked' "
      "(or none, for Content-Length)",
      last->name, last->value));
}

// The options a list line may carry, by long name: those that shape one fetch (SPEC "Per-URL
// settings"). Everything else applies to the whole run.
constexpr std::array per_url_options{
    "request", "data",          "data-binary", "json",          "header",
    "user-agent", "location",   "max-redirs",  "max-time",      "connect-timeout",
    "max-filesize", "compressed", "fail",      "expect-status", "expect-body",
    "max-latency", "cert-expiry", "down-after", "up-after", "name", "ipv4", "ipv6",
    "conditional"};

// What --help adds to the description of an option a list line may carry.
constexpr std::string_view per_url_mark = " [per URL]";

// For --shard auto/N: a StatefulSet pod's host name is its pod name, NAME-ORDINAL.
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

// The rounds: what is fetched, how often, how many times.
void define_run_options(CLI::App& app, Options& options, OptionTexts& texts) {
  // A repeatable option (-H, --resolve) takes one value per occurrence: with allow_extra_args it
  // would swallow the SOURCE operands after it.
  app.add_option("SOURCE", options.sources,
                 "A URL (http:// or https://), a file with one URL per line, or - for standard "
                 "input (at most once); several in any mix, fetched in the order given")
      ->type_name("");
  app.add_option("-i,--interval", texts.interval,
                 "Period between round starts: 5, 0.25, 250ms, 2m, 1h30m, 1d (0 = back to back)")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_option("-n,--count", texts.count, "Stop after N rounds (default: until stopped)")
      ->type_name("N");
  app.add_flag("--once", texts.once, "Same as --count 1");
  app.add_flag("-Z,--parallel", options.parallel,
               "One lane per origin (scheme, host, port), lanes fetching at the same time, each on "
               "its own schedule: a slow or dead host delays only itself");
  app.add_option("--parallel-max", texts.parallel_max,
                 "With -Z: most response bodies read at once over all origins (default 50)")
      ->type_name("N");
  app.add_option("--parallel-max-host", texts.parallel_max_host,
                 "With -Z: most connections (fetches in flight) per origin (default 1; above 1 the "
                 "list order within an origin is not kept)")
      ->type_name("N");
  app.add_flag("--spread", options.spread,
               "Spread round starts over the interval: with -Z each origin's lane at a fixed "
               "offset (a hash of the origin), else URL i of n at i/n of the interval");
  app.add_option("--max-retry-after", texts.max_retry_after,
                 "Longest pause a 429 or 503 response's Retry-After gets: that URL's fetches are "
                 "skipped until then")
      ->type_name("DURATION")
      ->capture_default_str();
}

// -d, --data-binary, --json: each occurrence is kept, in command-line order across the three
// (curl joins them in that order), as CLI11 parses it.
void add_body_option(CLI::App& app, const std::string& names, BodyOption::Kind kind,
                     std::vector<BodyOption>& into, const std::string& description) {
  app.add_option_function<std::string>(
         names,
         [&into, kind](const std::string& text) {
           into.push_back({kind, text});
         },
         description)
      ->type_name("TEXT|@FILE")
      ->trigger_on_parse()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->allow_extra_args(false);
}

// Each request: method, body, time limits, redirects, headers, sizes.
void define_request_options(CLI::App& app, Options& options, OptionTexts& texts) {
  app.add_option("-X,--request", texts.method,
                 "Request method (default GET, or POST with a body); HEAD gets no body")
      ->type_name("METHOD");
  add_body_option(app, "-d,--data", BodyOption::Kind::data, texts.body_options,
                  "Send TEXT as the body, with POST unless -X and Content-Type: "
                  "application/x-www-form-urlencoded unless -H; @FILE reads FILE once at start, "
                  "without its CR, LF and NUL bytes; several are joined with &");
  add_body_option(app, "--data-binary", BodyOption::Kind::binary, texts.body_options,
                  "As --data, but @FILE is sent byte for byte");
  add_body_option(app, "--json", BodyOption::Kind::json, texts.body_options,
                  "As --data-binary, with Content-Type and Accept: application/json; several "
                  "are joined without &");
  app.add_option("-m,--max-time", texts.max_time,
                 "Bound on one whole fetch, redirects included (0 = no limit)")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_flag("-L,--location", options.client.request.follow_redirects, "Follow redirects");
  app.add_option("--max-redirs", texts.max_redirects,
                 "Most redirects followed with -L (default 10)")
      ->type_name("N");
  app.add_option("-H,--header", texts.headers,
                 "'Name: value' added to every request, replacing a default; 'Name:' removes it "
                 "(repeatable)")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false);
  app.add_option("-A,--user-agent", options.client.request.user_agent, "User-Agent header")
      ->type_name("AGENT")
      ->capture_default_str();
  app.add_option("--max-filesize", texts.max_filesize,
                 "Largest body accepted, with k, M, G suffixes (powers of 1024)")
      ->type_name("SIZE")
      ->capture_default_str();
  app.add_flag("--conditional", options.client.request.conditional,
               "Send the last 200's ETag as If-None-Match and Last-Modified as If-Modified-Since; "
               "a 304 is an unchanged, successful fetch (implied by --on-change)");
  app.add_flag("--compressed", options.client.request.compressed,
               "Send Accept-Encoding: gzip, deflate and decode such bodies (--max-filesize then "
               "limits the decoded size)");
}

// Checks every fetch must pass.
void define_check_options(CLI::App& app, Options& options, OptionTexts& texts) {
  app.add_flag("-f,--fail", options.checks.fail_on_http_error,
               "An HTTP status of 400 or more is a failure: body not printed, exit status 1");
  app.add_option("--expect-status", texts.expect_status,
                 "Check: a fetch whose final status is not in LIST (200,204,300-399) fails; "
                 "decides instead of -f")
      ->type_name("LIST");
  app.add_option("--expect-body", texts.expect_body,
                 "Check: a fetch whose body does not match REGEX (PCRE2, anywhere in the body) "
                 "fails")
      ->type_name("REGEX");
  app.add_option("--max-latency", texts.max_latency,
                 "Check: a fetch that takes longer than DURATION (total time) fails")
      ->type_name("DURATION");
  app.add_option("--cert-expiry", texts.cert_expiry,
                 "Check: an https fetch fails when the server's certificate expires within DAYS "
                 "days")
      ->type_name("DAYS");
}

// When an entry changes state, and who hears of it.
void define_state_options(CLI::App& app, OptionTexts& texts) {
  app.add_option("--down-after", texts.down_after,
                 "N failures in a row make a URL down (default 1); the change is an event")
      ->type_name("N");
  app.add_option("--up-after", texts.up_after,
                 "N passes in a row make a URL up (default 1); down to up is an event")
      ->type_name("N");
  app.add_option("--on-state", texts.on_state,
                 "On each event run CMD with /bin/sh -c, the event in its environment: "
                 "POLLER_STATE, POLLER_URL, POLLER_NAME, POLLER_REASON, POLLER_STATUS, "
                 "POLLER_SINCE, POLLER_DURATION, POLLER_ROUND")
      ->type_name("CMD");
  app.add_option("--on-state-timeout", texts.on_state_timeout,
                 "Bound on one --on-state command: then SIGTERM, and SIGKILL 2s later")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_option("--alertmanager", texts.alertmanagers,
                 "Post each down URL as an alert to this Prometheus Alertmanager "
                 "(URL/api/v2/alerts), resolved when it is up again (repeatable)")
      ->type_name("URL")
      ->allow_extra_args(false);
}

// Connections: their time limit, addresses, pool, proxies and TLS.
void define_transport_options(CLI::App& app, Options& options, OptionTexts& texts) {
  app.add_option("--connect-timeout", texts.connect_timeout,
                 "Bound on resolve + connect + TLS handshake (0 = no limit)")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_option("--resolve", texts.resolves,
                 "Connect to these addresses for HOST:PORT instead of looking HOST up; several "
                 "are raced as a name's are (IPv6 in brackets; repeatable)")
      ->type_name("HOST:PORT:ADDR[,ADDR]...")
      ->allow_extra_args(false);
  auto* const ipv4 = app.add_flag_callback(
      "-4,--ipv4", [&options] { options.client.request.ip_family = IpFamily::v4; },
      "Connect over IPv4 only (names resolve to IPv4 addresses only)");
  auto* const ipv6 = app.add_flag_callback(
      "-6,--ipv6", [&options] { options.client.request.ip_family = IpFamily::v6; },
      "Connect over IPv6 only (names resolve to IPv6 addresses only)");
  ipv4->excludes(ipv6);
  app.add_option("--max-connections", texts.max_connections,
                 "Idle keep-alive connections kept open, over all hosts (least recently used "
                 "closed first; default: what the list needs, at least 1024)")
      ->type_name("N");
  app.add_option(
         "-x,--proxy", options.client.proxy,
         "Use this HTTP proxy: [http://][USER:PASSWORD@]HOST[:PORT] (port 1080 if none; "
         "https through CONNECT); \"\" for none. Default: http_proxy, https_proxy, all_proxy")
      ->type_name("URL");
  app.add_option("--noproxy", options.client.noproxy,
                 "Hosts to reach directly: comma-separated names (with their subdomains), IP "
                 "addresses, CIDR ranges, or * for all. Default: no_proxy")
      ->type_name("LIST");
  app.add_option("--cacert", options.client.tls.cacert,
                 "CA certificates (PEM) to verify servers with")
      ->type_name("FILE")
      ->check(CLI::Validator(CLI::ExistingFile).description(""));
  app.add_flag("-k,--insecure", options.client.tls.insecure,
               "Do not verify TLS certificates (warns once)");
}

// Standard output.
void define_output_options(CLI::App& app, Options& options, OptionTexts& texts) {
  app.add_option("--name", texts.name,
                 "On a list line only: LABEL names the URL in log lines, --format line and board, "
                 "JSON (name), -w %{name} and /metrics (name=\"LABEL\"); default: the URL")
      ->type_name("LABEL");
  app.add_option("--format", texts.format,
                 "What to print per fetch: the body, one JSON object per line (NDJSON), nothing, "
                 "a line for people, or a live board of every URL (on a terminal)")
      ->type_name("body|json|none|line|board")
      ->check(CLI::IsMember({"body", "json", "none", "line", "board"}).description(""))
      ->capture_default_str();
  app.add_option("--color", texts.color,
                 "Colour log lines, line and board: auto is on a terminal unless NO_COLOR is set")
      ->type_name("auto|always|never")
      ->check(CLI::IsMember({"auto", "always", "never"}).description(""))
      ->capture_default_str();
  app.add_option("-w,--write-out", texts.write_out,
                 "After each fetch print TEMPLATE with curl's variables, spelled as in curl "
                 "7.84+ (%{http_code}, %{time_total}, %{remote_ip}, %header{NAME}, ...) and "
                 "poller's %{name}, %{round}, %{state}, %{json}; \\n, \\t and %% escapes; "
                 "@FILE reads it from FILE (the list: poller(1))")
      ->type_name("TEMPLATE");
  app.add_flag("--on-change", options.output.on_change,
               "Print a URL's result only when its body differs from the previous round's "
               "(implies --conditional)");
}

// Serving metrics, and one instance of several.
void define_fleet_options(CLI::App& app, OptionTexts& texts) {
  app.add_option("--metrics-listen", texts.metrics_listen,
                 "Serve Prometheus metrics at http://ADDR:PORT/metrics; ADDR is an IPv4 address, "
                 "[IPv6] or localhost, or left out for every address (127.0.0.1:9100, :9100)")
      ->type_name("ADDR:PORT");
  app.add_option("--shard", texts.shard,
                 "Fetch only the URLs whose origin (scheme, host, port) falls in shard K of N, by "
                 "rendezvous hashing: N instances with K = 1..N fetch each URL once. auto/N takes "
                 "K from the host name's -ORDINAL suffix plus 1 (a StatefulSet's poller-0 is 1)")
      ->type_name("K/N");
}

// Standard error.
void define_log_options(CLI::App& app, OptionTexts& texts) {
  app.add_option("--log-format", texts.log_format, "stderr log lines as text or JSON objects")
      ->type_name("text|json")
      ->check(CLI::IsMember({"text", "json"}).description(""))
      ->capture_default_str();
  auto* verbose_flag =
      app.add_flag("-v,--verbose", texts.verbose, "Log per-request detail to stderr");
  app.add_flag("-q,--quiet", texts.quiet, "Log errors only")->excludes(verbose_flag);
}

}  // namespace

bool is_per_url_option(const CLI::Option& option) {
  auto const& names = option.get_lnames();
  return !names.empty() && std::find(per_url_options.begin(), per_url_options.end(),
                                     names.front()) != per_url_options.end();
}

void define_options(CLI::App& app, Options& options, OptionTexts& texts) {
  // --help shows the options in these groups, in this order (help_format.hpp).
  app.option_defaults()->group("Rounds");
  define_run_options(app, options, texts);
  app.option_defaults()->group("Requests");
  define_request_options(app, options, texts);
  app.option_defaults()->group("Transport");
  define_transport_options(app, options, texts);
  app.option_defaults()->group("Checks");
  define_check_options(app, options, texts);
  app.option_defaults()->group("State and alerts");
  define_state_options(app, texts);
  app.option_defaults()->group("Output");
  define_output_options(app, options, texts);
  app.option_defaults()->group("Fleet");
  define_fleet_options(app, texts);
  app.option_defaults()->group("Logging");
  define_log_options(app, texts);
  for (auto* option : app.get_options()) {
    if (is_per_url_option(*option))
      option->description(option->get_description() + std::string(per_url_mark));
  }
}

void finish_fetch_options(const OptionTexts& texts, RequestConfig& request, Checks& checks,
                          const std::filesystem::path& base_directory) {
  request.connect_timeout = to_duration("--connect-timeout", texts.connect_timeout);
  request.max_time = to_duration("--max-time", texts.max_time);
  request.max_filesize = to_size("--max-filesize", texts.max_filesize);
  // The value goes into every request as it is, like a -H value.
  if (!is_valid_field_value(request.user_agent)) {
    throw UsageError("--user-agent contains a control character (CR, LF, ...)");
  }
  if (texts.max_redirects) {
    request.max_redirects =
        to_unsigned("--max-redirs", *texts.max_redirects, "a number of redirects");
  }
  if (texts.cert_expiry) {
    checks.cert_expiry_days =
        to_unsigned("--cert-expiry", *texts.cert_expiry, "a number of days", ", e.g. 14");
  }
  if (texts.expect_status) checks.expect_status = StatusList::parse(*texts.expect_status);
  if (texts.expect_body) checks.expect_body = BodyPattern::compile(*texts.expect_body);
  if (texts.max_latency) checks.max_latency = to_duration("--max-latency", *texts.max_latency);
  for (auto const& header : texts.headers) request.headers.push_back(parse_header_option(header));
  check_transfer_encoding(request.headers);
  if (texts.method) request.method = parse_method_option(*texts.method);
  // Given, the pieces replace the body `request` has (a line's, the command line's).
  if (!texts.body_options.empty())
    request.body = read_request_body(texts.body_options, base_directory);
}

void finish_state_rules(const OptionTexts& texts, StateRules& rules) {
  if (texts.down_after) {
    rules.down_after = static_cast<unsigned>(
        to_number("--down-after", *texts.down_after, 1, "a number of failures: give 1 or more",
                  std::numeric_limits<unsigned>::max()));
  }
  if (texts.up_after) {
    rules.up_after = static_cast<unsigned>(to_number("--up-after", *texts.up_after, 1,
                                                     "a number of passes: give 1 or more",
                                                     std::numeric_limits<unsigned>::max()));
  }
}

void finish_options(const OptionTexts& texts, Options& options) {
  if (texts.name) {
    throw UsageError("--name names one URL: give it after the URL on its list line");
  }
  options.interval = to_duration("--interval", texts.interval);
  options.max_retry_after = to_duration("--max-retry-after", texts.max_retry_after);
  // Only whether the body changed matters: a 304 says so without sending it.
  if (options.output.on_change) options.client.request.conditional = true;
  finish_fetch_options(texts, options.client.request, options.checks);
  finish_state_rules(texts, options.state_rules);
  if (texts.on_state) options.on_state = *texts.on_state;
  options.on_state_timeout = to_duration("--on-state-timeout", texts.on_state_timeout);
  options.alertmanagers = Alertmanager::parse_receivers(texts.alertmanagers);
  if (!options.alertmanagers.empty()) options.alert_instance = host_name();
  if (texts.count) {
    options.count = to_number("--count", *texts.count, 1,
                              "a number of rounds: give 1 or more, or leave --count out to run "
                              "until stopped");
  }
  if (texts.once && texts.count) {
    throw UsageError("--once is --count 1: give one or the other, not both");
  }
  if (texts.once) options.count = 1;
  if (texts.parallel_max) {
    options.parallel_max = to_number("--parallel-max", *texts.parallel_max, 1,
                                     "a number of fetches at once: give 1 or more");
  }
  if (texts.parallel_max_host) {
    options.parallel_max_host = to_number("--parallel-max-host", *texts.parallel_max_host, 1,
                                          "a number of connections per origin: give 1 or more");
  }
  if (texts.max_connections) {
    options.max_connections = to_number("--max-connections", *texts.max_connections, 0,
                                               "a number of connections (0 or more)");
  }
  for (auto const& entry : texts.resolves)
    options.client.resolve.push_back(parse_resolve_option(entry));
  options.output.format = texts.format == "none"    ? OutputFormat::none
                          : texts.format == "json"  ? OutputFormat::json
                          : texts.format == "line"  ? OutputFormat::line
                          : texts.format == "board" ? OutputFormat::board
                                                    : OutputFormat::body;
  options.output.color = texts.color == "always"  ? ColorMode::always
                         : texts.color == "never" ? ColorMode::never
                                                  : ColorMode::automatic;
  if (texts.shard) options.shard = resolve_shard(parse_shard_option(*texts.shard), host_name());
  if (texts.metrics_listen) options.metrics_listen = parse_listen_address(*texts.metrics_listen);
  if (texts.write_out)
    options.output.write_out = WriteOutTemplate::parse(write_out_template_text(*texts.write_out));
  options.log_format = texts.log_format == "json" ? LogFormat::json : LogFormat::text;
  options.verbosity = texts.verbose ? Verbosity::verbose
                      : texts.quiet ? Verbosity::quiet
                                    : Verbosity::normal;
}

}  // namespace poller
