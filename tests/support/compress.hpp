#pragma once
// Compressed bodies for the --compressed tests: what a server would send, made with zlib.

#include <cstdint>
#include <string>
#include <string_view>

namespace poller::test {

enum class Compression { gzip, zlib, raw_deflate };

// `copies` times `text`, compressed as one stream: a bomb of zeros without holding it decoded.
std::string compress(Compression format, std::string_view text, std::uint64_t copies = 1);

}  // namespace poller::test
