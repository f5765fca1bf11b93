#pragma once
// A bad option, option value or URL list: exit status 2, nothing fetched. Thrown while the run is
// set up, turned into the exit status once, at the top (main).

#include <stdexcept>
#include <string>
#include <string_view>

namespace poller {

class UsageError : public std::runtime_error {
 public:
  // A NUL byte (a list line may hold one) would end what(), a C string, there: it is kept as
  // \x00, as escape_control_characters shows it.
  explicit UsageError(std::string_view message) : std::runtime_error(without_nul(message)) {}
  explicit UsageError(const std::string& message) : UsageError(std::string_view(message)) {}
  explicit UsageError(const char* message) : UsageError(std::string_view(message)) {}

 private:
  static std::string without_nul(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    for (char const c : message) {
      if (c == '\0')
        out += "\\x00";
      else
        out += c;
    }
    return out;
  }
};

}  // namespace poller
