#pragma once
// ASCII text helpers for what is case-insensitive or padded on the wire: host names, header
// names and values, encodings, option lists. Pure.

#include <string>
#include <string_view>

namespace poller {

// ASCII letters lowered; every other byte (UTF-8 included) as it is.
std::string to_lower(std::string_view text);

// Without the spaces and tabs at either end (HTTP's optional white space, RFC 9110 5.6.3).
std::string_view trim_ows(std::string_view text);

// Equal but for the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b);

}  // namespace poller
