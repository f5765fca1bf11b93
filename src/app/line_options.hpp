#pragma once
// Options on a list line (SPEC "Per-URL settings"), read with the command line's own option
// definitions (command_line.hpp), so names, values and messages are the same in both places.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "command_line.hpp"
#include "options.hpp"
#include "poller/input/url_list.hpp"

namespace CLI {
class App;
}

namespace poller {

class LineOptions {
 public:
  // `options` and `texts`: the command line's, which a line's values replace for its URL. Both
  // must outlive this.
  LineOptions(const Options& options, const OptionTexts& texts);
  ~LineOptions();
  LineOptions(const LineOptions&) = delete;
  LineOptions& operator=(const LineOptions&) = delete;

  // Reads `words` (what follows a URL on its line) into `target`'s name and settings; returns why
  // it cannot ("--max-time: "x" is not a duration ...", "--interval applies to the whole run
  // ..."), or an empty string. The run's UrlList parser (url_list.hpp).
  std::string parse(const std::vector<std::string>& words, std::string_view list_dir,
                    Target& target);

  LineOptionsParser parser() {
    return [this](const std::vector<std::string>& words, std::string_view list_dir,
                  Target& target) { return parse(words, list_dir, target); };
  }

  // A new reading of the lists begins (at start, on SIGHUP): the settings of the last one are
  // not shared with its lines, so that an @FILE edited since is read again.
  void start_reading() { known_.clear(); }

 private:
  std::string read_into(const std::vector<std::string>& words, std::string_view list_dir,
                        Target& target);

  const Options& command_line_;
  const OptionTexts& command_line_texts_;
  // What the definitions are bound to: reset to the command line's before each line.
  Options line_;
  OptionTexts line_texts_;
  std::unique_ptr<CLI::App> app_;
  // The settings of lines that give the same options (but --name) are one object within a
  // reading: a list of thousands of URLs with the same -H keeps it once. Keyed by the options
  // given, as written.
  std::unordered_map<std::string, std::weak_ptr<const UrlSettings>> known_;
};

}  // namespace poller
