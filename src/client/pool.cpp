#include "pool.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace poller {

std::unique_ptr<Connection> ConnectionPool::take(const RouteKey& route) {
  auto found = idle_.find(route);
  if (found == idle_.end()) return nullptr;
  auto node = idle_.extract(found);
  auto connection = std::move(node.mapped().connection);
  if (spare_nodes_.size() < max_spare_nodes) spare_nodes_.push_back(std::move(node));
  switch (connection->idle_state()) {
    case Connection::IdleState::quiet:
      return connection;
    case Connection::IdleState::unrequested_bytes:
      spdlog::debug("closing the idle connection to {}: the server sent data no request asked for",
                    route.origin.to_string());
      return nullptr;
    case Connection::IdleState::closed:
      break;
  }
  return nullptr;
}

void ConnectionPool::put(std::unique_ptr<Connection> connection) {
  if (capacity_ == 0) return;
  connection->watch_while_idle();
  if (spare_nodes_.empty()) {
    Route route = connection->route();
    idle_.emplace(std::move(route), Idle{std::move(connection), ++clock_});
  } else {
    // The node of a connection taken earlier: its route's strings keep their room, so a
    // connection that goes back and forth costs no allocation here.
    auto node = std::move(spare_nodes_.back());
    spare_nodes_.pop_back();
    node.key() = connection->route();
    node.mapped() = Idle{std::move(connection), ++clock_};
    idle_.insert(std::move(node));
  }
  close_beyond_capacity();
}

void ConnectionPool::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  close_beyond_capacity();
}

void ConnectionPool::close_beyond_capacity() {
  while (idle_.size() > capacity_) {
    // A linear scan: it runs only when the pool is full, and the pool is small next to a round.
    auto oldest = std::min_element(idle_.begin(), idle_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    idle_.erase(oldest);
  }
}

}  // namespace poller
