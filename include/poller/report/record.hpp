#pragma once
// One fetch's output, kept as the pieces it is made of. A piece that stands for the body is a
// view of it, escaped or encoded only as it is written, a slice at a time: a record never holds a
// second copy of the body, whatever the format (built as one string, --format json of a large
// body peaked at ten times its size: bench/RESULTS.md). Pure: no I/O.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace poller {

class Record {
 public:
  enum class Encoding {
    raw,               // the bytes as they are
    json_string,       // the inside of a JSON string, escaped as Boost.JSON escapes
    json_string_utf8,  // the same after each invalid UTF-8 byte became U+FFFD
    base64,
  };

  // Copies `text`: field names, numbers, the -w literals.
  void append(std::string_view text);
  // Refers to `bytes` (the body), which must stay valid until the record is written.
  void append_view(std::string_view bytes, Encoding encoding = Encoding::raw);

  bool empty() const { return pieces_.empty(); }
  void clear() { pieces_.clear(); }
  // The whole output as one string, for tests and for embedding (-w %{json}).
  std::string to_string() const;

 private:
  friend class RecordReader;
  struct Piece {
    Encoding encoding = Encoding::raw;
    std::string text;         // owned bytes, when `view` is empty
    std::string_view view{};  // bytes owned by the caller
    std::string_view bytes() const {
      return view.data() != nullptr ? view : std::string_view(text);
    }
  };
  std::vector<Piece> pieces_;
};

// Reads a record out in batches for writev(): views of its text and of raw body bytes, and at
// most one slice of encoded bytes, made in a buffer of bounded size.
class RecordReader {
 public:
  // About how many encoded bytes one batch carries.
  static constexpr std::size_t slice = 64 * 1024;

  explicit RecordReader(const Record& record) : record_(record) {}
  // Replaces `batch` with the next views to write (some into `scratch`, which must then stay
  // untouched until they are written); false when the whole record has been read.
  bool next(std::vector<std::string_view>& batch, std::string& scratch);

 private:
  const Record& record_;
  std::size_t piece_ = 0;
  std::size_t offset_ = 0;  // into the current piece's bytes, before encoding
};

}  // namespace poller
