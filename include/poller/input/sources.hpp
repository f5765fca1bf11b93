#pragma once
// The SOURCE operands of `poller [OPTIONS] SOURCE...`: URLs given as they are, list files, and
// "-" for standard input, read into one list of targets in the order given.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poller/input/target.hpp"
#include "poller/input/url_list.hpp"

namespace poller {

struct Source {
  enum class Kind { url, file, standard_input };
  Kind kind = Kind::file;
  std::string operand;
};

// An operand that starts with http:// or https:// (in any case) is a URL, as curl takes them;
// "-" is standard input; anything else names a list file.
Source classify_source(std::string_view operand);

// The URL a missing file's name seems meant as (`localhost:8080` → `http://localhost:8080/`,
// `example.com/health` → `http://example.com/health`), for the error's "did you mean"; nothing
// when it reads as a file name (`urls.txt`) or makes no URL. Never used to fetch.
std::optional<std::string> url_meant_by(std::string_view operand);

class SourceList {
 public:
  // Throws UsageError for a bad URL operand (naming it, password removed), for "-" given twice,
  // and for no operand at all. `parse_options` reads the options on list lines (url_list.hpp);
  // `start_reading`, when given, is called before each reading of the sources (load, reload),
  // so that the parser may tell one reading from the next.
  explicit SourceList(const std::vector<std::string>& operands,
                      LineOptionsParser parse_options = {},
                      std::function<void()> start_reading = {});

  // Reads every source, in order. Standard input is read to EOF, and a FIFO waits for its
  // writer: both may block, which is fine before the first round.
  UrlList load();

  // SIGHUP: reads the regular files again without ever blocking. URL operands, standard input
  // and a file that is not a regular file (a FIFO would wait for a writer) keep the targets they
  // gave before; `not_reread` names the latter two.
  UrlList reload(std::vector<std::string>& not_reread);

  // "urls.txt", or "urls.txt, more.txt" — the files, for log lines.
  std::string files() const;
  bool has_files() const;

 private:
  UrlList read(bool at_start, std::vector<std::string>& not_reread);

  std::vector<Source> sources_;
  LineOptionsParser parse_options_;
  std::function<void()> start_reading_;
  // Per source, as last read without error: what a reload keeps for the sources it does not
  // read again (empty for a regular file, which it does).
  std::vector<std::vector<Target>> targets_;
  std::vector<bool> reread_;  // per source: a regular file when last read
};

}  // namespace poller
