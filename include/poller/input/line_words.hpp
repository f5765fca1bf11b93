#pragma once
// The options after a list line's URL cut into words the way a POSIX shell cuts a command line,
// so that they are written and quoted as on the command line (SPEC "Per-URL settings"). The URL
// itself, the line's first word, is taken as written (url_list.cpp).

#include <string>
#include <string_view>
#include <vector>

namespace poller {

struct LineWords {
  std::vector<std::string> words;
  std::string error;  // "unbalanced ' quote", ...; words are then incomplete
};

// What separates words: space, tab, CR, VT, FF.
bool is_line_blank(char c);

// Blanks (space, tab, CR, VT, FF) separate words. '…' keeps everything up to the next ' as it
// is; "…" does too, but a backslash there escapes " and \ (and stays before anything else); a
// backslash outside quotes keeps the next character as it is. A # that begins a word, outside
// quotes, starts a comment to the end of the line; elsewhere it is a character like any other
// (a URL's fragment). Pure.
LineWords split_line_words(std::string_view line);

}  // namespace poller
