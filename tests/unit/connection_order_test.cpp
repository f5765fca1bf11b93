// The order of the happy eyeballs race (RFC 8305 section 4): families alternated, starting with
// the resolver's first choice, each family in the resolver's order.

#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "tcp_connect.hpp"

namespace poller {
namespace {

Endpoints endpoints(const std::vector<std::string>& addresses) {
  Endpoints list;
  for (auto const& address : addresses) list.emplace_back(net::ip::make_address(address), 80);
  return list;
}

std::vector<std::string> addresses(const Endpoints& list) {
  std::vector<std::string> text;
  for (auto const& endpoint : list) text.push_back(endpoint.address().to_string());
  return text;
}

struct OrderCase {
  std::vector<std::string> resolved;
  std::vector<std::string> tried;
};

class ConnectionOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(ConnectionOrder, AlternatesFamiliesFromTheResolversFirstChoice) {
  EXPECT_EQ(addresses(connection_order(endpoints(GetParam().resolved))), GetParam().tried);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc8305, ConnectionOrder,
    ::testing::Values(
        OrderCase{{}, {}},
        OrderCase{{"192.0.2.1"}, {"192.0.2.1"}},
        OrderCase{{"2001:db8::1", "2001:db8::2", "192.0.2.1", "192.0.2.2"},
                  {"2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"}},
        OrderCase{{"192.0.2.1", "2001:db8::1", "2001:db8::2"},
                  {"192.0.2.1", "2001:db8::1", "2001:db8::2"}},
        OrderCase{{"192.0.2.1", "192.0.2.2", "192.0.2.3", "2001:db8::1"},
                  {"192.0.2.1", "2001:db8::1", "192.0.2.2", "192.0.2.3"}},
        OrderCase{{"::1", "::2"}, {"::1", "::2"}}));

}  // namespace
}  // namespace poller
