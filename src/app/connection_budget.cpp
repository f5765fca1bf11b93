#include "connection_budget.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "poller/client/connect_window.hpp"

namespace poller {

ConnectionNeed connections_needed(const std::vector<Target>& targets, bool lane_per_origin,
                                  std::size_t parallel_max_host) {
  std::unordered_map<std::string, std::size_t> urls_per_origin;
  for (auto const& target : targets) ++urls_per_origin[target.origin.to_string()];
  ConnectionNeed need{.origins = urls_per_origin.size()};
  for (auto const& [origin, urls] : urls_per_origin)
    need.connections += lane_per_origin ? std::min(parallel_max_host, urls) : 1;
  return need;
}

std::size_t reserved_descriptors(std::size_t descriptor_limit, bool lane_per_origin,
                                 std::size_t parallel_max) {
  constexpr std::size_t own_descriptors = 64;
  if (!lane_per_origin) return own_descriptors;
  return own_descriptors + std::min(parallel_max + max_connects_at_once, descriptor_limit / 2);
}

ConnectionBudget connection_budget(const ConnectionNeed& need, std::optional<std::size_t> given,
                                   bool lane_per_origin, std::size_t parallel_max_host,
                                   std::size_t room) {
  ConnectionBudget budget{.room = room,
                          .given = given.has_value(),
                          .need = need,
                          .lane_per_origin = lane_per_origin,
                          .parallel_max_host = parallel_max_host};
  budget.wanted = given ? *given : std::max(need.connections, least_max_connections);
  budget.max_connections = std::min(budget.wanted, room);
  return budget;
}

namespace {

std::string what_the_list_needs(const ConnectionBudget& budget) {
  auto const& need = budget.need;
  if (!budget.lane_per_origin || budget.parallel_max_host == 1)
    return fmt::format("one per origin, {} origin(s)", need.origins);
  return fmt::format("{} origin(s), up to {} each (--parallel-max-host)", need.origins,
                     budget.parallel_max_host);
}

}  // namespace

std::string describe_budget(const ConnectionBudget& budget) {
  if (budget.given) {
    return fmt::format("keeping up to {} idle connection(s) (--max-connections)",
                       budget.max_connections);
  }
  return fmt::format("keeping up to {} idle connection(s); the list needs {} ({})",
                     budget.max_connections, budget.need.connections,
                     what_the_list_needs(budget));
}

std::string descriptor_warning(const ConnectionBudget& budget, std::size_t descriptor_limit) {
  if (budget.given) {
    return fmt::format(
        "--max-connections {} is more than the descriptor limit ({} open files, RLIMIT_NOFILE) "
        "leaves room for: keeping at most {} idle connections",
        budget.wanted, descriptor_limit, budget.room);
  }
  return fmt::format(
      "the list needs {} connections kept open ({}), but the descriptor limit ({} open files, RLIMIT_NOFILE; the hard limit, raise it with "
      "ulimit -Hn or LimitNOFILE=) leaves room for {}: the least recently used are closed and "
      "opened again at their next fetch",
      budget.need.connections, what_the_list_needs(budget), descriptor_limit, budget.room);
}

}  // namespace poller
