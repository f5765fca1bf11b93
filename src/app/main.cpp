// poller: fetch a list of URLs in fixed-rate rounds. This file only turns the command line into
// Options; everything else lives in the libraries of src/ (see "Code map" in the README).

#include <unistd.h>

#include <charconv>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "poller/duration.hpp"
#include "log.hpp"
#include "options.hpp"
#include "poller.hpp"
#include "poller/shard.hpp"
#include "poller/text.hpp"

namespace {

// CLI11 hands option values over as text; these turn them into poller's types or explain why not.
poller::Duration to_duration(const std::string& option, const std::string& text) {
  auto value = poller::parse_duration(text);
  if (!value && poller::is_duration_too_long(text)) {
    throw poller::UsageError(option + ": \"" + text + "\" is too long (at most about 292 years)");
  }
  if (!value) {
    throw poller::UsageError(
        option + ": \"" + text +
        "\" is not a duration (a number of seconds, or numbers with ms, s, m, h "
        "or d, e.g. 5, 0.25, 250ms, 2m, 1h30m, 1d)");
  }
  return *value;
}

std::uint64_t to_size(const std::string& option, const std::string& text) {
  auto value = poller::parse_size(text);
  if (!value) {
    throw poller::UsageError(option + ": \"" + text +
                             "\" is not a size (e.g. 65536, 512k, 64M, 1G)");
  }
  return *value;
}

// A whole number from `least` up; `what` says what it counts, for the message.
std::uint64_t to_number(const std::string& option, const std::string& text, std::uint64_t least,
                        const std::string& what) {
  std::uint64_t value = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < least) {
    throw poller::UsageError(option + ": \"" + text + "\" is not " + what);
  }
  return value;
}

// For --shard auto/N: a StatefulSet pod's host name is its pod name, NAME-ORDINAL.
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

// CLI11's "--interval: 1 required DURATION missing" as "--interval needs a value (DURATION)".
std::string plain_parse_error(std::string message) {
  constexpr std::string_view required = ": 1 required ", missing = " missing";
  auto const at = message.find(required);
  if (at == std::string::npos || !message.ends_with(missing)) return message;
  auto const value =
      message.substr(at + required.size(), message.size() - missing.size() - at - required.size());
  return message.substr(0, at) + " needs a value (" + value + ")";
}

// --log-format json must hold for the errors of parsing the command line too, which come before
// CLI11 has read it.
poller::LogFormat requested_log_format(int argc, char** argv) {
  auto format = poller::LogFormat::text;
  for (int i = 1; i < argc; ++i) {
    std::string_view const arg = argv[i];
    if (arg == "--") break;
    if (arg == "--log-format=json" ||
        (arg == "--log-format" && i + 1 < argc && argv[i + 1] == std::string_view("json"))) {
      format = poller::LogFormat::json;
    } else if (arg == "--log-format=text" ||
               (arg == "--log-format" && i + 1 < argc && argv[i + 1] == std::string_view("text"))) {
      format = poller::LogFormat::text;
    }
  }
  return format;
}

