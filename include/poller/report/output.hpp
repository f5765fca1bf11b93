#pragma once
// Sinks that turn fetch results into records on standard output. Diagnostics never come here.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "poller/base/fetch_result.hpp"
#include "poller/report/output_config.hpp"
#include "poller/report/stdout_writer.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Writes the result's record, if it has one. Waits while stdout's reader is slow: the round
  // fetches nothing meanwhile (see StdoutWriter::write).
  // `state` is the entry's, with the result taken in.
  virtual boost::asio::awaitable<void> write(const FetchResult& result, const Verdict& verdict,
                                             const UrlState& state) = 0;
  // A round begins; `next_tick` is when the one after it is due, if there is one. For sinks
  // that show the run as a whole (--format board).
  virtual void round_started(std::uint64_t /*round*/,
                             std::optional<std::chrono::steady_clock::time_point> /*next_tick*/) {}
  // A reload (SIGHUP) brought a list of `size` entries; entry i is what it was if `stays(i)`.
  virtual void list_reloaded(std::size_t /*size*/,
                             const std::function<bool(std::size_t entry)>& /*stays*/) {}
  // The run is over: give back what the sink holds (the terminal) and stop its timers.
  virtual void close() {}
};

// --format, then -w, as one record per fetch; with --on-change only when the body changed.
// --format board draws on the terminal instead (board_output.hpp), with timers on `executor`,
// and calls `quit` when its `q` key is typed.
std::unique_ptr<OutputSink> make_output_sink(const OutputConfig& config, StdoutWriter& out,
                                             boost::asio::any_io_executor executor,
                                             std::function<void()> quit = {});

// Whether the output prints bodies (--format body or json, -w %{json}); if not, and no check
// reads them, a body need not be kept (see ClientConfig::keep_body).
bool output_prints_bodies(const OutputConfig& config);

}  // namespace poller
