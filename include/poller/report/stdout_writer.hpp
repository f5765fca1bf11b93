#pragma once
// Standard output as the run writes it: whole records, without ever blocking the event loop, and
// without changing the flags of the open file description behind fd 1, which other programs may
// share (see stdout_writer.cpp for how).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "poller/report/record.hpp"

namespace poller {

// A closed fd 0, 1 or 2 (`poller ... >&-`) would be taken by the next descriptor opened: a
// listening socket, a connection, whose peer would then get our output or log lines. Call first
// thing: a closed stdout is an error (returned, for an exit status 2: results need a place to go,
// `>/dev/null` drops them); a closed stdin or stderr gets /dev/null in its place.
std::optional<std::string> claim_standard_streams();

class StdoutWriter {
 public:
  explicit StdoutWriter(boost::asio::any_io_executor executor, int fd = 1);
  ~StdoutWriter();
  StdoutWriter(const StdoutWriter&) = delete;
  StdoutWriter& operator=(const StdoutWriter&) = delete;

  // Writes the whole record. While the reader is slow this waits, letting the loop run on
  // (signals, the metrics endpoint); the caller fetches nothing meanwhile, which is the whole of
  // the backpressure. Returns false once the reader has gone away (EPIPE, or EIO from a terminal
  // that hung up), from then on nothing more is written, or when a stopping run gave up on a
  // stalled reader (see abandon()).
  boost::asio::awaitable<bool> write(const Record& record);

  // The run is stopping (SIGINT, SIGTERM): a record under way is still finished, but a reader
  // that takes no byte for a second is given up (with a log line saying how much of the record
  // was written), and nothing is written after that.
  void abandon();

  // The run is over: stops watching the reader (a pending watch would keep the loop running).
  void close();

  bool reader_gone() const;
  // `on_gone` runs once the reader of a pipe goes away, even while nothing is being written
  // (`| head -c 1` between rounds), or a terminal hangs up. Only a pipe, FIFO or terminal is
  // watched.
  void watch_reader(std::function<void()> on_gone);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poller
