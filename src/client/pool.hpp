#pragma once
// Idle keep-alive connections per route (an origin, or a proxy), waiting for the next request
// that goes that way: one per route, or more with -Z --parallel-max-host N (up to N in flight).
// Private to the client.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "connection.hpp"

namespace poller {

class ConnectionPool {
 public:
  // At most `capacity` idle connections are kept: each holds a file descriptor, and a list of
  // thousands of hosts must not exhaust them.
  explicit ConnectionPool(std::size_t capacity) : capacity_(capacity) {}

  // The route's idle connection if nothing at all waits to be read on it, else nullptr: one the
  // server closed, or one it sent bytes nobody asked for (they would be read as the next
  // response), is closed. Checked before every reuse, however short the idle time: a connection
  // the event loop saw stay quiet while it sat here (ByteStream::watch_while_idle) costs no
  // syscall; any other, a non-blocking peek (bench/RESULTS.md, "CPU per check").
  std::unique_ptr<Connection> take(const RouteKey& route);

  // Keeps a connection that finished its exchange cleanly and may be reused; beyond the
  // capacity, the least recently used idle connection is closed.
  void put(std::unique_ptr<Connection> connection);

  // Closes every idle connection whose route `keep` rejects.
  template <class Predicate>
  void close_unless(Predicate keep) {
    std::erase_if(idle_, [&](const auto& entry) { return !keep(entry.first); });
  }

  // From now on keeps at most `capacity`, closing the least recently used beyond it.
  void set_capacity(std::size_t capacity);

  void close_all() { idle_.clear(); }
  std::size_t size() const { return idle_.size(); }

 private:
  struct Idle {
    std::unique_ptr<Connection> connection;
    std::uint64_t last_used;
  };

  void close_beyond_capacity();
  using Idles = std::multimap<Route, Idle, RouteOrder>;
  // Nodes of connections taken, for the next put(): enough for the fetches in flight at once of
  // most runs; beyond that, a put() allocates.
  static constexpr std::size_t max_spare_nodes = 16;

  std::size_t capacity_;
  std::uint64_t clock_ = 0;  // orders uses; cheaper and steadier than reading a clock
  Idles idle_;
  std::vector<Idles::node_type> spare_nodes_;
};

}  // namespace poller
