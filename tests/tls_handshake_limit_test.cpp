// -Z runs at most 256 TLS handshakes at once over all origins (include/poller/client/
// tls_handshake_limit.hpp), seen from the servers' side; the wait for a slot ends at the
// fetch's --connect-timeout and at SIGTERM like the handshake itself.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "poller_test.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// max_tls_handshakes_at_once in the client; the integration tests link none of its code.
constexpr std::size_t handshake_limit = 256;
constexpr int origin_count = handshake_limit + 44;
constexpr auto output_bound = 30s;
constexpr auto exit_bound = 5s;

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// 300 origins with two URLs each, every handshake held by the server until its ClientHello has
// waited 300 ms: without a limit all 300 would be in progress at once.
TEST(TlsHandshakeLimit, NoMoreHandshakesAtOnceThanTheLimitAndEveryUrlFetched) {
  auto const hosts = loopback_hosts(origin_count);
  TestCa ca;
  TestServer server({.tls = ca.issue({.ip_addresses = hosts}),
                     // Full handshakes end on the server's side first: its count is a floor.
                     .tls_max_version = TlsVersion::tls1_2,
                     .tls_answer_delay = 300ms,
                     .address = hosts.front(),
                     .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())});
  TempDir dir;
  std::string list_text;
  std::multiset<std::string> listed;
  for (auto const& host : hosts) {
    for (auto const* path : {"/first", "/second"}) {
      list_text += "https://" + host + ":" + std::to_string(server.port()) + path + "\n";
      listed.insert(host + path);
    }
  }
  auto const list = dir.write_file("list.txt", list_text);
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());

  auto const result =
      run_poller({"-Z", "--parallel-max", "1000", "--once", "--cacert", ca_file, list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count_of(result.out, "/first\n") + count_of(result.out, "/second\n"), listed.size());
  std::multiset<std::string> fetched;
  for (auto const& request : server.requests()) {
    fetched.insert(request.headers.at("host").substr(0, request.headers.at("host").find(':')) +
                   request.target);
  }
  EXPECT_EQ(fetched, listed);
  // One handshake per origin: the second URL reused the connection, outside the limit.
  EXPECT_EQ(server.connections_accepted(), hosts.size());
  EXPECT_GT(server.max_tls_handshakes_at_once(), 0u);
  EXPECT_LE(server.max_tls_handshakes_at_once(), handshake_limit);
}

// Listening sockets on 127.0.x.y (one port) that never accept: the kernel completes each TCP
// connection, and a ClientHello is never answered.
class SilentOrigins {
 public:
  explicit SilentOrigins(const std::vector<std::string>& hosts) {
    for (auto const& host : hosts) {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port_);
      ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
      int const listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (listener >= 0) listeners_.push_back(listener);
      socklen_t length = sizeof address;
      if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
          ::listen(listener, 16) != 0 ||
          ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("SilentOrigins: cannot listen on " + host);
      }
      port_ = ntohs(address.sin_port);
    }
  }
  ~SilentOrigins() {
    for (int const listener : listeners_) ::close(listener);
  }
  SilentOrigins(const SilentOrigins&) = delete;
  SilentOrigins& operator=(const SilentOrigins&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  std::vector<int> listeners_;
  std::uint16_t port_ = 0;
};

// 300 origins whose handshakes stall for up to 60 s hold every slot; one more, listed last with
// --connect-timeout 1s, waits for a slot and times out there, saying so. Then SIGTERM ends the
// run at once, the 44 fetches still waiting for a slot included.
TEST(TlsHandshakeLimit, AWaitForASlotEndsAtTheConnectTimeoutAndAtSigterm) {
  auto const hosts = loopback_hosts(origin_count + 1);
  SilentOrigins silent(hosts);
  TempDir dir;
  std::string list_text;
  auto const url_of = [&](const std::string& host) {
    return "https://" + host + ":" + std::to_string(silent.port()) + "/";
  };
  for (int i = 0; i < origin_count; ++i) {
    list_text += url_of(hosts[i]) + " --connect-timeout 60s -m 60s\n";
  }
  auto const last = url_of(hosts.back());
  list_text += last + " --connect-timeout 1s\n";
  auto const list = dir.write_file("list.txt", list_text);

  Process poller(poller_command({"-Z", "--parallel-max", "1000", "--once", list}));
  auto const origin = "https://" + hosts.back() + ":" + std::to_string(silent.port());
  EXPECT_TRUE(poller.wait_for_stderr(
      "timed out after --connect-timeout 1s while waiting to start the TLS handshake with " +
          origin + " (256 others",
      output_bound))
      << poller.stderr_text();

  poller.send_signal(SIGTERM);
  auto const result = poller.wait(exit_bound);
  EXPECT_FALSE(result.timed_out);
  // Only the one URL timed out; the others were cancelled, not failed.
  EXPECT_EQ(count_of(result.err, "timed out"), 1u) << result.err;
}

}  // namespace
}  // namespace poller::test
