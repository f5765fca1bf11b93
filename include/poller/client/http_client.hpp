#pragma once
// Fetches targets over a pool of keep-alive connections. The client keeps what lives for the run
// (pool, TLS context and sessions, proxies); each fetch is an exchange of its own (exchange.hpp),
// so several may be in flight at once. Beast stays behind the pimpl: this header is cheap.

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "poller/client/async_semaphore.hpp"
#include "poller/client/client_config.hpp"
#include "poller/base/fetch_result.hpp"

namespace boost::asio {
class io_context;
}

namespace poller {

struct ClientState;

class HttpClient {
 public:
  // With `https_listed` (or --cacert), loads the TLS trust store now and throws UsageError when
  // it cannot be loaded; else only once an https URL comes up.
  HttpClient(boost::asio::io_context& io, ClientConfig config, bool https_listed);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Fetches `target` as `request` says (the config's own, or a URL's settings). Never throws for
  // what a network or a server can do: the outcome is in the result, which owns its body and
  // headers. `target` and `request` must outlive the fetch. With `body_place` (-Z), a response's
  // body is read only once that permit is held; the caller keeps it until done with the result.
  // With request.conditional, `validators` (of the URL's last 200) make the request conditional.
  boost::asio::awaitable<FetchResult> fetch(const Target& target, const RequestConfig& request,
                                            std::uint64_t round,
                                            DeferredPermit* body_place = nullptr,
                                            std::shared_ptr<const Validators> validators = nullptr);

  // Aborts the fetches in flight (they return `cancelled`) and every later one.
  void cancel();

  // Closes idle connections to origins no target of `targets` uses.
  void keep_only(const std::vector<Target>& targets);

  // Keeps at most `max_connections` idle connections from now on (least recently used closed
  // first): a reloaded list may need more, or fewer.
  void set_max_connections(std::size_t max_connections);

  // The run is over: closes idle connections and stops the client's timer.
  void shutdown();

 private:
  std::unique_ptr<ClientState> state_;
};

}  // namespace poller
