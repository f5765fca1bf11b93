#pragma once
// How many idle connections the run keeps open: by default what the list can use (one per
// origin, or with -Z each origin's workers), so that no origin has to connect again every round,
// within what the descriptor limit leaves (issue 29).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "poller/input/target.hpp"

namespace poller {

// The old fixed default, kept as a floor: a URL that redirects to another origin (http to
// https) needs a second connection that the list's origins do not count.
inline constexpr std::size_t least_max_connections = 1024;

struct ConnectionNeed {
  std::size_t origins = 0;
  std::size_t connections = 0;  // kept open at once by a round: the pool's size to reuse all
};

// One connection per origin without -Z (one fetch at a time); with -Z each origin's lane runs
// min(--parallel-max-host, its URLs) workers, each on a connection of its own.
ConnectionNeed connections_needed(const std::vector<Target>& targets, bool lane_per_origin,
                                  std::size_t parallel_max_host);

// Descriptors kept out of the pool's reach: stdio, the resolver, the event loop, the metrics
// listener, and with -Z the connections in use beside the idle ones (bodies read at once, new
// connections being opened), at most half of them.
std::size_t reserved_descriptors(std::size_t descriptor_limit, bool lane_per_origin,
                                 std::size_t parallel_max);

struct ConnectionBudget {
  std::size_t max_connections = 0;  // for the pool
  std::size_t wanted = 0;           // before the descriptors had their say
  std::size_t room = 0;             // what the descriptors leave for idle connections
  bool given = false;               // --max-connections
  ConnectionNeed need;
  bool lane_per_origin = false;
  std::size_t parallel_max_host = 1;

  // A default above what the list needs is no shortage.
  bool short_of_descriptors() const { return (given ? wanted : need.connections) > room; }
};

ConnectionBudget connection_budget(const ConnectionNeed& need, std::optional<std::size_t> given,
                                   bool lane_per_origin, std::size_t parallel_max_host,
                                   std::size_t room);

// For -v: "keeping up to 2000 idle connections: the list's 1000 origins × 2 (--parallel-max-host)"
std::string describe_budget(const ConnectionBudget& budget);

// The warning when the list (or --max-connections) wants more than the descriptors leave.
std::string descriptor_warning(const ConnectionBudget& budget, std::size_t descriptor_limit);

}  // namespace poller
