#pragma once
// A response's validators (RFC 9110 8.8): what a conditional request sends back to ask "has it
// changed?" (--conditional). Kept per list entry between rounds, so bounded in size.

#include <cstddef>
#include <string>

namespace poller {

struct Validators {
  std::string etag;           // sent as If-None-Match, as given (a weak W/"..." too)
  std::string last_modified;  // sent as If-Modified-Since

  // Longer values are not kept: a hostile server's megabyte ETag would be stored and sent back
  // every round. Real ones are a hash or a date.
  static constexpr std::size_t max_length = 512;

  bool empty() const { return etag.empty() && last_modified.empty(); }
};

}  // namespace poller
