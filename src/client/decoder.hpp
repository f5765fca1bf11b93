#pragma once
// --compressed: inflates a gzip or deflate response body as it arrives, holding the decoded
// size to a limit as it goes, so a compression bomb fails after `limit` bytes instead of
// filling memory. zlib stays behind the pimpl: including this header costs nothing.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace poller {

enum class DecodeResult { ok, too_large, bad_input };

class BodyDecoder {
 public:
  BodyDecoder();
  ~BodyDecoder();
  BodyDecoder(const BodyDecoder&) = delete;
  BodyDecoder& operator=(const BodyDecoder&) = delete;

  // Whether bodies with this Content-Encoding value can be decoded: gzip, x-gzip, deflate
  // (zlib-wrapped or raw), identity or none (passed through), in any case.
  static bool can_decode(std::string_view content_encoding);

  // Starts a new body of `content_encoding`. Returns false, and decodes nothing, for an encoding
  // can_decode() refuses; message() then names it.
  bool reset(std::string_view content_encoding);

  // Decodes the next `input` bytes and appends the result to `out`. Appends nothing that would
  // take `out` past `limit` bytes: too_large instead. bad_input (see message()) for bytes that
  // are not the encoding, or any byte after the end of the compressed stream.
  DecodeResult feed(std::string_view input, std::string& out, std::uint64_t limit);

  // At the end of the body: bad_input when the compressed stream stopped short.
  DecodeResult finish();

  // Why the last reset(), feed() or finish() failed.
  const std::string& message() const { return message_; }

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  std::string message_;
};

}  // namespace poller
