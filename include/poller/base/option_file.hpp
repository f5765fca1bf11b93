#pragma once
// The file of an option's @FILE argument (-d @FILE, --json @FILE, -w @FILE), read whole at start.

#include <filesystem>
#include <string>
#include <string_view>

namespace poller {

// The bytes of `path`, for `option` ("--data", "--write-out"). Throws UsageError
// "OPTION @PATH: cannot read: REASON" (errno's words) when it cannot be opened or read: a
// directory opens, and fails at its first read.
std::string read_option_file(std::string_view option, const std::filesystem::path& path);

}  // namespace poller
