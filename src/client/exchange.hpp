#pragma once
// One fetch of one listed target: its requests (redirects included), their responses, the
// whole-fetch deadline and the one retry a stale pooled connection earns, and the result. New
// connections come from the connector, the HTTP/1.1 framing from the session. It owns what lives
// only as long as the fetch (session, connector, deadline, the connection in use), so several may
// be in flight at once over one ClientState. Internal to the client.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "client_state.hpp"
#include "connection.hpp"
#include "connector.hpp"
#include "http1_session.hpp"
#include "poller/base/fetch_result.hpp"
#include "request.hpp"

namespace poller {

class Exchange {
 public:
  // `body_place` (-Z): the --parallel-max place to take before reading a body, held by the
  // caller until the result is written; null: none to take.
  // `validators` (--conditional): what the listed URL's last 200 said, sent with its request.
  Exchange(ClientState& client, const Target& listed, const RequestConfig& config,
           std::uint64_t round, DeferredPermit* body_place,
           std::shared_ptr<const Validators> validators = nullptr);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Runs the fetch, once. Never throws for what a network or a server can do.
  net::awaitable<FetchResult> run();

  // The client is cancelled: what the exchange waits for returns now, as `cancelled`.
  void abort();

 private:
  using Clock = std::chrono::steady_clock;
  using Deadline = Clock::time_point;
  struct OpenedConnection {
    std::unique_ptr<Connection> connection;
    std::optional<FetchError> error;  // set when connection is null
  };

  net::awaitable<std::optional<FetchError>> request(const Target& target, bool to_listed_origin);
  net::awaitable<OpenedConnection> open(const Route& route);
  net::awaitable<std::optional<FetchError>> keep_if_current(std::unique_ptr<Connection>& connection);
  Deadline connect_deadline() const;
  void abort_io();
  void follow_redirect(const Target& from, const Target& to);
  void keep_politeness_fields();

  FetchError describe_exchange_error(const error_code& ec) const;
  FetchError not_retried(const error_code& ec) const;
  FetchError timeout(Deadline connect_deadline, const std::string& during) const;
  std::optional<FetchError> cancelled() const;

  ClientState& client_;
  const RequestConfig& config_;
  const Target& listed_;
  std::shared_ptr<const Validators> const validators_;
  FetchResult result_;

  Connector connector_;
  Http1Session session_;
  std::string request_bytes_;  // the request under way

  // The request under way: the configured method, or what a redirect made of it.
  RequestMethod method_;
  // Where the last redirect pointed. A member, not a local of run(): that keeps run()'s coroutine
  // frame small enough for Asio to recycle (CMakeLists.txt).
  std::optional<Target> redirected_;

  SemaphoreWait connect_wait_;        // for a place in the client's connect window
  Connection* in_flight_ = nullptr;  // what a deadline or abort() must cancel
  Clock::time_point start_{};
  Deadline fetch_deadline_{};
  FetchDeadline deadline_;
};

}  // namespace poller
