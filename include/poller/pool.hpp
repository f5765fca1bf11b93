#pragma once
// Idle keep-alive connections, one per origin, waiting for the next request to that origin.
// Internal to poller_core.

#include <map>
#include <memory>

#include "poller/connection.hpp"

namespace poller {

class ConnectionPool {
 public:
  // The origin's idle connection if it is still alive, else nullptr (a dead one is dropped).
  std::unique_ptr<Connection> take(const Origin& origin);

  // Keeps a connection that finished its exchange cleanly and may be reused.
  void put(std::unique_ptr<Connection> connection);

  // Closes every idle connection whose origin `keep` rejects.
  template <class Predicate>
  void close_unless(Predicate keep) {
    std::erase_if(idle_, [&](const auto& entry) { return !keep(entry.first); });
  }

  void close_all() { idle_.clear(); }
  std::size_t size() const { return idle_.size(); }

 private:
  std::map<Origin, std::unique_ptr<Connection>> idle_;
};

}  // namespace poller
