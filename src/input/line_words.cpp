#include "poller/input/line_words.hpp"

namespace poller {

bool is_line_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

LineWords split_line_words(std::string_view line) {
  LineWords out;
  std::string word;
  bool in_word = false;  // a word is open, even an empty one ('' is a word)
  for (std::size_t i = 0; i < line.size(); ++i) {
    char const c = line[i];
    if (is_line_blank(c)) {
      if (in_word) out.words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;
    } else if (c == '\'') {
      auto const close = line.find('\'', i + 1);
      if (close == std::string_view::npos) {
        out.error = "unbalanced ' quote";
        return out;
      }
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() && (line[j + 1] == '"' || line[j + 1] == '\\'))
          ++j;
        word += line[j];
      }
      if (j == line.size()) {
        out.error = "unbalanced \" quote";
        return out;
      }
      in_word = true;
      i = j;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.words.push_back(std::move(word));
  return out;
}

}  // namespace poller
