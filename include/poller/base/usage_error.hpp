#pragma once
// A bad option, option value or URL list: exit status 2, nothing fetched. Thrown while the run is
// set up, turned into the exit status once, at the top (main).

#include <stdexcept>

namespace poller {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace poller
