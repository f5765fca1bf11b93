// Two signals at once, at random moments of a run whose fetches are in every phase (connect, TLS
// handshake, waiting for the header, a long body): poller must end within a second each time.
// GNU timeout sends SIGTERM twice in one millisecond (to the child and to its group); a stop
// that was taken as the run ended once left poller waiting for ever.

#include <chrono>
#include <csignal>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int runs_per_pair = 40;
constexpr auto exit_bound = 1s;  // SPEC, Rounds: "ends the run cleanly within one second"

// Servers that hold a fetch in each phase for longer than the test waits.
struct PhaseServers {
  PhaseServers()
      : tls_silent({.tls = ca.issue({.ip_addresses = {"127.0.0.1"}}),
                    .tls_answer_delay = 30s}) {}

  // A refused connection first (its error line says the run has begun), then the phase each
  // URL stays in: connect, TLS handshake, header, body, body (a long one).
  std::vector<std::string> urls() const {
    return {"http://127.0.0.1:" + std::to_string(refused) + "/",
            hung_connect.url("/connect"),
            tls_silent.url("/handshake"),
            plain.url("/fault/silent"),
            plain.url("/fault/hang-after-headers"),
            plain.url("/fault/claimed-length/3221225471"),
            plain.url("/bytes/50000000")};
  }

  TestCa ca;
  TestServer plain;
  TestServer tls_silent;
  FullBacklogListener hung_connect;
  std::uint16_t refused = closed_port();
};

void expect_quick_exits(std::pair<int, int> signals) {
  PhaseServers servers;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", servers.ca.cert_pem());
  std::mt19937 random(std::random_device{}());
  // Counted from the run's first error line: before the run has its handlers, SIGINT and SIGTERM
  // end poller by their default action, as they do any program (hold_signals() in poller.hpp).
  std::uniform_int_distribution<int> moment_ms(0, 600);
  for (int run = 0; run < runs_per_pair; ++run) {
    // -Z: every phase at once; sequential: the phases one after another, each cut short by -m.
    // Standard output a pipe, or a regular file (which poller never waits on).
    bool const to_file = run % 4 >= 2;
    std::vector<std::string> argv =
        to_file ? std::vector<std::string>{"/bin/sh", "-c",
                                           R"(exec "$0" "$@" >")" + dir.path() + "/out\"",
                                           POLLER_BINARY}
                : poller_command({});
    for (auto const* arg :
         {"--interval", "1", "--max-filesize", "4G", "--format", "none", "--cacert"}) {
      argv.push_back(arg);
    }
    argv.push_back(ca_file);
    for (auto const& arg : run % 2 == 0 ? std::vector<std::string>{"-Z"}
                                        : std::vector<std::string>{"-m", "0.1"}) {
      argv.push_back(arg);
    }
    for (auto const& url : servers.urls()) argv.push_back(url);
    Process poller(argv);
    ASSERT_TRUE(poller.wait_for_stderr("Connection refused", 10s)) << poller.stderr_text();
    auto const moment = moment_ms(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(moment));
    poller.send_signal(signals.first);
    poller.send_signal(signals.second);
    auto const sent = Clock::now();
    auto const result = poller.wait(10s);
    auto const took = Clock::now() - sent;

    auto const where = "run " + std::to_string(run) + (run % 2 == 0 ? " (-Z)" : "") +
                       (to_file ? " (stdout a file)" : "") +
                       ", signals " + std::to_string(moment) + " ms into the run";
    ASSERT_FALSE(result.timed_out) << where << ": still running 10 s later\n" << result.err;
    auto const took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    EXPECT_LE(took, exit_bound) << where << ": took " << took_ms << " ms";
    EXPECT_EQ(result.term_signal, 0) << where;
    EXPECT_EQ(result.exit_code, 0) << where << "\n" << result.err;
  }
}

TEST(StopStress, TermTerm) { expect_quick_exits({SIGTERM, SIGTERM}); }
TEST(StopStress, Usr1Term) { expect_quick_exits({SIGUSR1, SIGTERM}); }
TEST(StopStress, IntHup) { expect_quick_exits({SIGINT, SIGHUP}); }
TEST(StopStress, HupTerm) { expect_quick_exits({SIGHUP, SIGTERM}); }
TEST(StopStress, TermInt) { expect_quick_exits({SIGTERM, SIGINT}); }

}  // namespace
}  // namespace poller::test
