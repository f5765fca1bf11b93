#pragma once
// What the HTTP client keeps for the whole run, shared by every exchange: its settings, the pool
// of idle connections, the TLS context and sessions, the slots for TLS handshakes and the window
// for new connections, the proxies,
// --resolve and the DNS resolver with its cache, the deadline timer, and the exchanges in flight (so that a cancel reaches each).
// Internal to the client.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "poller/base/asio_defaults.hpp"
#include "poller/client/async_semaphore.hpp"
#include "poller/client/client_config.hpp"
#include "poller/client/connect_window.hpp"
#include "poller/client/tls_handshake_limit.hpp"
#include "dns_resolver.hpp"
#include "fetch_deadline.hpp"
#include "pool.hpp"
#include "proxy.hpp"
#include "resolver.hpp"
#include "tls_session_cache.hpp"

namespace poller {

class Exchange;

struct ClientState {
  ClientState(net::io_context& io, ClientConfig config);

  // Made on first use: loading the system trust store costs noticeable CPU, wasted on a list of
  // plain http URLs. Throws UsageError when it cannot be loaded.
  net::ssl::context& tls_context();

  // Buffers an exchange borrows, and gives back when it is done: sequential fetches reuse one of
  // each, so a fetch allocates none. The read buffer: idle connections hold none; it starts at a
  // page and grows while a response fills it (read_buffer.hpp). The request:
  // written field by field, a new string would grow (and copy) several times per request.
  boost::beast::flat_buffer take_read_buffer();
  std::string take_request_buffer();
  void give_back(boost::beast::flat_buffer read_buffer, std::string request_buffer);
  // Spares kept of each: enough for the sequential path and a -Z run's steady state, few enough
  // that an idle connection does not cost a buffer.
  static constexpr std::size_t max_spare_buffers = 16;

  net::io_context& io;
  const ClientConfig config;
  std::optional<net::ssl::context> tls;
  ProxySettings proxies;
  ConnectionPool pool;
  ResolveOverrides resolve_overrides;
  DnsResolver dns{io};
  // Sessions to resume, per origin: a reconnect then costs one round trip less and no
  // certificate check.
  std::shared_ptr<TlsSessionCache> tls_sessions = std::make_shared<TlsSessionCache>();
  AsyncSemaphore tls_handshakes{io, max_tls_handshakes_at_once};  // tls_handshake_limit.hpp
  ConnectWindow connects{io, max_connects_at_once, connect_patience};
  DeadlineTimer deadlines;
  std::vector<boost::beast::flat_buffer> spare_read_buffers;
  std::vector<std::string> spare_request_buffers;
  std::vector<Exchange*> in_flight;  // a handful: a vector beats a hash set
  bool cancelled = false;  // cancel() was called: every fetch from now on returns at once
};

}  // namespace poller
