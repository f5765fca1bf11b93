#pragma once
// A new connection for a route, made in steps of one job each, as curl's connection filters
// are: resolve (resolver.hpp), TCP connect (tcp_connect.hpp), the CONNECT tunnel through a proxy
// to an https origin (proxy_tunnel.hpp), the TLS handshake (tls_handshake.hpp). Each step is
// replaced on its own; the exchange sees only open() and cancel(). Private to the client.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "client_state.hpp"
#include "connection.hpp"
#include "poller/base/fetch_result.hpp"
#include "resolver.hpp"
#include "tcp_connect.hpp"
#include "tls_handshake.hpp"

namespace poller {

class Connector {
 public:
  using Clock = std::chrono::steady_clock;

  Connector(ClientState& client, const RequestConfig& config);

  struct Opened {
    std::unique_ptr<Connection> connection;
    // Why there is no connection, unless the caller's cancel() cut the steps short.
    std::optional<FetchError> error;
    // When each step ended, for the fetch's timings; unset for a step not reached.
    std::optional<Clock::time_point> resolved, connected, secured;
    std::optional<bool> tls_resumed;
  };

  // Goes through the steps `route` needs, until one fails. Bounded by nothing of its own: the
  // caller's deadline calls cancel().
  net::awaitable<Opened> open(const Route& route);

  // Ends the step under way, and every later one, with operation_aborted.
  void cancel();

  // What open() was waiting for when cancel() came, for a timeout's message.
  std::string stopped_while(const Route& route) const;
  // Whether open() or still_current() was waiting for a name server when cancel() came.
  bool was_resolving() const { return step_ == Step::resolve; }
  // The name the last lookup was for ("example.com", "proxy host proxy.example").
  const std::string& looked_up() const { return looked_up_; }
  // The name servers asked, for a timeout's message.
  std::string name_servers() const;

  // Whether a pooled connection's peer is still one of its host's addresses, once the answer it
  // was opened with has expired: the host is looked up again (or the fresh cached answer read).
  // False also when the lookup fails: a new connection then reports why. Bounded by the caller.
  net::awaitable<bool> still_current(Connection& connection);

 private:
  enum class Step { resolve, connect, tls };

  net::awaitable<error_code> connect_and_secure(Connection& connection, TlsSocket* tls,
                                                Opened& opened,
                                                std::optional<FetchError>& tunnel_failure);
  std::optional<FetchError> describe_failure(const Connection& connection, TlsSocket* tls,
                                             const error_code& ec) const;

  ClientState& client_;
  const RequestConfig& config_;
  Resolver resolver_;
  ConnectRace race_;
  TlsHandshake tls_handshake_;
  Resolved resolved_;
  Connection* opening_ = nullptr;  // what cancel() must reach, while a step is under way
  Step step_ = Step::resolve;
  std::string looked_up_;
  bool cancelled_ = false;
};

}  // namespace poller
