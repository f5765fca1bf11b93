#pragma once
// One open HTTP/1.1 connection to an origin, plain or TLS, straight or through an HTTP proxy:
// what the pool keeps and an exchange writes to and reads from. The connector (connector.hpp)
// makes it, step by step. Private to the client.
//
// Steps carry no timeouts of their own: the client bounds a whole fetch with one deadline and
// cancel()s the connection when it passes, which costs no timer syscalls per read or write.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "byte_stream.hpp"
#include "poller/client/client_config.hpp"
#include "proxy.hpp"
#include "poller/input/target.hpp"
#include "tls_session_cache.hpp"

namespace poller {

class TlsSocket;

class Connection {
 public:
  // `tls`: the stream itself when it is TLS, else null.
  Connection(Route route, std::unique_ptr<ByteStream> stream, TlsSocket* tls);
  ~Connection();  // hands its TLS session to the cache given to return_session_to(), if any
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Route& route() const { return route_; }
  // The server TLS and the requests are for; no host for plain http through a proxy.
  const Origin& origin() const { return route_.origin; }

  ByteStream& stream() { return *stream_; }

  using IdleState = ByteStream::IdleState;
  IdleState idle_state() { return stream_->idle_state(); }
  void watch_while_idle() { stream_->watch_while_idle(); }

  // Once an exchange has succeeded: when this connection closes, its session goes to `cache`
  // for the next connection to the origin. Weak, because the io_context may destroy a suspended
  // fetch, and the connection it holds, after the client and its cache are gone.
  void return_session_to(std::weak_ptr<TlsSessionCache> cache) { session_cache_ = std::move(cache); }

  // Aborts whatever is in flight; the connection is unusable afterwards.
  void cancel();

  const std::string& remote_ip() const { return remote_ip_; }
  // Until when the peer's address is known to be its host's (the DNS answer's TTL); max for an
  // IP literal or --resolve. After that a pooled connection is checked against a fresh answer.
  using Clock = std::chrono::steady_clock;
  bool address_expired() const {
    return address_valid_until_ != Clock::time_point::max() && Clock::now() >= address_valid_until_;
  }
  void set_address_valid_until(Clock::time_point when) { address_valid_until_ = when; }
  unsigned short remote_port() const { return remote_port_; }
  void set_peer(std::string ip, unsigned short port) {
    remote_ip_ = std::move(ip);
    remote_port_ = port;
  }
  // Whether the peer's address is of `family` (-4, -6): a URL that asks for one family does not
  // reuse a pooled connection of the other.
  bool of_family(IpFamily family) const {
    if (family == IpFamily::any) return true;
    return (remote_ip_.find(':') != std::string::npos) == (family == IpFamily::v6);
  }

  // HTTPS, after a successful handshake: when the server's leaf certificate expires (notAfter).
  // Read once at the handshake, so every request over the connection can report it.
  using Expiry = std::optional<std::chrono::system_clock::time_point>;
  const Expiry& certificate_expiry() const { return certificate_expiry_; }
  void set_certificate_expiry(Expiry expiry) { certificate_expiry_ = expiry; }

 private:
  Route route_;
  std::unique_ptr<ByteStream> stream_;
  TlsSocket* tls_;
  std::string remote_ip_;
  unsigned short remote_port_ = 0;
  Clock::time_point address_valid_until_ = Clock::time_point::max();
  std::weak_ptr<TlsSessionCache> session_cache_;
  Expiry certificate_expiry_;
};

}  // namespace poller
