#include "connector.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/base/duration.hpp"
#include "poller/base/usage_error.hpp"
#include "poller/client/tls_handshake_limit.hpp"
#include "proxy_tunnel.hpp"
#include "tcp_connect.hpp"
#include "tls_socket.hpp"

namespace poller {
namespace {

// Where the TCP connection goes (the proxy, when there is one), as messages name it.
std::string peer(const Route& route) {
  return route.proxy != nullptr ? "proxy " + route.proxy->display : route.origin.to_string();
}

const std::string& tcp_host(const Route& route) {
  return route.proxy != nullptr ? route.proxy->host : route.origin.host;
}

std::string host_named(const Route& route) {
  return route.proxy != nullptr ? "proxy host " + route.proxy->host : route.origin.host;
}

// The caller reports its own cancel or timeout first; this is for a cancel() it did not ask for.
Connector::Opened cut_short(Connector::Opened opened) {
  opened.error = fetch_cancelled();
  return opened;
}

}  // namespace

Connector::Connector(ClientState& client, const RequestConfig& config)
    : client_(client),
      config_(config),
      resolver_(client.io, client.dns, client.resolve_overrides),
      race_(client.io),
      tls_handshake_(client.tls_handshakes, *client.tls_sessions) {}

void Connector::cancel() {
  cancelled_ = true;
  resolver_.cancel();
  race_.cancel();
  if (opening_ != nullptr) opening_->cancel();
  tls_handshake_.cancel();
}

net::awaitable<Connector::Opened> Connector::open(const Route& route) {
  auto const started = Clock::now();
  auto const port = route.proxy != nullptr ? route.proxy->port : route.origin.port;
  Opened opened;
  step_ = Step::resolve;
  looked_up_ = host_named(route);
  resolved_ = co_await resolver_.resolve(tcp_host(route), port, config_.ip_family);
  opened.resolved = Clock::now();
  if (cancelled_) co_return cut_short(std::move(opened));
  if (!resolved_.failure.empty()) {
    auto message = route.proxy != nullptr ? "proxy: " + resolved_.failure : resolved_.failure;
    opened.error = FetchError{FetchErrorKind::resolve, std::move(message)};
    co_return opened;
  }

  step_ = Step::connect;
  std::unique_ptr<ByteStream> stream;
  TlsSocket* tls = nullptr;
  try {
    if (route.origin.is_https()) {
      auto tls_stream = std::make_unique<TlsSocket>(client_.io.get_executor(), client_.tls_context());
      tls = tls_stream.get();
      stream = std::move(tls_stream);
    } else {
      stream = std::make_unique<PlainSocket>(client_.io.get_executor());
    }
  } catch (const UsageError& error) {
    // Only reached on a redirect to https or after a reload: the run has begun, so the broken
    // trust store fails the fetch rather than the run.
    opened.error = FetchError{FetchErrorKind::tls, error.what()};
    co_return opened;
  }
  auto connection = std::make_unique<Connection>(route, std::move(stream), tls);
  connection->set_address_valid_until(resolved_.valid_until);
  opening_ = connection.get();
  std::optional<FetchError> tunnel_failure;
  auto const ec = co_await connect_and_secure(*connection, tls, opened, tunnel_failure);
  opening_ = nullptr;
  if (cancelled_) co_return cut_short(std::move(opened));
  if (tunnel_failure) {
    opened.error = std::move(tunnel_failure);
    co_return opened;
  }
  if (ec) {
    opened.error = describe_failure(*connection, tls, ec);
    co_return opened;
  }
  if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("connected to {}{} ({}) in {}{}", peer(route),
                  route.tunnelled() ? ", tunnel to " + route.origin.authority() : std::string(),
                  connection->remote_ip(), format_duration(Clock::now() - started),
                  opened.tls_resumed.value_or(false) ? ", TLS session resumed" : "");
  }
  opened.connection = std::move(connection);
  co_return opened;
}

