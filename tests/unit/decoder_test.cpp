// --compressed decoding on its own: each encoding, bodies arriving in pieces, broken input, and
// the limit on the decoded size that stops a compression bomb.

#include <gtest/gtest.h>

#include "decoder.hpp"
#include "support/compress.hpp"

namespace poller {
namespace {

using test::Compression;
using test::compress;

constexpr std::uint64_t no_limit = 1ull << 40;

// Feeds `input` in slices of `slice` bytes, then finishes; the decoded body, or why it failed.
struct Decoded {
  DecodeResult result = DecodeResult::ok;
  std::string body;
  std::string message;
};

Decoded decode(std::string_view encoding, std::string_view input, std::size_t slice = 1 << 20,
               std::uint64_t limit = no_limit) {
  BodyDecoder decoder;
  Decoded out;
  if (!decoder.reset(encoding)) return {DecodeResult::bad_input, "", decoder.message()};
  for (std::size_t at = 0; at < input.size() && out.result == DecodeResult::ok; at += slice) {
    out.result = decoder.feed(input.substr(at, slice), out.body, limit);
  }
  if (out.result == DecodeResult::ok) out.result = decoder.finish();
  out.message = decoder.message();
  return out;
}

const std::string text = "hello, compressed world\n";

TEST(Decoder, GzipIsDecoded) {
  auto const decoded = decode("gzip", compress(Compression::gzip, text));
  EXPECT_EQ(decoded.result, DecodeResult::ok) << decoded.message;
  EXPECT_EQ(decoded.body, text);
}

TEST(Decoder, EncodingNamesAreCaseInsensitiveAndXGzipIsGzip) {
  EXPECT_EQ(decode(" GZip ", compress(Compression::gzip, text)).body, text);
  EXPECT_EQ(decode("x-gzip", compress(Compression::gzip, text)).body, text);
}

TEST(Decoder, ZlibWrappedDeflateIsDecoded) {
  EXPECT_EQ(decode("deflate", compress(Compression::zlib, text)).body, text);
}

TEST(Decoder, RawDeflateIsDecodedToo) {
  EXPECT_EQ(decode("deflate", compress(Compression::raw_deflate, text)).body, text);
}

TEST(Decoder, BodiesArrivingOneByteAtATimeDecodeTheSame) {
  for (auto const& [encoding, format] : {std::pair{"gzip", Compression::gzip},
                                        std::pair{"deflate", Compression::zlib},
                                        std::pair{"deflate", Compression::raw_deflate}}) {
    auto const decoded = decode(encoding, compress(format, text, 100), 1);
    EXPECT_EQ(decoded.result, DecodeResult::ok) << decoded.message;
    EXPECT_EQ(decoded.body.size(), text.size() * 100);
  }
}

TEST(Decoder, IdentityAndNoEncodingPassThrough) {
  EXPECT_EQ(decode("identity", "as is").body, "as is");
  EXPECT_EQ(decode("", "as is").body, "as is");
}

TEST(Decoder, AnUnknownEncodingIsRefusedAndNamed) {
  BodyDecoder decoder;
  EXPECT_FALSE(BodyDecoder::can_decode("br"));
  EXPECT_FALSE(decoder.reset("br"));
  EXPECT_EQ(decoder.message(), "unsupported Content-Encoding: br");
  EXPECT_FALSE(decoder.reset("gzip, gzip"));  // stacked encodings: not asked for
}

TEST(Decoder, AnUnknownEncodingIsNamedWithItsControlCharactersEscaped) {
  BodyDecoder decoder;
  EXPECT_FALSE(decoder.reset("x\x1b[2J\xc2\x9b"));
  EXPECT_EQ(decoder.message(), "unsupported Content-Encoding: x\\x1b[2J\\xc2\\x9b");
}

TEST(Decoder, TruncatedInputFailsAtTheEnd) {
  auto const whole = compress(Compression::gzip, text);
  auto const decoded = decode("gzip", std::string_view(whole).substr(0, whole.size() - 4));
  EXPECT_EQ(decoded.result, DecodeResult::bad_input);
  EXPECT_EQ(decoded.message, "compressed body ends early (truncated)");
}

TEST(Decoder, CorruptInputFailsWithZlibsReason) {
  auto const decoded = decode("gzip", "this is not gzip\n");
  EXPECT_EQ(decoded.result, DecodeResult::bad_input);
  EXPECT_EQ(decoded.message, "incorrect header check");

  auto damaged = compress(Compression::gzip, text);
  damaged[damaged.size() - 6] ^= 0x55;  // in the CRC-32 of the trailer
  EXPECT_EQ(decode("gzip", damaged).message, "incorrect data check");
}

TEST(Decoder, BytesAfterTheEndOfTheStreamFail) {
  auto const decoded = decode("gzip", compress(Compression::gzip, text) + "junk");
  EXPECT_EQ(decoded.result, DecodeResult::bad_input);
  EXPECT_EQ(decoded.message, "data after the end of the compressed stream");
}

TEST(Decoder, AnEmptyBodyIsEmptyWhateverItsEncoding) {
  auto const decoded = decode("gzip", "");
  EXPECT_EQ(decoded.result, DecodeResult::ok);
  EXPECT_EQ(decoded.body, "");
}

TEST(Decoder, ABombStopsAtTheLimitWithoutHoldingMore) {
  std::string const mib(1024 * 1024, '\0');
  auto const bomb = compress(Compression::gzip, mib, 100);
  EXPECT_LT(bomb.size(), 200u * 1024);  // 100 MiB in ~100 KiB

  auto const decoded = decode("gzip", bomb, 64 * 1024, 1024 * 1024);
  EXPECT_EQ(decoded.result, DecodeResult::too_large);
  EXPECT_LE(decoded.body.size(), 1024u * 1024);
  EXPECT_LE(decoded.body.capacity(), 2u * 1024 * 1024);
}

TEST(Decoder, ABodyOfExactlyTheLimitFits) {
  auto const decoded = decode("deflate", compress(Compression::zlib, text), 1 << 20, text.size());
  EXPECT_EQ(decoded.result, DecodeResult::ok);
  EXPECT_EQ(decode("deflate", compress(Compression::zlib, text), 1 << 20, text.size() - 1).result,
            DecodeResult::too_large);
}

TEST(Decoder, ResetStartsAFreshBodyAfterAFailure) {
  BodyDecoder decoder;
  std::string out;
  ASSERT_TRUE(decoder.reset("gzip"));
  EXPECT_EQ(decoder.feed("this is not gzip", out, no_limit), DecodeResult::bad_input);
  ASSERT_TRUE(decoder.reset("deflate"));
  out.clear();
  EXPECT_EQ(decoder.feed(compress(Compression::raw_deflate, text), out, no_limit), DecodeResult::ok);
  EXPECT_EQ(decoder.finish(), DecodeResult::ok);
  EXPECT_EQ(out, text);
}

}  // namespace
}  // namespace poller
