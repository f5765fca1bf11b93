#include "request_body.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "poller/base/option_file.hpp"
#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

// A piece of the body: TEXT as it is, or the contents of @FILE.
std::string piece_of(const BodyOption& option, const std::filesystem::path& base_directory) {
  auto const name = body_option_name(option.kind);
  if (!option.text.starts_with('@')) return option.text;
  auto const file_name = option.text.substr(1);
  if (file_name == "-") {
    throw UsageError(
        fmt::format("{} @-: a body from standard input is not supported (standard "
                    "input may be the URL list); put it in a file and give @FILE",
                    name));
  }
  std::filesystem::path path(file_name);
  if (path.is_relative() && !base_directory.empty()) path = base_directory / path;
  auto bytes = read_option_file(name, path);
  if (option.kind == BodyOption::Kind::data) {
    // curl's -d @FILE: a text file's line breaks (and NUL bytes) are not part of the form data.
    std::erase_if(bytes, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
  }
  return bytes;
}

}  // namespace

const char* body_option_name(BodyOption::Kind kind) {
  switch (kind) {
    case BodyOption::Kind::data:
      return "--data";
    case BodyOption::Kind::binary:
      return "--data-binary";
    case BodyOption::Kind::json:
      return "--json";
  }
  return "--data";
}

std::optional<RequestBody> read_request_body(const std::vector<BodyOption>& options,
                                             const std::filesystem::path& base_directory) {
  if (options.empty()) return std::nullopt;
  RequestBody body;
  for (auto const& option : options) {
    bool const json = option.kind == BodyOption::Kind::json;
    // As curl's tool_getparam.c: a separator only after something, and never before --json.
    if (!body.data.empty() && !json) body.data += '&';
    body.data += piece_of(option, base_directory);
    body.json = body.json || json;
  }
  return body;
}

}  // namespace poller
