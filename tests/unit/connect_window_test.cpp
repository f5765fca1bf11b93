// The client's window of new connections being opened at once (connect_window.hpp).

#include "poller/client/connect_window.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace poller {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

struct Entered {
  std::string name;
  std::uint64_t ticket;
};

net::awaitable<void> enter(ConnectWindow& window, SemaphoreWait& wait, std::string name,
                           std::vector<Entered>& log) {
  auto const ticket = co_await window.enter(wait);
  log.push_back({std::move(name), ticket});
}

std::vector<std::string> names(const std::vector<Entered>& log) {
  std::vector<std::string> out;
  for (auto const& entered : log) out.push_back(entered.name + (entered.ticket ? "+" : "-"));
  return out;
}

void poll(net::io_context& io) {
  io.poll();
  io.restart();
}

TEST(ConnectWindow, OpensUpToItsSizeAtOnceThenOneForEachThatEndsInOrder) {
  net::io_context io;
  ConnectWindow window(io, 2, 1h);
  std::vector<Entered> log;
  SemaphoreWait a, b, c, d;
  net::co_spawn(io, enter(window, a, "a", log), net::detached);
  net::co_spawn(io, enter(window, b, "b", log), net::detached);
  net::co_spawn(io, enter(window, c, "c", log), net::detached);
  net::co_spawn(io, enter(window, d, "d", log), net::detached);
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"a+", "b+"}));
  EXPECT_EQ(window.opening(), 2u);
  EXPECT_EQ(window.waiting(), 2u);

  window.leave(log[1].ticket);
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"a+", "b+", "c+"}));
  window.leave(log[1].ticket);  // twice: the second is nothing
  poll(io);
  EXPECT_EQ(window.waiting(), 1u);

  window.leave(log[0].ticket);
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"a+", "b+", "c+", "d+"}));
  window.leave(log[2].ticket);
  window.leave(log[3].ticket);
  EXPECT_EQ(window.opening(), 0u);
}

// An opening past its patience gives its place to the next waiter; when it ends later, its
// leave() gives nothing back twice. With nothing opening, no timer keeps the loop alive.
TEST(ConnectWindow, AnOpeningPastItsPatienceStopsCounting) {
  net::io_context io;
  ConnectWindow window(io, 1, 200ms);
  std::vector<Entered> log;
  SemaphoreWait slow, next, last;
  net::co_spawn(io, enter(window, slow, "slow", log), net::detached);
  net::co_spawn(io, enter(window, next, "next", log), net::detached);
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"slow+"}));

  // Until the slow one's patience ends and the next takes its place; no further.
  while (log.size() < 2) io.run_one();
  io.restart();
  EXPECT_EQ(names(log), (std::vector<std::string>{"slow+", "next+"}));
  window.leave(log[0].ticket);  // the slow one ends at last: its place was given already
  net::co_spawn(io, enter(window, last, "last", log), net::detached);
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"slow+", "next+"}));

  window.leave(log[1].ticket);
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"slow+", "next+", "last+"}));
  window.leave(log[2].ticket);
  auto const began = std::chrono::steady_clock::now();
  io.run_for(2s);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s) << "a timer was left behind";
}

TEST(ConnectWindow, ACancelledWaitAndACloseGiveNoPlace) {
  net::io_context io;
  ConnectWindow window(io, 1, 1h);
  std::vector<Entered> log;
  SemaphoreWait first, cancelled, closed, after;
  net::co_spawn(io, enter(window, first, "first", log), net::detached);
  net::co_spawn(io, enter(window, cancelled, "cancelled", log), net::detached);
  net::co_spawn(io, enter(window, closed, "closed", log), net::detached);
  poll(io);
  cancelled.cancel();
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"first+", "cancelled-"}));

  window.close();
  net::co_spawn(io, enter(window, after, "after", log), net::detached);
  poll(io);
  EXPECT_EQ(names(log), (std::vector<std::string>{"first+", "cancelled-", "closed-", "after-"}));
  window.leave(log[0].ticket);
  auto const began = std::chrono::steady_clock::now();
  io.run_for(2s);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s) << "a timer was left behind";
}

}  // namespace
}  // namespace poller
