#pragma once
// Connection step 4, for https: the TLS handshake over the connected (or tunnelled) socket, in
// one of the client's handshake slots (tls_handshake_limit.hpp), with SNI, the server's name
// checked against its certificate, and a saved session offered. Private to the client.

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "poller/base/asio_defaults.hpp"
#include "poller/client/async_semaphore.hpp"
#include "poller/input/target.hpp"
#include "tls_session_cache.hpp"

namespace poller {

class TlsSocket;

class TlsHandshake {
 public:
  TlsHandshake(AsyncSemaphore& slots, TlsSessionCache& sessions)
      : slots_(slots), sessions_(sessions) {}

  // The whole handshake with `origin` over `tls`. A server slow to take its turn
  // (tls_handshake_patience) is waited for without a slot, which goes to the next waiter, and a
  // slot is taken again once it has answered.
  net::awaitable<error_code> run(TlsSocket& tls, const Origin& origin);

  // Ends the handshake under way, or the wait for a slot: run() returns operation_aborted, now
  // and from then on.
  void cancel();

  // Why run() was still waiting when it was cancelled: for a slot (had_slot() false), or for a
  // server that had been silent past its patience (server_silent()).
  bool had_slot() const { return had_slot_; }
  bool server_silent() const { return server_silent_; }

 private:
  net::awaitable<error_code> begin(TlsSocket& tls, const Origin& origin);

  AsyncSemaphore& slots_;
  TlsSessionCache& sessions_;
  SemaphoreWait slot_wait_;
  bool cancelled_ = false;
  bool had_slot_ = true;
  bool server_silent_ = false;
};

// After a successful handshake: when the server's leaf certificate expires (notAfter), and
// whether the server resumed the session offered.
std::optional<std::chrono::system_clock::time_point> certificate_expiry(TlsSocket& tls);
bool session_resumed(TlsSocket& tls);

// A readable reason for a failed handshake (an error in Asio's SSL category): which certificate
// check failed, or what the server would not do.
std::string describe_tls_failure(TlsSocket& tls, const error_code& ec);

}  // namespace poller