// The first option on the command line that poller does not have, with a hint: CLI11 alone says
// only "The following arguments were not expected: urls.txt --intervl".
std::optional<std::string> unknown_option(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> long_names;
  std::map<char, bool> short_takes_value;
  std::map<std::string, bool, std::less<>> long_takes_value;
  for (auto const* option : app.get_options()) {
    bool const takes_value = option->get_items_expected_min() > 0 && !option->get_positional();
    for (auto const& name : option->get_lnames()) {
      long_names.push_back("--" + name);
      long_takes_value["--" + name] = takes_value;
    }
    for (auto const& name : option->get_snames()) short_takes_value[name.front()] = takes_value;
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg.front() != '-') continue;
    if (arg.substr(0, 2) == "--") {
      auto const name = arg.substr(0, arg.find('='));
      auto const known = long_takes_value.find(name);
      if (known == long_takes_value.end()) {
        auto const near = poller::closest_match(name, long_names);
        return "unknown option " + std::string(name) +
               (near ? " (did you mean " + *near + "?)" : " (see poller --help)");
      }
      if (known->second && name.size() == arg.size()) ++i;  // its value is the next argument
      continue;
    }
    // -Lf, -i5, -i 5: flags bundled, an option's value attached or next.
    for (std::size_t at = 1; at < arg.size(); ++at) {
      auto const known = short_takes_value.find(arg[at]);
      if (known == short_takes_value.end()) {
        std::string const name = std::string("-") + arg[at];
        if (arg[at] == 'V') return "unknown option -V (did you mean --version?)";
        return "unknown option " + name + " (see poller --help)";
      }
      if (known->second) {
        if (at + 1 == arg.size()) ++i;
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  poller::Options options;
  auto const log_format_for_errors = requested_log_format(argc, argv);
  auto usage_error = [&](const std::string& message) {
    poller::log_startup_error(log_format_for_errors, message);
    return poller::exit_usage;
  };
  CLI::App app{
      "Fetch every URL of the SOURCEs in rounds on a fixed schedule, over keep-alive "
      "connections, and print the bodies.",
      "poller"};
  app.set_version_flag("--version", "poller " POLLER_VERSION);
  app.get_formatter()->column_width(34);

  std::string interval = "5s", connect_timeout = "10s", max_time = "30s", max_filesize = "64M";
  std::vector<std::string> headers, resolves;
  std::string format = "body", log_format = "text", color = "auto";
  std::optional<std::string> write_out, count, cert_expiry, max_redirects, max_connections;
  std::optional<std::string> expect_status, expect_body, max_latency, metrics_listen, shard;
  std::optional<std::string> parallel_max, parallel_max_host;
  bool once = false, verbose = false, quiet = false;

  // A repeatable option (-H, --resolve) takes one value per occurrence: with allow_extra_args it
  // would swallow the SOURCE operands after it.
  app.add_option("SOURCE", options.sources,
                 "A URL (http:// or https://), a file with one URL per line, or - for standard "
                 "input (at most once); several in any mix, fetched in the order given")
      ->type_name("");
  app.add_option("-i,--interval", interval,
                 "Period between round starts: 5, 0.25, 250ms, 2m, 1h30m, 1d (0 = back to back)")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_option("-n,--count", count, "Stop after N rounds (default: until stopped)")
      ->type_name("N");
  app.add_flag("--once", once, "Same as --count 1");
  app.add_option("--connect-timeout", connect_timeout,
                 "Bound on resolve + connect + TLS handshake (0 = no limit)")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_option("-m,--max-time", max_time,
                 "Bound on one whole fetch, redirects included (0 = no limit)")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_flag("-L,--location", options.client.follow_redirects, "Follow redirects");
  app.add_flag("-f,--fail", options.checks.fail_on_http_error,
               "An HTTP status of 400 or more is a failure: body not printed, exit status 1");
  app.add_option("--max-redirs", max_redirects, "Most redirects followed with -L (default 10)")
      ->type_name("N");
  app.add_option("--resolve", resolves,
                 "HOST:PORT:ADDR: connect to ADDR for HOST:PORT (repeatable)")
      ->type_name("HOST:PORT:ADDR")
      ->allow_extra_args(false);
  app.add_option("-H,--header", headers,
                 "'Name: value' added to every request, replacing a default; 'Name:' removes it "
                 "(repeatable)")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false);
  app.add_option("-A,--user-agent", options.client.user_agent, "User-Agent header")
      ->type_name("AGENT")
      ->capture_default_str();
  app.add_option("--max-filesize", max_filesize,
                 "Largest body accepted, with k, M, G suffixes (powers of 1024)")
      ->type_name("SIZE")
      ->capture_default_str();
  app.add_flag("--compressed", options.client.compressed,
               "Send Accept-Encoding: gzip, deflate and decode such bodies (--max-filesize then "
               "limits the decoded size)");
  app.add_option("--max-connections", max_connections,
                 "Idle keep-alive connections kept open, over all hosts (least recently used "
                 "closed first; default 1024)")
      ->type_name("N");
  app.add_flag("-Z,--parallel", options.parallel,
               "One lane per origin (scheme, host, port), lanes fetching at the same time, each on "
               "its own schedule: a slow or dead host delays only itself");
  app.add_option("--parallel-max", parallel_max,
                 "With -Z: most fetches in flight over all origins (default 50)")
      ->type_name("N");
  app.add_option("--parallel-max-host", parallel_max_host,
                 "With -Z: most connections (fetches in flight) per origin (default 1; above 1 the "
                 "list order within an origin is not kept)")
      ->type_name("N");
  app.add_option("--expect-status", expect_status,
                 "Check: a fetch whose final status is not in LIST (200,204,300-399) fails; "
                 "decides instead of -f")
      ->type_name("LIST");
  app.add_option("--expect-body", expect_body,
                 "Check: a fetch whose body does not match REGEX (PCRE2, anywhere in the body) "
                 "fails")
      ->type_name("REGEX");
  app.add_option("--max-latency", max_latency,
                 "Check: a fetch that takes longer than DURATION (total time) fails")
      ->type_name("DURATION");
  app.add_option("--cert-expiry", cert_expiry,
                 "Check: an https fetch fails when the server's certificate expires within DAYS "
                 "days")
      ->type_name("DAYS");
  app.add_option("-x,--proxy", options.client.proxy,
                 "Use this HTTP proxy: [http://][USER:PASSWORD@]HOST[:PORT] (port 1080 if none; "
                 "https through CONNECT); \"\" for none. Default: http_proxy, https_proxy, all_proxy")
      ->type_name("URL");
  app.add_option("--noproxy", options.client.noproxy,
                 "Hosts to reach directly: comma-separated names (with their subdomains), IP "
                 "addresses, CIDR ranges, or * for all. Default: no_proxy")
      ->type_name("LIST");
  app.add_option("--cacert", options.client.tls.cacert, "CA certificates (PEM) to verify servers with")
      ->type_name("FILE")
      ->check(CLI::Validator(CLI::ExistingFile).description(""));
  app.add_flag("-k,--insecure", options.client.tls.insecure, "Do not verify TLS certificates (warns once)");
  app.add_option("--format", format,
                 "What to print per fetch: the body, one JSON object per line (NDJSON), nothing, "
                 "a line for people, or a live board of every URL (on a terminal)")
      ->type_name("body|json|none|line|board")
      ->check(CLI::IsMember({"body", "json", "none", "line", "board"}).description(""))
      ->capture_default_str();
  app.add_option("-w,--write-out", write_out,
                 "After each fetch print TEMPLATE with curl's %{variables}: url, http_code, "
                 "size_download, time_total, time_namelookup, time_connect, time_appconnect, "
                 "time_starttransfer, "
                 "num_redirects, num_connects, url_effective, remote_ip, http_version, errormsg, "
                 "round, json, header{NAME}; \\n and \\t escapes; @FILE reads it from FILE")
      ->type_name("TEMPLATE");
  app.add_flag("--on-change", options.output.on_change,
               "Print a URL's result only when its body differs from the previous round's");
  app.add_option("--metrics-listen", metrics_listen,
                 "Serve Prometheus metrics at http://ADDR:PORT/metrics; ADDR is an IPv4 address, "
                 "[IPv6] or localhost (e.g. 127.0.0.1:9100)")
      ->type_name("ADDR:PORT");
  app.add_option("--shard", shard,
                 "Fetch only the URLs whose origin (scheme, host, port) falls in shard K of N, by "
                 "rendezvous hashing: N instances with K = 1..N fetch each URL once. auto/N takes "
                 "K from the host name's -ORDINAL suffix plus 1 (a StatefulSet's poller-0 is 1)")
      ->type_name("K/N");
  app.add_option("--log-format", log_format, "stderr log lines as text or JSON objects")
      ->type_name("text|json")
      ->check(CLI::IsMember({"text", "json"}).description(""))
      ->capture_default_str();
  app.add_option("--color", color,
                 "Colour log lines, line and board: auto is on a terminal unless NO_COLOR is set")
      ->type_name("auto|always|never")
      ->check(CLI::IsMember({"auto", "always", "never"}).description(""))
      ->capture_default_str();
  auto* verbose_flag = app.add_flag("-v,--verbose", verbose, "Log per-request detail to stderr");
  app.add_flag("-q,--quiet", quiet, "Log errors only")->excludes(verbose_flag);
  app.footer(
      "Exit status: 0 every fetch succeeded (or stdout's reader went away), 1 at least one fetch "
      "failed, 2 usage or input error.\nSignals: SIGINT/SIGTERM stop cleanly, SIGHUP re-reads "
      "the list files before the next round, SIGUSR1 prints a summary on stderr.");

  try {
    app.parse(argc, argv);
    options.interval = to_duration("--interval", interval);
    options.client.connect_timeout = to_duration("--connect-timeout", connect_timeout);
    options.client.max_time = to_duration("--max-time", max_time);
    options.client.max_filesize = to_size("--max-filesize", max_filesize);
    // The value goes into every request as it is, like a -H value.
    if (!poller::is_valid_field_value(options.client.user_agent)) {
      throw poller::UsageError("--user-agent contains a control character (CR, LF, ...)");
    }
    if (count) {
      options.count = to_number("--count", *count, 1,
                                "a number of rounds: give 1 or more, or leave --count out to run "
                                "until stopped");
    }
    if (once && count) {
      throw poller::UsageError("--once is --count 1: give one or the other, not both");
    }
    if (once) options.count = 1;
    if (parallel_max) {
      options.parallel_max = to_number("--parallel-max", *parallel_max, 1,
                                       "a number of fetches at once: give 1 or more");
    }
    if (parallel_max_host) {
      options.parallel_max_host =
          to_number("--parallel-max-host", *parallel_max_host, 1,
                    "a number of connections per origin: give 1 or more");
    }
    if (max_redirects) {
      options.client.max_redirects = static_cast<unsigned>(
          to_number("--max-redirs", *max_redirects, 0, "a number of redirects (0 or more)"));
    }
    if (max_connections) {
      options.client.max_connections = to_number("--max-connections", *max_connections, 0,
                                          "a number of connections (0 or more)");
    }
    if (cert_expiry) {
      options.checks.cert_expiry_days = static_cast<unsigned>(
          to_number("--cert-expiry", *cert_expiry, 0, "a number of days (0 or more, e.g. 14)"));
    }
    if (expect_status) options.checks.expect_status = poller::StatusList::parse(*expect_status);
    if (expect_body) options.checks.expect_body = poller::BodyPattern::compile(*expect_body);
    if (max_latency) options.checks.max_latency = to_duration("--max-latency", *max_latency);
    for (auto const& header : headers) options.client.headers.push_back(poller::parse_header_option(header));
    for (auto const& entry : resolves) options.client.resolve.push_back(poller::parse_resolve_option(entry));
    options.output.format = format == "none"    ? poller::OutputFormat::none
                            : format == "json"  ? poller::OutputFormat::json
                            : format == "line"  ? poller::OutputFormat::line
                            : format == "board" ? poller::OutputFormat::board
                                                : poller::OutputFormat::body;
    options.output.color = color == "always"  ? poller::ColorMode::always
                           : color == "never" ? poller::ColorMode::never
                                              : poller::ColorMode::automatic;
    if (shard)
      options.shard = poller::resolve_shard(poller::parse_shard_option(*shard), host_name());
    if (metrics_listen) options.metrics_listen = poller::parse_listen_address(*metrics_listen);
    if (write_out)
      options.output.write_out =
          poller::WriteOutTemplate::parse(poller::write_out_template_text(*write_out));
    options.log_format = log_format == "json" ? poller::LogFormat::json : poller::LogFormat::text;
    options.verbosity = verbose ? poller::Verbosity::verbose
                        : quiet ? poller::Verbosity::quiet
                                : poller::Verbosity::normal;
  } catch (const CLI::Success& done) {
    return app.exit(done);  // --help, --version
  } catch (const CLI::ParseError& error) {
    if (auto const unknown = unknown_option(app, argc, argv)) return usage_error(*unknown);
    return usage_error(plain_parse_error(error.what()));
  } catch (const poller::UsageError& error) {
    return usage_error(error.what());
  }

  try {
    return poller::run(options);
  } catch (const poller::UsageError& error) {
    return usage_error(error.what());
  } catch (const std::exception& error) {
    poller::log_startup_error(options.log_format, std::string("fatal: ") + error.what());
    return poller::exit_fetch_failed;
  }
}
