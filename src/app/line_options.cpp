#include "line_options.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "poller/base/encoding.hpp"
#include "poller/base/usage_error.hpp"
#include "parse_error.hpp"
#include "url_settings.hpp"

namespace poller {
namespace {

// "-m" for "-m,--max-time" is how the line wrote it, but the long name says what it is.
std::string option_name(const CLI::Option& option) {
  if (option.get_positional()) return option.get_name();
  auto const& names = option.get_lnames();
  return names.empty() ? "-" + option.get_snames().front() : "--" + names.front();
}

// A --name goes into log lines, JSON and metric labels: one line of printable UTF-8 text (JSON
// and the Prometheus exposition are UTF-8; a stray byte would make a record unreadable).
std::string check_name(const std::string& name) {
  if (name.empty()) return "--name: give a label (it names the URL in logs, output and metrics)";
  auto const shown = escape_control_characters(name);
  if (!is_valid_utf8(name)) return "--name: \"" + shown + "\" is not UTF-8 text";
  // Escaped, a name with a control character (C0, DEL, C1) reads differently.
  if (shown != name) return "--name: \"" + shown + "\" holds a control character";
  return {};
}

}  // namespace

LineOptions::LineOptions(const Options& options, const OptionTexts& texts)
    : command_line_(options), command_line_texts_(texts), app_(std::make_unique<CLI::App>()) {
  define_options(*app_, line_, line_texts_);
  app_->set_help_flag();  // no -h on a line: it would be "unknown option", like --version
}

LineOptions::~LineOptions() = default;

std::string LineOptions::parse(const std::vector<std::string>& words, std::string_view list_dir,
                               Target& target) {
  try {
    return read_into(words, list_dir, target);
  } catch (const UsageError& error) {
    return error.what();
  }
}

std::string LineOptions::read_into(const std::vector<std::string>& words, std::string_view list_dir,
                                   Target& target) {
  line_ = command_line_;
  line_texts_ = command_line_texts_;
  line_texts_.headers.clear();  // a line's -H go on top of the command line's, already parsed
  line_texts_.body_options.clear();  // a line's -d, --json replace the command line's body
  app_->clear();
  try {
    std::vector<std::string> reversed(words.rbegin(), words.rend());  // as CLI11 takes them
    app_->parse(reversed);
  } catch (const CLI::ParseError& error) {
    return describe_parse_error(*app_, words, error);
  }

  // What the line gives but its name, as written, each piece length-prefixed: the key of its
  // settings (list_dir too: it decides which file a relative @FILE is).
  std::string key;
  auto const add_to_key = [&key](std::string_view piece) {
    key.append(std::to_string(piece.size())).append(1, ':').append(piece);
  };
  add_to_key(list_dir);
  auto const key_of_no_settings = key;
  for (auto const* option : app_->get_options()) {
    if (option->count() == 0) continue;
    if (option->get_positional()) {
      return fmt::format("\"{}\" after the URL is not an option (one URL per line, then options)",
                         escape_control_characters(option->results().front()));
    }
    if (!is_per_url_option(*option)) {
      return fmt::format("{} applies to the whole run: give it on the command line, not on a "
                         "list line",
                         option_name(*option));
    }
    if (option->get_lnames().front() == "name") continue;
    add_to_key(option->get_lnames().front());
    for (auto const& value : option->results()) add_to_key(value);
  }
  // -d, --data-binary, --json keep each occurrence there (their results hold the last only).
  for (auto const& body : line_texts_.body_options) {
    add_to_key(body_option_name(body.kind));
    add_to_key(body.text);
  }

  if (line_texts_.name) {
    if (auto error = check_name(*line_texts_.name); !error.empty()) return error;
    target.name = *line_texts_.name;
  }
  if (key == key_of_no_settings) return {};  // nothing but a name
  if (auto const known = known_.find(key); known != known_.end()) {
    if (auto settings = known->second.lock()) {
      target.settings = std::move(settings);
      return {};
    }
  }
  auto settings = std::make_shared<UrlSettings>();
  settings->request = line_.client.request;
  settings->checks = line_.checks;
  finish_fetch_options(line_texts_, settings->request, settings->checks, list_dir);
  settings->state_rules = line_.state_rules;
  finish_state_rules(line_texts_, settings->state_rules);
  settings->given = key;
  settings->request.keep_body = keeps_body(command_line_.output, settings->checks);
  known_[key] = settings;
  target.settings = std::move(settings);
  return {};
}

}  // namespace poller
