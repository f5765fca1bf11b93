#include "poller/pool.hpp"

#include <algorithm>

namespace poller {
namespace {

constexpr auto check_after_idle = std::chrono::seconds(1);

}  // namespace

std::unique_ptr<Connection> ConnectionPool::take(const Route& route) {
  auto found = idle_.find(route);
  if (found == idle_.end()) return nullptr;
  auto connection = std::move(found->second.connection);
  bool const checked = std::chrono::steady_clock::now() - found->second.since >= check_after_idle;
  idle_.erase(found);
  if (checked && !connection->is_alive_while_idle()) return nullptr;
  return connection;
}

void ConnectionPool::put(std::unique_ptr<Connection> connection) {
  if (capacity_ == 0) return;
  Route route = connection->route();
  idle_.insert_or_assign(std::move(route), Idle{std::move(connection), ++clock_, std::chrono::steady_clock::now()});
  if (idle_.size() <= capacity_) return;
  // A linear scan: it runs only when the pool is full, and the pool is small next to a round.
  auto oldest = std::min_element(idle_.begin(), idle_.end(), [](const auto& a, const auto& b) {
    return a.second.last_used < b.second.last_used;
  });
  idle_.erase(oldest);
}

}  // namespace poller
