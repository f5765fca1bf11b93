#pragma once
// Sinks that turn fetch results into bytes on standard output. Diagnostics never come here.

#include <memory>
#include <span>
#include <string_view>

#include "poller/fetch_result.hpp"
#include "poller/options.hpp"

namespace poller {

// Unbuffered writes of whole records to a file descriptor, so a pipe sees each result as soon as
// it is fetched and never half of one.
class StdoutWriter {
 public:
  explicit StdoutWriter(int fd = 1) : fd_(fd) {}

  // Writes all the parts, in order, as one record. Returns false once the reader has gone away
  // (EPIPE); from then on nothing more is written.
  bool write(std::span<const std::string_view> parts);
  bool reader_gone() const { return reader_gone_; }
  void mark_reader_gone() { reader_gone_ = true; }

 private:
  int fd_;
  bool reader_gone_ = false;
};

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void write(const FetchResult& result) = 0;
};

// --format, then -w, as one record per fetch; with --on-change only when the body changed.
std::unique_ptr<OutputSink> make_output_sink(const Options& options, StdoutWriter& out);

}  // namespace poller