// TCP, then the tunnel and TLS where the route needs them.
net::awaitable<error_code> Connector::connect_and_secure(Connection& connection, TlsSocket* tls,
                                                         Opened& opened,
                                                         std::optional<FetchError>& tunnel_failure) {
  auto const& route = connection.route();
  net::ip::tcp::endpoint peer;
  auto ec = co_await race_.run(connection.stream().socket(), resolved_.endpoints, peer);
  if (ec) co_return ec;
  connection.set_peer(peer.address().to_string(), peer.port());
  opened.connected = Clock::now();
  if (route.tunnelled()) {
    tunnel_failure = co_await open_tunnel(connection.stream().socket(), route, config_);
    if (tunnel_failure) co_return ec;
  }
  if (tls == nullptr) co_return ec;
  step_ = Step::tls;
  ec = co_await tls_handshake_.run(*tls, route.origin);
  opened.secured = Clock::now();
  opened.tls_resumed = !ec && session_resumed(*tls);
  if (!ec) connection.set_certificate_expiry(certificate_expiry(*tls));
  co_return ec;
}

std::optional<FetchError> Connector::describe_failure(const Connection& connection,
                                                      TlsSocket* tls, const error_code& ec) const {
  auto const& route = connection.route();
  bool const tls_failed = ec.category() == net::error::get_ssl_category();
  if (route.proxy != nullptr && !tls_failed) {
    return FetchError{FetchErrorKind::proxy,
                      fmt::format("connect to {}: {}", peer(route), ec.message())};
  }
  if (tls_failed && tls != nullptr) return FetchError{FetchErrorKind::tls, describe_tls_failure(*tls, ec)};
  if (race_.attempts() > 1) {
    return FetchError{FetchErrorKind::connect, "connect to " + race_.outcomes()};
  }
  return FetchError{FetchErrorKind::connect, describe_connect_failure(ec)};
}

net::awaitable<bool> Connector::still_current(Connection& connection) {
  auto const& route = connection.route();
  auto const port = route.proxy != nullptr ? route.proxy->port : route.origin.port;
  step_ = Step::resolve;
  looked_up_ = host_named(route);
  auto fresh = co_await resolver_.resolve(tcp_host(route), port, config_.ip_family);
  if (cancelled_) co_return false;
  bool const listed = std::any_of(fresh.endpoints.begin(), fresh.endpoints.end(),
                                  [&](const auto& endpoint) {
                                    return endpoint.address().to_string() == connection.remote_ip();
                                  });
  if (listed) {
    connection.set_address_valid_until(fresh.valid_until);
    co_return true;
  }
  if (spdlog::should_log(spdlog::level::debug)) {
    std::string now;
    for (auto const& endpoint : fresh.endpoints) {
      now += (now.empty() ? "" : ", ") + endpoint.address().to_string();
    }
    spdlog::debug("closing the pooled connection to {} ({}): {} no longer has that address ({})",
                  peer(route), connection.remote_ip(), tcp_host(route),
                  fresh.failure.empty() ? "now " + now : fresh.failure);
  }
  co_return false;
}

std::string Connector::name_servers() const { return client_.dns.name_servers(); }

std::string Connector::stopped_while(const Route& route) const {
  if (step_ == Step::resolve) return "resolving " + host_named(route);
  // The limit is the client's own: say so, or the origin would be blamed for a wait that was
  // the other origins' handshakes.
  if (step_ == Step::tls && !tls_handshake_.had_slot()) {
    return fmt::format(
        "waiting to start the TLS handshake with {} ({} others, the most at once, were in "
        "progress)",
        route.origin.to_string(), max_tls_handshakes_at_once);
  }
  if (step_ == Step::tls && tls_handshake_.server_silent()) {
    return fmt::format("waiting for {} to answer the TLS handshake", route.origin.to_string());
  }
  if (race_.attempts() > 1) return fmt::format("connecting to {} ({})", peer(route), race_.outcomes());
  return "connecting to " + peer(route);
}

}  // namespace poller
