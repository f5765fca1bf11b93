// The idle connections a run keeps (src/app/connection_budget.hpp): what the list needs, within
// what the descriptors leave.

#include "connection_budget.hpp"

#include <gtest/gtest.h>

#include "poller/client/connect_window.hpp"
#include "poller/input/target.hpp"

namespace poller {
namespace {

std::vector<Target> targets_of(std::initializer_list<const char*> urls) {
  std::vector<Target> targets;
  for (auto const* url : urls) targets.push_back(*parse_target(url).target);
  return targets;
}

struct NeedCase {
  bool lane_per_origin;
  std::size_t parallel_max_host;
  std::size_t origins, connections;
};

TEST(ConnectionBudget, TheListNeedsOnePerOriginOrWithZEachOriginsWorkers) {
  auto const targets = targets_of({"http://a.test/1", "http://a.test/2", "http://a.test/3",
                                   "https://a.test/1", "http://b.test:8080/", "http://b.test/"});
  for (auto const& [lanes, per_host, origins, connections] : std::vector<NeedCase>{
           {false, 1, 4, 4},  // one fetch at a time: one per origin
           {false, 8, 4, 4},  // --parallel-max-host counts only with -Z
           {true, 1, 4, 4},
           {true, 2, 4, 5},   // http://a.test has 3 URLs: 2 workers; the others 1 URL each
           {true, 8, 4, 6},   // at most one worker per URL
       }) {
    auto const need = connections_needed(targets, lanes, per_host);
    EXPECT_EQ(need.origins, origins);
    EXPECT_EQ(need.connections, connections) << lanes << " " << per_host;
  }
}

TEST(ConnectionBudget, DefaultsToWhatTheListNeedsAtLeastTheOldDefaultWithinTheRoom) {
  auto const small = connection_budget({.origins = 10, .connections = 10}, std::nullopt, false, 1,
                                       5000);
  EXPECT_EQ(small.max_connections, least_max_connections);
  EXPECT_FALSE(small.short_of_descriptors());

  auto const large = connection_budget({.origins = 3000, .connections = 6000}, std::nullopt, true,
                                       2, 19000);
  EXPECT_EQ(large.max_connections, 6000u);
  EXPECT_FALSE(large.short_of_descriptors());

  auto const short_of = connection_budget({.origins = 3000, .connections = 3000}, std::nullopt,
                                          false, 1, 936);
  EXPECT_EQ(short_of.max_connections, 936u);
  EXPECT_TRUE(short_of.short_of_descriptors());

  // The floor above what the list needs is no shortage.
  auto const floor = connection_budget({.origins = 10, .connections = 10}, std::nullopt, false, 1,
                                       500);
  EXPECT_EQ(floor.max_connections, 500u);
  EXPECT_FALSE(floor.short_of_descriptors());
}

TEST(ConnectionBudget, MaxConnectionsGivenIsKeptWithinTheRoom) {
  auto const given = connection_budget({.origins = 3000, .connections = 3000}, 50, false, 1, 936);
  EXPECT_EQ(given.max_connections, 50u);
  EXPECT_FALSE(given.short_of_descriptors());
  EXPECT_EQ(describe_budget(given), "keeping up to 50 idle connection(s) (--max-connections)");

  auto const too_many = connection_budget({.origins = 1, .connections = 1}, 5000, false, 1, 936);
  EXPECT_EQ(too_many.max_connections, 936u);
  EXPECT_TRUE(too_many.short_of_descriptors());
}

TEST(ConnectionBudget, WithZMoreDescriptorsAreKeptForConnectionsInUse) {
  EXPECT_EQ(reserved_descriptors(1024, false, 50), 64u);
  EXPECT_EQ(reserved_descriptors(20000, true, 50), 64u + 50 + max_connects_at_once);
  EXPECT_EQ(reserved_descriptors(256, true, 1000), 64u + 128);  // at most half
}

}  // namespace
}  // namespace poller
