#pragma once
// Sinks that turn fetch results into records on standard output. Diagnostics never come here.

#include <memory>

#include <boost/asio/awaitable.hpp>

#include "poller/fetch_result.hpp"
#include "poller/output_config.hpp"
#include "poller/stdout_writer.hpp"

namespace poller {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Writes the result's record, if it has one. Waits while stdout's reader is slow: the round
  // fetches nothing meanwhile (see StdoutWriter::write).
  virtual boost::asio::awaitable<void> write(const FetchResult& result) = 0;
};

// --format, then -w, as one record per fetch; with --on-change only when the body changed.
std::unique_ptr<OutputSink> make_output_sink(const OutputConfig& config, StdoutWriter& out);

// Whether the output prints bodies (--format body or json, -w %{json}); if not, and no check
// reads them, a body need not be kept (see ClientConfig::keep_body).
bool output_prints_bodies(const OutputConfig& config);

}  // namespace poller
