#include "connection.hpp"

#include "tls_socket.hpp"

namespace poller {

Connection::Connection(Route route, std::unique_ptr<ByteStream> stream, TlsSocket* tls)
    : route_(std::move(route)), stream_(std::move(stream)), tls_(tls) {}

Connection::~Connection() {
  if (tls_ == nullptr) return;
  if (auto cache = session_cache_.lock()) cache->save(route_.origin, tls_->native_handle());
}

void Connection::cancel() {
  error_code ignored;
  stream_->socket().cancel(ignored);
  stream_->socket().close(ignored);
}

}  // namespace poller
