#pragma once
// --format board: the sink that keeps the board's model up to date and redraws it in place.

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "poller/report/output.hpp"

namespace poller {

// Throws UsageError when standard output is not a terminal, or with -w (the board is the whole
// of standard output). `quit`: what its `q` key does (end the run as SIGINT does).
std::unique_ptr<OutputSink> make_board_sink(const OutputConfig& config,
                                            boost::asio::any_io_executor executor,
                                            std::function<void()> quit);

}  // namespace poller
