// The counting semaphore behind -Z's --parallel-max, its one write at a time and the client's
// limit on TLS handshakes in flight.

#include "poller/client/async_semaphore.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

namespace poller {
namespace {

namespace net = boost::asio;

// Takes a permit and notes whether it got one. The tests poll() the io_context: a waiter's timer
// is work that would keep run() from returning.
net::awaitable<void> take(AsyncSemaphore& semaphore, std::string name,
                          std::vector<std::string>& log) {
  bool const granted = co_await semaphore.acquire();
  log.push_back(name + (granted ? "+" : "-"));
}

// The same, with a wait that can be cancelled.
net::awaitable<void> take_cancellable(AsyncSemaphore& semaphore, SemaphoreWait& wait,
                                      std::string name, std::vector<std::string>& log) {
  bool const granted = co_await semaphore.acquire(wait);
  log.push_back(name + (granted ? "+" : "-"));
}

TEST(AsyncSemaphore, GrantsUpToItsPermitsThenServesWaitersInOrder) {
  net::io_context io;
  AsyncSemaphore semaphore(io, 2);
  std::vector<std::string> log;
  for (auto const* name : {"a", "b", "c", "d"})
    net::co_spawn(io, take(semaphore, name, log), net::detached);
  io.poll();
  io.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b+"}));
  EXPECT_EQ(semaphore.waiting(), 2u);

  semaphore.release();
  io.poll();
  io.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b+", "c+"}));

  semaphore.release();
  semaphore.release();
  io.poll();
  io.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b+", "c+", "d+"}));
  // Four taken, three given back: one of the two permits is free.
  EXPECT_EQ(semaphore.available(), 1u);
  semaphore.release();
  EXPECT_EQ(semaphore.available(), 2u);
}

TEST(AsyncSemaphore, CloseWakesEveryWaiterWithoutAPermit) {
  net::io_context io;
  AsyncSemaphore semaphore(io, 1);
  std::vector<std::string> log;
  for (auto const* name : {"a", "b", "c"})
    net::co_spawn(io, take(semaphore, name, log), net::detached);
  io.poll();
  io.restart();
  semaphore.close();
  io.poll();
  io.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b-", "c-"}));
  net::co_spawn(io, take(semaphore, "late", log), net::detached);
  io.poll();
  EXPECT_EQ(log.back(), "late-");
}

TEST(AsyncSemaphore, ACancelledWaiterLeavesTheQueueWithoutAPermit) {
  net::io_context io;
  AsyncSemaphore semaphore(io, 1);
  std::vector<std::string> log;
  SemaphoreWait a_wait, b_wait, c_wait;
  net::co_spawn(io, take_cancellable(semaphore, a_wait, "a", log), net::detached);
  net::co_spawn(io, take_cancellable(semaphore, b_wait, "b", log), net::detached);
  net::co_spawn(io, take_cancellable(semaphore, c_wait, "c", log), net::detached);
  io.poll();
  io.restart();
  EXPECT_EQ(semaphore.waiting(), 2u);

  b_wait.cancel();
  a_wait.cancel();  // holds its permit already: nothing to end
  io.poll();
  io.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b-"}));
  EXPECT_EQ(semaphore.waiting(), 1u);

  // a's permit goes to c, not to the cancelled b; c's given back, the count is whole again.
  semaphore.release();
  io.poll();
  io.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b-", "c+"}));
  semaphore.release();
  EXPECT_EQ(semaphore.available(), 1u);
}

TEST(AsyncSemaphore, AWaiterCancelledAfterItsPermitWasHandedOverKeepsIt) {
  net::io_context io;
  AsyncSemaphore semaphore(io, 1);
  std::vector<std::string> log;
  SemaphoreWait wait;
  net::co_spawn(io, take(semaphore, "a", log), net::detached);
  net::co_spawn(io, take_cancellable(semaphore, wait, "b", log), net::detached);
  io.poll();
  io.restart();
  semaphore.release();  // handed to b, which has not run yet
  wait.cancel();
  io.poll();
  io.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b+"}));
  semaphore.release();
  EXPECT_EQ(semaphore.available(), 1u);
}

// -Z's --parallel-max place: taken by the client once a body is to be read, given back when the
// app's holder goes; a holder whose fetch never took it gives nothing back.
TEST(DeferredPermit, GivesBackOnlyWhatWasTakenAndTakesOnlyOnce) {
  net::io_context io;
  AsyncSemaphore semaphore(io, 1);
  {
    DeferredPermit never_taken(semaphore);
    EXPECT_FALSE(never_taken.held());
  }
  EXPECT_EQ(semaphore.available(), 1u);
  {
    DeferredPermit place(semaphore);
    SemaphoreWait wait;
    std::vector<bool> granted;
    auto const take_twice = [&]() -> net::awaitable<void> {
      granted.push_back(co_await place.acquire(wait));
      granted.push_back(co_await place.acquire(wait));  // a redirect's response: held already
    };
    net::co_spawn(io, take_twice(), net::detached);
    io.poll();
    io.restart();
    EXPECT_EQ(granted, (std::vector<bool>{true, true}));
    EXPECT_TRUE(place.held());
    EXPECT_EQ(semaphore.available(), 0u);
  }
  EXPECT_EQ(semaphore.available(), 1u);
}

}  // namespace
}  // namespace poller
