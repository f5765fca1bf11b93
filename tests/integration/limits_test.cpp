// Many hosts: a list of 2,000 distinct hosts is fetched in one round while poller's descriptors
// stay bounded by --max-connections, and a reload keeps the warm connections it still needs.

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <thread>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// The test process holds a listener per host and the server side of every connection.
void raise_descriptor_limit() {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GE(limit.rlim_cur, 5000u) << "the hard RLIMIT_NOFILE is too low for this test";
}

// Open descriptors of a process, or -1 once it is gone.
int open_descriptors(pid_t pid) {
  DIR* fds = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (fds == nullptr) return -1;
  int count = 0;
  while (dirent* entry = ::readdir(fds)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(fds);
  return count;
}

TEST(Limits, TwoThousandHostsInOneRoundWithDescriptorsBoundedByMaxConnections) {
  raise_descriptor_limit();
  constexpr int host_count = 2000;
  constexpr int max_connections = 50;
  auto const hosts = loopback_hosts(host_count);
  TestServer server({.address = hosts.front(),
                     .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())});
  TempDir dir;
  std::string list_text, expected;
  for (int i = 0; i < host_count; ++i) {
    auto const path = "/host/" + std::to_string(i);
    list_text += "http://" + hosts[i] + ":" + std::to_string(server.port()) + path + "\n";
    expected += path + "\n";
  }
  auto const list = dir.write_file("list.txt", list_text);

  Process poller(
      poller_command({"--once", "--max-connections", std::to_string(max_connections), list}));
  int most_descriptors = 0;
  for (int now; (now = open_descriptors(poller.pid())) >= 0 && poller.running();) {
    most_descriptors = std::max(most_descriptors, now);
    std::this_thread::sleep_for(2ms);
  }
  auto const result = poller.wait(60s);

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, expected);
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(server.connections_accepted(), static_cast<std::size_t>(host_count));
  // The idle pool, the connection in use, stdio, the event loop's own descriptors: nowhere near
  // one per host.
  EXPECT_GT(most_descriptors, max_connections);
  EXPECT_LE(most_descriptors, max_connections + 16);
  // Seen from the server: connections beyond the cap were closed as the round went on (a few
  // more may be open at once while the server has yet to notice a close).
  EXPECT_LE(server.max_open_connections(), static_cast<std::size_t>(max_connections + 10));
}

TEST(Limits, ReloadKeepsWarmConnectionsOfHostsStillListedAndClosesTheOthers) {
  auto const hosts = loopback_hosts(15);
  TestServer server({.address = hosts.front(),
                     .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())});
  TempDir dir;
  auto const url = [&](int host) {
    return "http://" + hosts[host] + ":" + std::to_string(server.port()) + "/h" +
           std::to_string(host);
  };
  std::string first, second, second_out;
  for (int host = 0; host < 10; ++host) first += url(host) + "\n";   // hosts 0-9
  for (int host = 5; host < 15; ++host) second += url(host) + "\n";  // hosts 5-14
  for (int host = 5; host < 15; ++host) second_out += "/h" + std::to_string(host) + "\n";
  auto const list = dir.write_file("list.txt", first);
  Process poller(poller_command({"--interval", "0.3", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/h9\n", 10s)) << poller.stderr_text();
  ASSERT_EQ(server.connections_accepted(), 10u);

  dir.write_file("list.txt", second);
  poller.send_signal(SIGHUP);
  ASSERT_TRUE(poller.wait_for_stdout(second_out, 10s))
      << poller.stdout_text() << poller.stderr_text();
  // The five hosts still listed were fetched over their warm connections; only the five new
  // ones needed a connection, and the five dropped ones were closed.
  EXPECT_EQ(server.connections_accepted(), 15u);
  for (int waited = 0; server.open_connections() != 10 && waited < 200; ++waited) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server.open_connections(), 10u);
  poller.send_signal(SIGTERM);
  auto result = poller.wait(5s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

}  // namespace
}  // namespace poller::test
