#pragma once
// Byte-level encodings for output: UTF-8 validation and repair, base64. Pure.

#include <string>
#include <string_view>

namespace poller {

bool is_valid_utf8(std::string_view bytes);
// Each byte that does not start a well-formed sequence becomes U+FFFD.
std::string replace_invalid_utf8(std::string_view bytes);
std::string base64_encode(std::string_view bytes);

}  // namespace poller
