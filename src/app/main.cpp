// poller: fetch a list of URLs in fixed-rate rounds. This file only turns the command line into
// Options; everything else lives in the libraries of src/ (see "Code map" in the README).

#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "command_line.hpp"
#include "log.hpp"
#include "options.hpp"
#include "poller.hpp"
#include "poller/text.hpp"

namespace {

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

  poller::OptionTexts texts;
  poller::define_options(app, options, texts);

  app.footer(
      "Exit status: 0 every fetch succeeded (or stdout's reader went away), 1 at least one fetch "
      "failed, 2 usage or input error.\nSignals: SIGINT/SIGTERM stop cleanly, SIGHUP re-reads "
      "the list files before the next round, SIGUSR1 prints a summary on stderr.");

  try {
    app.parse(argc, argv);
    poller::finish_options(texts, options);
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
