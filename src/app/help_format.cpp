#include "help_format.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace poller {
namespace {

// Where descriptions start; a longer name puts its description on the next line.
constexpr std::size_t description_column = 30;
// Narrower than this, wrapping at the terminal's width helps no one.
constexpr std::size_t least_width = 60;

// "-i, --interval DURATION", with long-only names lined up under the long names of the others.
std::string option_name(const CLI::Option& option) {
  std::string names;
  auto const& shorts = option.get_snames();
  auto const& longs = option.get_lnames();
  names += shorts.empty() ? "    " : fmt::format("-{}, ", shorts.front());
  if (!longs.empty()) names += "--" + longs.front();
  if (!option.get_type_name().empty()) names += " " + option.get_type_name();
  return names;
}

}  // namespace

std::size_t help_width() {
  winsize size{};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return std::max<std::size_t>(size.ws_col, least_width);
  }
  return 80;
}

std::string wrap_words(std::string_view text, std::size_t width, std::size_t first_indent,
                       std::size_t indent) {
  std::string out;
  std::size_t column = first_indent;
  bool line_empty = true;
  std::size_t at = 0;
  while (at < text.size()) {
    auto const start = text.find_first_not_of(' ', at);
    if (start == std::string_view::npos) break;
    // A bracketed note ("[per URL]") stays whole on its line.
    auto const close = text[start] == '[' ? text.find(']', start) : std::string_view::npos;
    auto end = text.find(' ', close == std::string_view::npos ? start : close);
    if (end == std::string_view::npos) end = text.size();
    auto const word = text.substr(start, end - start);
    at = end;
    if (!line_empty && column + 1 + word.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    line_empty = false;
  }
  out += '\n';
  return out;
}

std::string HelpFormatter::make_entry(const CLI::Option& option) const {
  auto line = "  " + option_name(option);
  auto description = option.get_description();
  if (!option.get_default_str().empty() && !option.get_type_name().empty()) {
    // Before a trailing note such as "[per URL]".
    auto const note = description.ends_with(']') ? description.rfind(" [") : std::string::npos;
    description.insert(note == std::string::npos ? description.size() : note,
                       fmt::format(" (default: {})", option.get_default_str()));
  }
  if (line.size() + 2 > description_column) {
    line += '\n';
    line.append(description_column, ' ');
  } else {
    line.append(description_column - line.size(), ' ');
  }
  return line + wrap_words(description, width_, description_column, description_column);
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string name, CLI::AppFormatMode) const {
  std::string out = fmt::format("Usage: {} [OPTIONS] SOURCE...\n\n", name);
  out += wrap_words(app->get_description(), width_, 0, 0);
  for (auto const* source : app->get_options([](const CLI::Option* o) { return o->get_positional(); })) {
    out += '\n' + wrap_words("SOURCE: " + source->get_description(), width_, 0, 2);
  }
  // Groups in the order their first option was defined.
  std::vector<std::string> groups;
  auto const options = app->get_options([](const CLI::Option* o) { return o->nonpositional(); });
  for (auto const* option : options) {
    if (std::find(groups.begin(), groups.end(), option->get_group()) == groups.end()) {
      groups.push_back(option->get_group());
    }
  }
  for (auto const& group : groups) {
    out += fmt::format("\n{}:\n", group);
    for (auto const* option : options) {
      if (option->get_group() == group) out += make_entry(*option);
    }
  }
  auto const footer = app->get_footer();
  std::size_t at = 0;
  while (at <= footer.size() && !footer.empty()) {
    auto end = footer.find('\n', at);
    if (end == std::string::npos) end = footer.size();
    out += '\n' + wrap_words(std::string_view(footer).substr(at, end - at), width_, 0, 2);
    at = end + 1;
  }
  return out;
}

}  // namespace poller
