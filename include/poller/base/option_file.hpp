#pragma once
// The file of an option's @FILE argument (-d @FILE, --json @FILE, -w @FILE), read whole at start,
// and a list line's again on every SIGHUP.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace poller {

// The most an @FILE may hold: --max-filesize's default, the largest body poller takes in.
inline constexpr std::uint64_t option_file_limit = 64ull * 1024 * 1024;

// The bytes of `path`, for `option` ("--data", "--write-out"). Only a regular file of at most
// option_file_limit bytes is read, and opening never waits (a FIFO without a writer would):
// this runs in the middle of a run too, on SIGHUP. Throws UsageError "OPTION @PATH: REASON":
// "cannot read: " and errno's words (a directory: "Is a directory"), "not a regular file (...)",
// "larger than 64 MiB (...)".
std::string read_option_file(std::string_view option, const std::filesystem::path& path);

}  // namespace poller
