#pragma once
// The URL list: text in, targets or every input error out (as FILE:LINE: reason).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "poller/input/target.hpp"

namespace poller {

struct UrlList {
  std::vector<Target> targets;
  std::vector<std::string> errors;  // "FILE:LINE: reason", in line order; empty when the list is good

  bool ok() const { return errors.empty(); }
};

// Makes the words after the URL on a list line (split as a shell would: line_words.hpp) into
// the target's name and settings: the app's option parser, so that a line's options are the
// command line's. Returns why it cannot, or an empty string. `list_dir` is the directory of the
// list file, which a relative @FILE is relative to.
using LineOptionsParser = std::function<std::string(
    const std::vector<std::string>& words, std::string_view list_dir, Target& target)>;

// `file_name` only labels the errors. A list without a URL is no error here: it may be one source
// of several (see sources.hpp). Without `parse_options`, a word after a URL is an error. Pure
// but for what `parse_options` does (it may read an @FILE).
UrlList parse_url_list(std::string_view text, std::string_view file_name,
                       const LineOptionsParser& parse_options = {}, std::string_view list_dir = {});

}  // namespace poller
