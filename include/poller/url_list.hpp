#pragma once
// The URL list: text in, targets or every input error out (as FILE:LINE: reason).

#include <string>
#include <string_view>
#include <vector>

#include "poller/target.hpp"

namespace poller {

struct UrlList {
  std::vector<Target> targets;
  std::vector<std::string> errors;  // "FILE:LINE: reason", in line order; empty when the list is good

  bool ok() const { return errors.empty(); }
};

// `file_name` only labels the errors. Pure: no I/O.
UrlList parse_url_list(std::string_view text, std::string_view file_name);

// Reads `path` ("-" is standard input, read to EOF) and parses it. An unreadable file is
// reported as an error of the list, like any other input error.
UrlList load_url_list(const std::string& path);

}  // namespace poller
