#include "parse_error.hpp"

#include <map>
#include <optional>
#include <string_view>

#include <CLI/CLI.hpp>

#include "poller/base/text.hpp"

namespace poller {
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

// The first option of `args` that poller does not have, with a hint: CLI11 alone says
// only "The following arguments were not expected: urls.txt --intervl".
std::optional<std::string> unknown_option(const CLI::App& app, const std::vector<std::string>& args) {
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
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg.front() != '-') continue;
    if (arg.substr(0, 2) == "--") {
      auto const name = arg.substr(0, arg.find('='));
      auto const known = long_takes_value.find(name);
      if (known == long_takes_value.end()) {
        auto const near = closest_match(name, long_names);
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

std::string describe_parse_error(const CLI::App& app, const std::vector<std::string>& args,
                                 const CLI::ParseError& error) {
  if (auto const unknown = unknown_option(app, args)) return *unknown;
  return plain_parse_error(error.what());
}

}  // namespace poller
