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

// `file_name` only labels the errors. A list without a URL is no error here: it may be one source
// of several (see sources.hpp). Pure: no I/O.
UrlList parse_url_list(std::string_view text, std::string_view file_name);

}  // namespace poller
