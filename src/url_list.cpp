#include "poller/url_list.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "poller/encoding.hpp"

namespace poller {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// A '#' after white space starts a comment; a '#' inside the URL is its fragment.
std::string_view strip_trailing_comment(std::string_view line) {
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '#' && is_blank(line[i - 1])) return trim(line.substr(0, i));
  }
  return line;
}

}  // namespace

UrlList parse_url_list(std::string_view text, std::string_view file_name) {
  UrlList list;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    auto const end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);

    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    line = strip_trailing_comment(line);

    auto parsed = parse_target(line);
    if (parsed.target) {
      list.targets.push_back(std::move(*parsed.target));
    } else {
      list.errors.push_back(fmt::format("{}:{}: {}: {}", file_name, line_number, parsed.error,
                                        escape_control_characters(redact_password(line))));
    }
  }
  if (list.targets.empty() && list.errors.empty()) {
    list.errors.push_back(fmt::format("{}: no URL in the list", file_name));
  }
  return list;
}

UrlList load_url_list(const std::string& path) {
  if (path == "-") {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    return parse_url_list(text, "<stdin>");
  }
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  if (file) text << file.rdbuf();
  if (!file || file.bad()) {
    UrlList list;
    list.errors.push_back(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    return list;
  }
  return parse_url_list(text.str(), path);
}

}  // namespace poller
