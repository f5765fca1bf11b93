#include "poller/output.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <unistd.h>

namespace poller {

bool StdoutWriter::write(std::string_view bytes) {
  while (!reader_gone_ && !bytes.empty()) {
    ssize_t const n = ::write(fd_, bytes.data(), bytes.size());
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EPIPE) {
      reader_gone_ = true;
    } else if (errno != EINTR) {
      // stdout on a full disk or a revoked terminal: nothing a later round could fix.
      throw std::system_error(errno, std::generic_category(), "writing to standard output");
    }
  }
  return !reader_gone_;
}

namespace {

// --format body: each body byte for byte, nothing added.
class BodySink final : public OutputSink {
 public:
  explicit BodySink(StdoutWriter& out) : out_(out) {}
  void write(const FetchResult& result) override {
    if (result.ok) out_.write(result.body);
  }

 private:
  StdoutWriter& out_;
};

// --format none: the fetch happens (and is logged); nothing reaches stdout.
class NoOutputSink final : public OutputSink {
 public:
  void write(const FetchResult&) override {}
};

}  // namespace

std::unique_ptr<OutputSink> make_output_sink(const Options& options, StdoutWriter& out) {
  switch (options.format) {
    case OutputFormat::body:
      return std::make_unique<BodySink>(out);
    case OutputFormat::none:
      return std::make_unique<NoOutputSink>();
  }
  return std::make_unique<NoOutputSink>();
}

}  // namespace poller
