#include "support/compress.hpp"

#include <stdexcept>

#include <zlib.h>

namespace poller::test {

std::string compress(Compression format, std::string_view text, std::uint64_t copies) {
  z_stream z{};
  const int window_bits = format == Compression::gzip   ? 16 + MAX_WBITS
                          : format == Compression::zlib ? MAX_WBITS
                                                        : -MAX_WBITS;
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  unsigned char chunk[64 * 1024];
  for (std::uint64_t i = 0; i <= copies; ++i) {
    const bool last = i == copies;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = last ? 0 : static_cast<uInt>(text.size());
    do {
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      out.append(reinterpret_cast<const char*>(chunk), sizeof chunk - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

}  // namespace poller::test
