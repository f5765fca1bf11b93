#include "poller/report/record.hpp"

#include <algorithm>

#include <openssl/evp.h>

#include "poller/base/encoding.hpp"

namespace poller {
namespace {

// The longest any one input byte or sequence becomes: a control byte as \u00XX.
constexpr std::size_t longest_escape = 6;

// Appends the JSON escape of one byte that is not a multi-byte UTF-8 sequence, exactly as
// Boost.JSON's serializer writes it, so a record reads the same as one serialized whole.
void append_json_escaped(char c, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  auto const byte = static_cast<unsigned char>(c);
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  if (byte < 0x20) {
    out += "\\u00";
    out += hex[byte >> 4];
    out += hex[byte & 15];
  } else {
    out += c;
  }
}

// Each encoder goes on from `from` in `in`, appends to `out` until it holds about `room` bytes,
// and returns where it stopped.

std::size_t encode_json_string(std::string_view in, std::size_t from, std::string& out,
                               std::size_t room) {
  while (from < in.size() && out.size() + longest_escape <= room) {
    append_json_escaped(in[from], out);
    ++from;
  }
  return from;
}

// Whole sequences at a time: a sequence cut at a slice's end must not read as invalid.
std::size_t encode_json_string_utf8(std::string_view in, std::size_t from, std::string& out,
                                    std::size_t room) {
  while (from < in.size() && out.size() + longest_escape <= room) {
    auto const n = utf8_sequence_length(in.substr(from));
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++from;
    } else if (n == 1) {
      append_json_escaped(in[from], out);
      ++from;
    } else {
      out.append(in.substr(from, n));
      from += n;
    }
  }
  return from;
}

// Three input bytes make four output characters: a slice of a multiple of three encodes to
// what the whole would have there.
std::size_t encode_base64(std::string_view in, std::size_t from, std::string& out,
                          std::size_t room) {
  auto const groups = room > out.size() ? (room - out.size()) / 4 : 0;
  auto const take = std::min(in.size() - from, std::max<std::size_t>(groups, 1) * 3);
  auto const start = out.size();
  out.resize(start + 4 * ((take + 2) / 3));
  int const n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + start),
                                reinterpret_cast<const unsigned char*>(in.data() + from),
                                static_cast<int>(take));
  out.resize(start + static_cast<std::size_t>(n));
  return from + take;
}

std::size_t encode(Record::Encoding encoding, std::string_view in, std::size_t from,
                   std::string& out, std::size_t room) {
  switch (encoding) {
    case Record::Encoding::json_string:
      return encode_json_string(in, from, out, room);
    case Record::Encoding::json_string_utf8:
      return encode_json_string_utf8(in, from, out, room);
    case Record::Encoding::base64:
      return encode_base64(in, from, out, room);
    case Record::Encoding::raw:
      break;
  }
  out.append(in.substr(from));
  return in.size();
}

}  // namespace

void Record::append(std::string_view text) {
  if (text.empty()) return;
  // Consecutive text is one piece: a JSON line is then a few views, not dozens.
  if (!pieces_.empty() && pieces_.back().encoding == Encoding::raw &&
      pieces_.back().view.data() == nullptr) {
    pieces_.back().text.append(text);
    return;
  }
  pieces_.push_back({Encoding::raw, std::string(text)});
}

void Record::append_view(std::string_view bytes, Encoding encoding) {
  if (bytes.empty()) return;
  pieces_.push_back({encoding, {}, bytes});
}

std::string Record::to_string() const {
  std::string out;
  RecordReader reader(*this);
  std::vector<std::string_view> batch;
  std::string scratch;
  while (reader.next(batch, scratch)) {
    for (auto const view : batch) out.append(view);
  }
  return out;
}

bool RecordReader::next(std::vector<std::string_view>& batch, std::string& scratch) {
  batch.clear();
  scratch.clear();
  // Keeps scratch from growing past its first allocation, so the views into it hold.
  scratch.reserve(slice + longest_escape);
  auto const& pieces = record_.pieces_;
  while (piece_ < pieces.size()) {
    auto const& piece = pieces[piece_];
    auto const bytes = piece.bytes();
    if (piece.encoding == Record::Encoding::raw) {
      batch.push_back(bytes.substr(offset_));
    } else {
      // One encoded slice per batch: the next one would overwrite it.
      if (!scratch.empty()) break;
      offset_ = encode(piece.encoding, bytes, offset_, scratch, slice);
      batch.push_back(scratch);
      if (offset_ < bytes.size()) break;
    }
    ++piece_;
    offset_ = 0;
  }
  return !batch.empty();
}

}  // namespace poller
