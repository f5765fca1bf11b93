#pragma once
// -d, --data-binary and --json as curl reads them: each @FILE read once, at start; the pieces
// joined into the one body every request of the URL sends.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "poller/client/client_config.hpp"

namespace poller {

// One occurrence of a body option, as given, in the order given.
struct BodyOption {
  enum class Kind {
    data,    // -d, --data: @FILE drops its CR, LF and NUL bytes
    binary,  // --data-binary: @FILE as its bytes are
    json,    // --json: as --data-binary, and the body is JSON
  };
  Kind kind = Kind::data;
  std::string text;  // TEXT, or @FILE
};

// The option's name, for messages: "--data", "--data-binary" or "--json".
const char* body_option_name(BodyOption::Kind kind);

// The body the options make, nullopt without any. As in curl: each piece is joined to what
// comes before it (if anything) with '&', but a --json piece without one; any --json makes the
// body JSON. A relative
// @FILE is taken from `base_directory` (the list file's directory for a list line; empty: the
// working directory). Throws UsageError naming the option and the file when a file cannot be
// read, and for @- (standard input may be the URL list).
std::optional<RequestBody> read_request_body(const std::vector<BodyOption>& options,
                                             const std::filesystem::path& base_directory = {});

}  // namespace poller
