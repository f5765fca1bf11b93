#include "tls_session_cache.hpp"

namespace poller {

void TlsSessionCache::save(const Origin& origin, SSL* ssl) {
  SSL_SESSION* const session = SSL_get0_session(ssl);
  if (session == nullptr || SSL_SESSION_is_resumable(session) != 1) return;
  if (SSL_SESSION* const copy = SSL_SESSION_dup(session)) {
    sessions_.insert_or_assign(origin, Session(copy));
  }
}

TlsSessionCache::Session TlsSessionCache::take(const Origin& origin) {
  auto const found = sessions_.find(origin);
  if (found == sessions_.end()) return nullptr;
  Session session = std::move(found->second);
  sessions_.erase(found);
  return session;
}

}  // namespace poller
