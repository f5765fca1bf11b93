// poller: fetch a list of URLs in fixed-rate rounds. This file only turns the command line into
// Options; everything else lives in the libraries of src/ (see "Code map" in docs/ARCHITECTURE.md).

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "command_line.hpp"
#include "help_format.hpp"
#include "line_options.hpp"
#include "parse_error.hpp"
#include "log.hpp"
#include "options.hpp"
#include "poller.hpp"

namespace {

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

}  // namespace

int main(int argc, char** argv) {
  poller::hold_signals();
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
  app.formatter(std::make_shared<poller::HelpFormatter>(poller::help_width()));
  poller::OptionTexts texts;
  poller::define_options(app, options, texts);
  // After the others, so that --help shows them last.
  app.set_help_flag("-h,--help", "Print this help and exit")->group("Help");
  app.set_version_flag("--version", "poller " POLLER_VERSION, "Print the version and exit")->group("Help");

  app.footer(
      "Exit status: 0 every fetch succeeded (or stdout's reader went away), 1 at least one fetch "
      "failed, 2 usage or input error.\nSignals: SIGINT/SIGTERM stop cleanly, SIGHUP re-reads "
      "the list files before the next round (a terminal's hang-up stops), SIGUSR1 prints a summary "
      "on stderr.");

  try {
    app.parse(argc, argv);
    poller::finish_options(texts, options);
  } catch (const CLI::Success& done) {
    return app.exit(done);  // --help, --version
  } catch (const CLI::ParseError& error) {
    return usage_error(
        poller::describe_parse_error(app, std::vector<std::string>(argv + 1, argv + argc), error));
  } catch (const poller::UsageError& error) {
    return usage_error(error.what());
  }

  try {
    poller::LineOptions line_options(options, texts);
    return poller::run(options, line_options);
  } catch (const poller::UsageError& error) {
    return usage_error(error.what());
  } catch (const std::exception& error) {
    poller::log_startup_error(options.log_format, std::string("fatal: ") + error.what());
    return poller::exit_fetch_failed;
  }
}
