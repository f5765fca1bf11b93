#pragma once
// Fetches targets over a pool of keep-alive connections: redirects, limits, the whole-fetch
// deadline and the one retry a stale pooled connection earns. Beast stays behind the pimpl, so
// including this header is cheap.

#include <cstdint>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "poller/fetch_result.hpp"
#include "poller/options.hpp"

namespace boost::asio {
class io_context;
}

namespace poller {

class HttpClient {
 public:
  // With `https_listed` (or --cacert), loads the TLS trust store now and throws UsageError when
  // it cannot be loaded; else only once an https URL comes up.
  HttpClient(boost::asio::io_context& io, const Options& options, bool https_listed);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Never throws for what a network or a server can do: the outcome is in the result. The
  // result's body stays valid until the next fetch.
  boost::asio::awaitable<FetchResult> fetch(const Target& target, std::uint64_t round);

  // Aborts the fetch in flight (it returns `cancelled`) and every later one.
  void cancel();

  // Closes idle connections to origins no target of `targets` uses.
  void keep_only(const std::vector<Target>& targets);

  // The run is over: closes idle connections and stops the client's timer.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poller
