#pragma once
// The /metrics endpoint of --metrics-listen: an HTTP/1.1 server on the run's io_context that
// serves what metrics.hpp renders of the run's ResultStore. Beast stays behind the pimpl, so
// including this header is cheap.

#include <memory>
#include <string>

#include "poller/metrics/listen_address.hpp"

namespace boost::asio {
class io_context;
}

namespace poller {

class ResultStore;

class MetricsServer {
 public:
  // Listens at once, so that a port in use is a UsageError ("cannot listen on ADDR:PORT:
  // Address already in use") before the first round. `store` must outlive the server.
  MetricsServer(boost::asio::io_context& io, const ResultStore& store,
                const ListenAddress& address);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Where it listens, with the port picked when asked for port 0: "127.0.0.1:9100".
  std::string local_address() const;

  // Accepts scrapes on the io_context from now on. Never throws into it, never blocks it.
  void start();
  // Closes the listener and every scrape connection; their coroutines end soon after, so the
  // io_context runs out of work.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poller
