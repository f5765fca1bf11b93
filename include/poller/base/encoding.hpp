#pragma once
// Byte-level encodings for output: UTF-8 validation and repair, base64. Pure.

#include <cstddef>
#include <string>
#include <string_view>

namespace poller {

bool is_valid_utf8(std::string_view bytes);
// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629), 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s);
// Each byte that does not start a well-formed sequence becomes U+FFFD.
std::string replace_invalid_utf8(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// For quoting untrusted text in a log line: each control character (CR, LF, ESC, DEL, ...)
// becomes a visible escape (\r, \n, \x1b, \x7f), so the text can neither end the line nor
// drive the terminal. So do C1 controls (U+0080 to U+009F, as \xc2\x9b) and bytes that are not
// UTF-8; other UTF-8 stays as it is.
std::string escape_control_characters(std::string_view text);

}  // namespace poller
