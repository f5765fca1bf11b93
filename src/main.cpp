// poller: fetch a list of URLs in fixed-rate rounds. This file only turns the command line into
// Options; everything else lives in poller_core.

#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "poller/duration.hpp"
#include "poller/options.hpp"
#include "poller/poller.hpp"

namespace {

// CLI11 hands option values over as text; these turn them into poller's types or explain why not.
poller::Duration to_duration(const std::string& option, const std::string& text) {
  auto value = poller::parse_duration(text);
  if (!value) {
    throw CLI::ValidationError(option, "\"" + text +
                                           "\" is not a duration (a number of seconds, or a number "
                                           "with ms, s, m or h, e.g. 5, 0.25, 250ms, 2m)");
  }
  return *value;
}

std::uint64_t to_size(const std::string& option, const std::string& text) {
  auto value = poller::parse_size(text);
  if (!value) {
    throw CLI::ValidationError(option, "\"" + text + "\" is not a size (e.g. 65536, 512k, 64M, 1G)");
  }
  return *value;
}

}  // namespace

int main(int argc, char** argv) {
  poller::Options options;
  CLI::App app{"Fetch every URL of URLFILE in rounds on a fixed schedule, over keep-alive "
               "connections, and print the bodies.",
               "poller"};
  app.set_version_flag("--version", "poller " POLLER_VERSION);
  app.get_formatter()->column_width(34);

  std::string interval = "5s", connect_timeout = "10s", max_time = "30s", max_filesize = "64M";
  std::vector<std::string> headers, resolves;
  std::string format = "body", log_format = "text";
  std::optional<std::string> write_out;
  std::optional<std::string> expect_status, expect_body, max_latency, metrics_listen;
  bool once = false, verbose = false, quiet = false;

  app.add_option("URLFILE", options.url_file, "File with one URL per line, or - for standard input")
      ->required();
  app.add_option("-i,--interval", interval,
                 "Period between round starts: 5, 0.25, 250ms, 2m (0 = back to back)")
      ->capture_default_str();
  app.add_option("-n,--count", options.count, "Stop after N rounds (default: until stopped)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--once", once, "Same as --count 1");
  app.add_option("--connect-timeout", connect_timeout,
                 "Bound on resolve + connect + TLS handshake (0 = no limit)")
      ->capture_default_str();
  app.add_option("-m,--max-time", max_time,
                 "Bound on one whole fetch, redirects included (0 = no limit)")
      ->capture_default_str();
  app.add_flag("-L,--location", options.follow_redirects, "Follow redirects");
  app.add_flag("-f,--fail", options.fail_on_http_error,
               "An HTTP status of 400 or more is a failure: body not printed, exit status 1");
  app.add_option("--max-redirs", options.max_redirects, "Most redirects followed with -L")
      ->capture_default_str();
  app.add_option("--resolve", resolves, "HOST:PORT:ADDR: connect to ADDR for HOST:PORT (repeatable)");
  app.add_option("-H,--header", headers,
                 "'Name: value' added to every request, replacing a default; 'Name:' removes it "
                 "(repeatable)");
  app.add_option("-A,--user-agent", options.user_agent, "User-Agent header")->capture_default_str();
  app.add_option("--max-filesize", max_filesize,
                 "Largest body accepted, with k, M, G suffixes (powers of 1024)")
      ->capture_default_str();
  app.add_flag("--compressed", options.compressed,
               "Send Accept-Encoding: gzip, deflate and decode such bodies (--max-filesize then "
               "limits the decoded size)");
  app.add_option("--max-connections", options.max_connections,
                 "Idle keep-alive connections kept open, over all hosts (least recently used "
                 "closed first)")
      ->capture_default_str();
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
  app.add_option("--cert-expiry", options.checks.cert_expiry_days,
                 "Check: an https fetch fails when the server's certificate expires within DAYS "
                 "days")
      ->type_name("DAYS");
  app.add_option("-x,--proxy", options.proxy,
                 "Use this HTTP proxy: [http://][USER:PASSWORD@]HOST[:PORT] (port 1080 if none; "
                 "https through CONNECT); \"\" for none. Default: http_proxy, https_proxy, all_proxy")
      ->type_name("URL");
  app.add_option("--noproxy", options.noproxy,
                 "Hosts to reach directly: comma-separated names (with their subdomains), IP "
                 "addresses, CIDR ranges, or * for all. Default: no_proxy")
      ->type_name("LIST");
  app.add_option("--cacert", options.cacert, "CA certificates (PEM) to verify servers with")
      ->check(CLI::ExistingFile);
  app.add_flag("-k,--insecure", options.insecure, "Do not verify TLS certificates (warns once)");
  app.add_option("--format", format,
                 "What to print per fetch: the body, one JSON object per line (NDJSON), or nothing")
      ->check(CLI::IsMember({"body", "json", "none"}))
      ->capture_default_str();
  app.add_option("-w,--write-out", write_out,
                 "After each fetch print TEMPLATE with curl's %{variables}: url, http_code, "
                 "size_download, time_total, time_namelookup, time_connect, time_appconnect, time_starttransfer, "
                 "num_redirects, num_connects, url_effective, remote_ip, http_version, errormsg, "
                 "round, json, header{NAME}; \\n and \\t escapes");
  app.add_flag("--on-change", options.on_change,
               "Print a URL's result only when its body differs from the previous round's");
  app.add_option("--metrics-listen", metrics_listen,
                 "Serve Prometheus metrics at http://ADDR:PORT/metrics; ADDR is an IPv4 address, "
                 "[IPv6] or localhost (e.g. 127.0.0.1:9100)")
      ->type_name("ADDR:PORT");
  app.add_option("--log-format", log_format, "stderr log lines as text or JSON objects")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  auto* verbose_flag = app.add_flag("-v,--verbose", verbose, "Log per-request detail to stderr");
  app.add_flag("-q,--quiet", quiet, "Log errors only")->excludes(verbose_flag);
  app.footer(
      "Exit status: 0 every fetch succeeded (or stdout's reader went away), 1 at least one fetch "
      "failed, 2 usage or input error.\nSignals: SIGINT/SIGTERM stop cleanly, SIGHUP re-reads "
      "URLFILE before the next round, SIGUSR1 prints a summary on stderr.");

  try {
    app.parse(argc, argv);
    options.interval = to_duration("--interval", interval);
    options.connect_timeout = to_duration("--connect-timeout", connect_timeout);
    options.max_time = to_duration("--max-time", max_time);
    options.max_filesize = to_size("--max-filesize", max_filesize);
    // The value goes into every request as it is, like a -H value.
    if (!poller::is_valid_field_value(options.user_agent)) {
      throw poller::UsageError("--user-agent contains a control character (CR, LF, ...)");
    }
    if (once) options.count = 1;
    if (expect_status) options.checks.expect_status = poller::StatusList::parse(*expect_status);
    if (expect_body) options.checks.expect_body = poller::BodyPattern::compile(*expect_body);
    if (max_latency) options.checks.max_latency = to_duration("--max-latency", *max_latency);
    for (auto const& header : headers) options.headers.push_back(poller::parse_header_option(header));
    for (auto const& entry : resolves) options.resolve.push_back(poller::parse_resolve_option(entry));
    options.format = format == "none"   ? poller::OutputFormat::none
                     : format == "json" ? poller::OutputFormat::json
                                        : poller::OutputFormat::body;
    if (metrics_listen) options.metrics_listen = poller::parse_listen_address(*metrics_listen);
    if (write_out) options.write_out = poller::WriteOutTemplate::parse(*write_out);
    options.log_format = log_format == "json" ? poller::LogFormat::json : poller::LogFormat::text;
    options.verbosity = verbose ? poller::Verbosity::verbose
                        : quiet ? poller::Verbosity::quiet
                                : poller::Verbosity::normal;
  } catch (const CLI::ParseError& error) {
    // --help and --version exit 0; every other parse error is a usage error.
    return app.exit(error) == 0 ? 0 : poller::exit_usage;
  } catch (const poller::UsageError& error) {
    std::cerr << "poller: " << error.what() << "\nRun with --help for more information.\n";
    return poller::exit_usage;
  }

  try {
    return poller::run(options);
  } catch (const poller::UsageError& error) {
    std::cerr << "poller: " << error.what() << '\n';
    return poller::exit_usage;
  } catch (const std::exception& error) {
    std::cerr << "poller: fatal: " << error.what() << '\n';
    return poller::exit_fetch_failed;
  }
}
