#pragma once
// --help for people: the options in their groups, each description wrapped to the terminal's
// width (80 columns off a terminal), without CLI11's own annotations.

#include <cstddef>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace poller {

class HelpFormatter final : public CLI::Formatter {
 public:
  explicit HelpFormatter(std::size_t width) : width_(width) {}

  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;

 private:
  std::string make_entry(const CLI::Option& option) const;

  std::size_t width_;
};

// The columns of the terminal standard output is, else 80.
std::size_t help_width();

// `text` in lines of at most `width` columns, broken between words (a longer word gets a line of
// its own): the first line is indented by `first_indent` spaces (the caller has already written
// them), the others by `indent`. Each line ends with a newline.
std::string wrap_words(std::string_view text, std::size_t width, std::size_t first_indent,
                       std::size_t indent);

}  // namespace poller
