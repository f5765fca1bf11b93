#pragma once
// TLS sessions to resume, per origin, kept only for origins without an open connection.
//
// A connection holds its own session while it lives and hands a copy here when it closes (see
// Connection::return_session_to); the next connection to the origin takes it back. So pooled
// connections keep no second copy each (a session is a few KB, per host).

#include <map>
#include <memory>

#include <openssl/ssl.h>

#include "poller/input/target.hpp"

namespace poller {

class TlsSessionCache {
 public:
  struct SessionFree {
    void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
  };
  using Session = std::unique_ptr<SSL_SESSION, SessionFree>;

  // Keeps a copy of the session of `ssl` for `origin`, when it can be resumed. A copy: SSL_free
  // marks a connection's own session unresumable unless a close_notify was sent
  // (ssl_clear_bad_session), and a pooled connection ends without one.
  void save(const Origin& origin, SSL* ssl);

  // The origin's session, if one is kept, handed over: the cache keeps nothing for the origin
  // until a connection to it closes again.
  Session take(const Origin& origin);

 private:
  std::map<Origin, Session> sessions_;
};

}  // namespace poller
