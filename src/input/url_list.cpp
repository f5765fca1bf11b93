#include "poller/input/url_list.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "poller/base/encoding.hpp"
#include "poller/input/line_words.hpp"

namespace poller {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_line_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_line_blank(s.back())) s.remove_suffix(1);
  return s;
}

// A '#' after white space starts a comment; a '#' inside the URL is its fragment.
std::string_view strip_trailing_comment(std::string_view line) {
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '#' && is_line_blank(line[i - 1])) return trim(line.substr(0, i));
  }
  return line;
}

}  // namespace

UrlList parse_url_list(std::string_view text, std::string_view file_name,
                       const LineOptionsParser& parse_options, std::string_view list_dir) {
  UrlList list;
  // Windows editors (Notepad) start a UTF-8 file with a byte order mark.
  constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";
  if (text.substr(0, byte_order_mark.size()) == byte_order_mark)
    text.remove_prefix(byte_order_mark.size());
  // A target per line at most: grown by doubling instead, the vector held far more room than
  // targets (bench/RESULTS.md).
  list.targets.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    auto const end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);

    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto const error = [&](std::string_view reason) {
      list.errors.push_back(fmt::format("{}:{}: {}", file_name, line_number, reason));
    };

    // The URL is the line's first word, up to the first blank, exactly as written: a ' is a
    // sub-delim of RFC 3986 ("/wiki/Ender's_Game"). Quoting applies to the options after it.
    auto const url_end = std::find_if(line.begin(), line.end(), is_line_blank);
    std::string_view url = line.substr(0, static_cast<std::size_t>(url_end - line.begin()));
    // Most lines are a URL alone: cutting the rest into words (a string and a vector each)
    // would cost more than parsing the URL.
    LineWords options;
    if (url.size() < line.size()) {
      auto const rest = line.substr(url.size());
      options = split_line_words(rest);
      if (!options.error.empty()) {
        error(fmt::format("{}: {}", options.error,
                          escape_control_characters(redact_password(line))));
        continue;
      }
      // A second word that is no option is most likely the rest of a URL with a space in it:
      // the whole text is then judged as the URL, and the error says what is wrong with it.
      if (!options.words.empty() && !options.words.front().starts_with('-'))
        url = strip_trailing_comment(line);
    }
    auto parsed = parse_target(url);
    if (!parsed.target) {
      error(fmt::format("{}: {}", parsed.error, escape_control_characters(redact_password(url))));
      continue;
    }
    if (!options.words.empty()) {
      auto const& words = options.words;
      auto const reason = parse_options ? parse_options(words, list_dir, *parsed.target)
                                        : std::string("options after the URL are not taken here");
      if (!reason.empty()) {
        error(escape_control_characters(reason));
        continue;
      }
    }
    list.targets.push_back(std::move(*parsed.target));
  }
  return list;
}

}  // namespace poller
