#include "decoder.hpp"

#include <algorithm>
#include <array>
#include <climits>

#include <zlib.h>

#include "poller/base/encoding.hpp"
#include "poller/base/text.hpp"

namespace poller {
namespace {

// windowBits for inflateInit2: 32 + 15 takes a gzip or a zlib header, 15 a zlib header only,
// -15 no header at all (raw deflate).
constexpr int gzip_or_zlib = 32 + MAX_WBITS;
constexpr int zlib_wrapped = MAX_WBITS;
constexpr int raw_deflate = -MAX_WBITS;

// RFC 1950: a zlib stream starts with CMF (method 8 = deflate in the low nibble) and FLG, and
// CMF * 256 + FLG is a multiple of 31. Raw deflate rarely looks like that by chance.
bool is_zlib_header(unsigned char cmf, unsigned char flg) {
  return (cmf & 0x0f) == Z_DEFLATED && (cmf * 256 + flg) % 31 == 0;
}

}  // namespace

struct BodyDecoder::Stream {
  enum class Mode { identity, deflate_undecided, inflating };

  z_stream z{};
  bool initialised = false;
  Mode mode = Mode::identity;
  bool got_input = false;
  bool ended = false;  // inflate() has seen the end of the compressed stream
  // Content-Encoding: deflate means zlib-wrapped (RFC 9110 8.4.1.2), but some servers send raw
  // deflate: the first two bytes tell which, so they wait here until both have arrived.
  std::string head;

  ~Stream() {
    if (initialised) inflateEnd(&z);
  }

  bool start(int window_bits) {
    mode = Mode::inflating;
    if (initialised) return inflateReset2(&z, window_bits) == Z_OK;
    initialised = inflateInit2(&z, window_bits) == Z_OK;
    return initialised;
  }
};

BodyDecoder::BodyDecoder() : stream_(std::make_unique<Stream>()) {}
BodyDecoder::~BodyDecoder() = default;

bool BodyDecoder::can_decode(std::string_view content_encoding) {
  auto const name = to_lower(trim_ows(content_encoding));
  return name.empty() || name == "identity" || name == "gzip" || name == "x-gzip" ||
         name == "deflate";
}

bool BodyDecoder::reset(std::string_view content_encoding) {
  auto& s = *stream_;
  s.got_input = false;
  s.ended = false;
  s.head.clear();
  message_.clear();
  auto const name = to_lower(trim_ows(content_encoding));
  if (name.empty() || name == "identity") {
    s.mode = Stream::Mode::identity;
    return true;
  }
  if (name == "deflate") {
    s.mode = Stream::Mode::deflate_undecided;
    return true;
  }
  if (name == "gzip" || name == "x-gzip") {
    if (s.start(gzip_or_zlib)) return true;
    message_ = "cannot start zlib";
    return false;
  }
  s.mode = Stream::Mode::identity;
  // The server's words, on their way to a log line.
  message_ = "unsupported Content-Encoding: " + escape_control_characters(content_encoding);
  return false;
}

DecodeResult BodyDecoder::feed(std::string_view input, std::string& out, std::uint64_t limit) {
  auto& s = *stream_;
  if (!input.empty()) s.got_input = true;
  if (s.mode == Stream::Mode::identity) {
    if (input.size() > limit - std::min<std::uint64_t>(limit, out.size())) return DecodeResult::too_large;
    out.append(input);
    return DecodeResult::ok;
  }
  if (s.mode == Stream::Mode::deflate_undecided) {
    auto const taken = std::min(input.size(), 2 - s.head.size());
    s.head.append(input.substr(0, taken));
    input.remove_prefix(taken);
    if (s.head.size() < 2) return DecodeResult::ok;
    auto const zlib = is_zlib_header(static_cast<unsigned char>(s.head[0]),
                                     static_cast<unsigned char>(s.head[1]));
    if (!s.start(zlib ? zlib_wrapped : raw_deflate)) {
      message_ = "cannot start zlib";
      return DecodeResult::bad_input;
    }
    auto const head = std::move(s.head);
    s.head.clear();
    if (auto const result = feed(head, out, limit); result != DecodeResult::ok) return result;
  }
  if (input.empty()) return DecodeResult::ok;
  if (s.ended) {
    message_ = "data after the end of the compressed stream";
    return DecodeResult::bad_input;
  }

  // Out through a small fixed buffer, so that no more than `limit` decoded bytes are ever held.
  std::array<unsigned char, 16 * 1024> chunk;
  while (!input.empty()) {
    auto const slice = std::min<std::size_t>(input.size(), UINT_MAX);
    s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    s.z.avail_in = static_cast<uInt>(slice);
    for (;;) {
      s.z.next_out = chunk.data();
      s.z.avail_out = static_cast<uInt>(chunk.size());
      auto const rc = inflate(&s.z, Z_NO_FLUSH);
      auto const produced = chunk.size() - s.z.avail_out;
      if (produced > limit - std::min<std::uint64_t>(limit, out.size())) return DecodeResult::too_large;
      out.append(reinterpret_cast<const char*>(chunk.data()), produced);
      if (rc == Z_STREAM_END) {
        s.ended = true;
        if (s.z.avail_in != 0 || slice != input.size()) {
          message_ = "data after the end of the compressed stream";
          return DecodeResult::bad_input;
        }
        return DecodeResult::ok;
      }
      if (rc == Z_BUF_ERROR) break;  // no progress: all input taken, no output pending
      if (rc != Z_OK) {
        message_ = s.z.msg != nullptr ? s.z.msg : "zlib error " + std::to_string(rc);
        return DecodeResult::bad_input;
      }
      if (s.z.avail_in == 0 && s.z.avail_out != 0) break;
    }
    input.remove_prefix(slice);
  }
  return DecodeResult::ok;
}

DecodeResult BodyDecoder::finish() {
  auto const& s = *stream_;
  // An empty body is an empty body, whatever its Content-Encoding says.
  if (s.mode == Stream::Mode::identity || !s.got_input || s.ended) return DecodeResult::ok;
  message_ = "compressed body ends early (truncated)";
  return DecodeResult::bad_input;
}

}  // namespace poller
