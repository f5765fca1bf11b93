#include "poller/pool.hpp"

namespace poller {

std::unique_ptr<Connection> ConnectionPool::take(const Origin& origin) {
  auto found = idle_.find(origin);
  if (found == idle_.end()) return nullptr;
  auto connection = std::move(found->second);
  idle_.erase(found);
  if (!connection->is_alive_while_idle()) return nullptr;
  return connection;
}

void ConnectionPool::put(std::unique_ptr<Connection> connection) {
  auto const& origin = connection->origin();
  idle_.insert_or_assign(origin, std::move(connection));
}

}  // namespace poller
