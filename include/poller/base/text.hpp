#pragma once
// ASCII text helpers for what is case-insensitive or padded on the wire: host names, header
// names and values, encodings, option lists. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poller {

// ASCII letters lowered; every other byte (UTF-8 included) as it is.
std::string to_lower(std::string_view text);

// Without the spaces and tabs at either end (HTTP's optional white space, RFC 9110 5.6.3).
std::string_view trim_ows(std::string_view text);

// Equal but for the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b);

// Levenshtein distance: insertions, deletions and substitutions of one byte each.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate `word` is most likely a typo of (a few edits away, or `word` is a prefix of it),
// for "did you mean" hints; nullopt when none is near.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace poller
