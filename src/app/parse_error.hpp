#pragma once
// CLI11's parse errors said plainly, for the command line and for list lines alike.

#include <string>
#include <vector>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace poller {

// CLI11's parse error for `args` (the command line's or a list line's, without the program
// name), said plainly: "unknown option --intervl (did you mean --interval?)", "--interval needs
// a value (DURATION)".
std::string describe_parse_error(const CLI::App& app, const std::vector<std::string>& args,
                                 const CLI::ParseError& error);

}  // namespace poller
