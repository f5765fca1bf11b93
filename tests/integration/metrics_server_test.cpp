// --metrics-listen: the real poller serves /metrics while it polls our test server; scraped with
// curl and raw sockets, checked with promtool. Everything on loopback.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/ports.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// Generous: they catch a hang, not a slow machine (the sanitizer build is several times slower).
constexpr auto output_bound = 10s;
constexpr auto exit_bound = 10s;

std::uint16_t port_of(std::string_view url) {
  auto const colon = url.rfind(':');
  return static_cast<std::uint16_t>(std::stoi(std::string(url.substr(colon + 1))));
}

ProcessResult curl(std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/curl", "-sS", "--max-time", "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

std::string scrape(const std::string& url) {
  auto result = curl({url});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out;
}

// The value of the sample whose name and labels are exactly `series`, if there is one.
std::optional<double> sample(const std::string& text, std::string_view series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// Every sample of an exposition, by its name and labels.
std::unordered_map<std::string, double> samples_of(const std::string& text) {
  std::unordered_map<std::string, double> samples;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto const space = line.rfind(' ');
    if (line.starts_with('#') || space == std::string::npos) continue;
    samples.emplace(line.substr(0, space), std::stod(line.substr(space + 1)));
  }
  return samples;
}

// Scrapes until `series` reaches `at_least`, or the bound passes; returns the last scrape.
std::string scrape_until(const std::string& url, std::string_view series, double at_least) {
  std::string text;
  for (auto waited = 0ms; waited < output_bound; waited += 50ms) {
    text = scrape(url);
    if (sample(text, series).value_or(-1) >= at_least) break;
    std::this_thread::sleep_for(50ms);
  }
  return text;
}

// A plain TCP client for what curl will not send: garbage, oversized heads, silence.
class RawClient {
 public:
  // A `receive_buffer` in bytes makes the kernel hold little for us: a reader that pauses then
  // holds the server's writes back.
  explicit RawClient(std::uint16_t port, int receive_buffer = 0)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto const n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // What the server sends until it closes the connection; nullopt if it is still open after
  // `timeout`.
  std::optional<std::string> read_until_close(std::chrono::milliseconds timeout) {
    return read_until(timeout, {});
  }
  // The same, read a little at a time with a pause before each read.
  std::optional<std::string> read_slowly_until_close(std::chrono::milliseconds pause,
                                                     std::chrono::milliseconds timeout) {
    pause_ = pause;
    return read_until(timeout, {});
  }
  // The head of one response (all of a response to HEAD), the connection left open; what came
  // before a close, or nullopt after `timeout`, if the head does not end.
  std::optional<std::string> read_head(std::chrono::milliseconds timeout) {
    return read_until(timeout, "\r\n\r\n");
  }

 private:
  // Until `end` has come (empty: until the server closes the connection).
  std::optional<std::string> read_until(std::chrono::milliseconds timeout, std::string_view end) {
    std::string received;
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd ready{fd_, POLLIN, 0};
      if (pause_ > 0ms) std::this_thread::sleep_for(pause_);
      if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[64 * 1024];
      auto const n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return received;  // closed (or reset: closed all the same)
      received.append(buffer, static_cast<std::size_t>(n));
      if (!end.empty() && received.find(end) != std::string::npos) return received;
    }
  }

  int fd_;
  bool connected_ = false;
  std::chrono::milliseconds pause_{0};
};

struct MetricsScrape : ::testing::Test {
  TestServer server;
  TempDir dir;
  std::unique_ptr<Process> poller;
  std::string url;   // http://127.0.0.1:PORT/metrics
  std::string base;  // http://127.0.0.1:PORT
  std::uint16_t port = 0;
  std::string const kept = server.url("/kept");
  std::string const dropped = server.url("/dropped");

  // Runs poller over `urls` with --metrics-listen 127.0.0.1:0 and learns where it listens.
  void start(std::initializer_list<std::string> args, std::initializer_list<std::string> urls) {
    start(args, lines(urls));
  }
  void start(std::initializer_list<std::string> args, const std::string& list) {
    auto argv = poller_command(args);
    argv.insert(argv.end(), {"--metrics-listen", "127.0.0.1:0", dir.write_file("list.txt", list)});
    poller = std::make_unique<Process>(argv);
    url = metrics_url(*poller, output_bound);
    ASSERT_FALSE(url.empty()) << poller->stderr_text();
    base = url.substr(0, url.size() - std::string_view("/metrics").size());
    port = port_of(base);
  }

  // Polls `kept` and `dropped` until /metrics shows `dropped`, then reloads a list without it.
  void start_then_reload_without_dropped() {
    ASSERT_NO_FATAL_FAILURE(start({"--interval", "0.05", "--format", "none"}, {kept, dropped}));
    auto const before = scrape_until(url, "poller_rounds_total", 2);
    ASSERT_TRUE(sample(before, "poller_up{url=\"" + dropped + "\",name=\"" + dropped + "\"}")) << before;

    dir.write_file("list.txt", lines({kept}));
    poller->send_signal(SIGHUP);
    ASSERT_TRUE(poller->wait_for_stderr("reloaded", output_bound)) << poller->stderr_text();
  }

  // An unbounded run ends with status 0 on SIGTERM.
  void stop() {
    poller->send_signal(SIGTERM);
    auto const result = poller->wait(exit_bound);
    EXPECT_EQ(result.exit_code, 0) << result.err;
  }
};

TEST_F(MetricsScrape, ScrapeShowsEachUrlsOutcomeAndPassesPromtool) {
  auto const good = server.url("/a");
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "0.05", "--format", "none"}, {good, refused}));

  auto const fetches = [&](const std::string& text, const std::string& u, std::string_view result) {
    return sample(text,
                  "poller_fetches_total{url=\"" + u + "\",name=\"" + u + "\",result=\"" + std::string(result) + "\"}");
  };
  auto const phase_count_in = [&](const std::string& text, const std::string& u,
                                  std::string_view phase) {
    return sample(text, "poller_fetch_phase_duration_seconds_count{url=\"" + u + "\",name=\"" + u + "\",phase=\"" +
                            std::string(phase) + "\"}");
  };
  auto const total_count_in = [&](const std::string& text, const std::string& u) {
    return sample(text, "poller_fetch_duration_seconds_count{url=\"" + u + "\",name=\"" + u + "\"}");
  };
  // A round is counted as it starts, and one starts only when the one before has fetched every
  // URL: with four counted, three are done, however slow the machine (ASan). Each scrape is
  // rendered at one moment while rounds go on: its families agree, every time.
  std::string text;
  for (int scrape = 0; scrape < 10; ++scrape) {
    text = scrape_until(url, "poller_rounds_total", 4);
    ASSERT_EQ(fetches(text, good, "success"), phase_count_in(text, good, "processing")) << text;
    ASSERT_EQ(fetches(text, good, "success"), total_count_in(text, good)) << text;
    ASSERT_EQ(fetches(text, refused, "failure"), phase_count_in(text, refused, "resolve")) << text;
  }
  auto const up = [&](const std::string& u) {
    return sample(text, "poller_up{url=\"" + u + "\",name=\"" + u + "\"}");
  };
  auto const status = [&](const std::string& u) {
    return sample(text, "poller_http_status{url=\"" + u + "\",name=\"" + u + "\"}");
  };
  EXPECT_EQ(up(good), 1) << text;
  EXPECT_EQ(up(refused), 0) << text;
  EXPECT_EQ(status(good), 200) << text;
  EXPECT_EQ(status(refused), 0) << text;
  auto const rounds = sample(text, "poller_rounds_total").value_or(0);
  EXPECT_GE(rounds, 3) << text;

  // Every fetch of the good URL is one observation of its processing and transfer; it went over
  // one keep-alive connection, so one resolve and one connect.
  auto const successes =
      sample(text, "poller_fetches_total{url=\"" + good + "\",name=\"" + good + "\",result=\"success\"}");
  ASSERT_TRUE(successes) << text;
  EXPECT_GE(*successes, 3);
  auto const phase_count = [&](const std::string& u, std::string_view phase) {
    return sample(text, "poller_fetch_phase_duration_seconds_count{url=\"" + u + "\",name=\"" + u + "\",phase=\"" +
                            std::string(phase) + "\"}");
  };
  EXPECT_EQ(phase_count(good, "processing"), successes);
  EXPECT_EQ(phase_count(good, "transfer"), successes);
  EXPECT_EQ(phase_count(good, "resolve"), 1);
  EXPECT_EQ(phase_count(good, "connect"), 1);
  EXPECT_EQ(phase_count(good, "tls"), std::nullopt);
  EXPECT_EQ(sample(text, "poller_fetch_phase_duration_seconds_bucket{url=\"" + good + "\",name=\"" +
                             good + "\",phase=\"transfer\",le=\"+Inf\"}"),
            successes);
  // The refused URL: every fetch failed after its resolve.
  auto const failures =
      sample(text, "poller_fetches_total{url=\"" + refused + "\",name=\"" + refused + "\",result=\"failure\"}");
  EXPECT_GE(failures.value_or(0), 3);
  EXPECT_EQ(phase_count(refused, "resolve"), failures);
  EXPECT_EQ(phase_count(refused, "transfer"), std::nullopt);
  EXPECT_TRUE(sample(text, "poller_last_success_timestamp_seconds{url=\"" + good + "\",name=\"" + good + "\"}"));
  EXPECT_FALSE(sample(text, "poller_last_success_timestamp_seconds{url=\"" + refused + "\",name=\"" + refused + "\"}"));
  EXPECT_EQ(sample(text, "poller_connections_opened_total"), 1) << text;
  EXPECT_GE(sample(text, "poller_connections_reused_total").value_or(0), 2) << text;
  EXPECT_EQ(sample(text, "poller_round_lateness_seconds_count"),
            sample(text, "poller_rounds_total"));

  // promtool parses it and its lint has nothing to say.
  auto const check = run_process({"/usr/bin/promtool", "check", "metrics"}, text);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "");

  auto const later = scrape_until(url, "poller_rounds_total", rounds + 2);
  EXPECT_GE(sample(later, "poller_rounds_total").value_or(0), rounds + 2);

  stop();
}

// The state by --down-after, and which check failed: what an alert rule needs beside poller_up.
// A scrape is written a piece at a time while the rounds go on; what it shows is one moment.
// Rounds here fetch the list in order, so at any moment the URLs' fetch counts fall along the
// list by at most one, and the first URL's count is the rounds started or one less.
TEST_F(MetricsScrape, ASlowScrapeShowsOneMomentWhileTheRoundsGoOn) {
  // Their exposition is megabytes, more than the kernel's socket buffers hold.
  constexpr int url_count = 1000;
  std::string list;
  for (int i = 0; i < url_count; ++i) list += server.url("/u" + std::to_string(i)) + "\n";
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "0", "--format", "none"}, list));
  for (auto waited = 0ms; server.requests_served() < url_count && waited < output_bound;
       waited += 10ms) {
    std::this_thread::sleep_for(10ms);
  }
  RawClient client(port, 64 * 1024);
  ASSERT_TRUE(client.connected());
  client.send("GET /metrics HTTP/1.0\r\n\r\n");  // HTTP/1.0: the body ends with the connection
  auto const served_before = server.requests_served();
  auto const response = client.read_slowly_until_close(2ms, 60s);
  auto const served_during = server.requests_served() - served_before;
  ASSERT_TRUE(response);
  auto const body = response->substr(response->find("\r\n\r\n") + 4);
  // Fetches went on while the scrape was read (a round or more in the release build; the
  // sanitizer build fetches several times slower).
  EXPECT_GE(served_during, std::size_t{url_count / 10}) << "the scrape took no time";

  auto const samples = samples_of(body);
  ASSERT_TRUE(samples.contains("poller_rounds_total")) << body.substr(0, 2000);
  auto const rounds = samples.at("poller_rounds_total");
  std::vector<double> fetches;
  for (int i = 0; i < url_count; ++i) {
    auto const u = server.url("/u" + std::to_string(i));
    auto const labels = "{url=\"" + u + "\",name=\"" + u + "\"";
    auto const successes = samples.find("poller_fetches_total" + labels + ",result=\"success\"}");
    auto const failures = samples.find("poller_fetches_total" + labels + ",result=\"failure\"}");
    auto const observed = samples.find("poller_fetch_duration_seconds_count" + labels + "}");
    ASSERT_TRUE(successes != samples.end() && failures != samples.end() &&
                observed != samples.end())
        << u;
    EXPECT_EQ(successes->second + failures->second, observed->second) << u;
    fetches.push_back(observed->second);
  }
  for (int i = 1; i < url_count; ++i) {
    EXPECT_LE(fetches[i], fetches[i - 1]) << "URL " << i;
  }
  EXPECT_LE(fetches.front() - fetches.back(), 1) << "first " << fetches.front();
  EXPECT_TRUE(rounds == fetches.front() || rounds == fetches.front() + 1)
      << rounds << " rounds, the first URL fetched " << fetches.front() << " times";
  stop();
}

TEST_F(MetricsScrape, StateAndTheFailedCheckHaveSeriesOfTheirOwn) {
  auto const slow = server.url("/sleep/300");
  auto const flapping = server.url("/statuses/200,503,503,503");
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "0.05", "--format", "none", "--max-latency",
                                 "100ms", "--expect-status", "200", "--down-after", "2"},
                                {slow, flapping}));

  auto const text = scrape_until(url, "poller_rounds_total", 4);
  auto const series = [&](std::string_view name, const std::string& u, std::string labels = "") {
    return sample(text, std::string(name) + "{url=\"" + u + "\",name=\"" + u + "\"" + labels + "}");
  };
  EXPECT_EQ(series("poller_check_failed", slow, ",check=\"latency\""), 1) << text;
  EXPECT_EQ(series("poller_check_failed", slow, ",check=\"status\""), 0) << text;
  EXPECT_EQ(series("poller_check_failed", flapping, ",check=\"status\""), 1) << text;
  EXPECT_EQ(series("poller_state_up", slow), 0) << text;
  // Up at its first fetch, down after two failures: one event.
  EXPECT_EQ(series("poller_state_up", flapping), 0) << text;
  EXPECT_EQ(series("poller_state_changes_total", flapping), 1) << text;
  EXPECT_EQ(series("poller_up", flapping), 0) << text;
  auto const check = run_process({"/usr/bin/promtool", "check", "metrics"}, text);
  EXPECT_EQ(check.out + check.err, "");
  stop();
}

TEST_F(MetricsScrape, RootIsAPageThatLinksToTheMetrics) {
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "60", "--format", "none"}, {kept}));

  auto const page = curl({"-i", base + "/"});

  EXPECT_EQ(page.exit_code, 0) << page.err;
  EXPECT_TRUE(page.out.starts_with("HTTP/1.1 200 OK\r\n")) << page.out;
  EXPECT_NE(page.out.find("Content-Type: text/html"), std::string::npos) << page.out;
  EXPECT_NE(page.out.find("<a href=\"/metrics\">"), std::string::npos) << page.out;
  stop();
}

// --metrics-listen :PORT, as exporters take it: every address, IPv4 and IPv6 alike.
TEST(MetricsListen, APortAloneServesIpv4AndIpv6) {
  TestServer server;
  TempDir dir;
  auto const port = std::to_string(pick_free_port());
  Process poller(poller_command({"--interval", "60", "--format", "none", "--metrics-listen",
                                 ":" + port, server.url("/a")}));
  ASSERT_TRUE(poller.wait_for_stderr("serving metrics at http://[::]:" + port, output_bound))
      << poller.stderr_text();

  for (auto const* host : {"127.0.0.1", "[::1]"}) {
    auto const text = curl({std::string("http://") + host + ":" + port + "/metrics"});
    EXPECT_NE(text.out.find("poller_rounds_total 1"), std::string::npos) << host << text.err;
  }
  poller.send_signal(SIGTERM);
  EXPECT_EQ(poller.wait(exit_bound).exit_code, 0);
}

TEST_F(MetricsScrape, AnswersWithTheExpositionContentTypeAndKeepsTheConnection) {
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "0.1", "--format", "none"}, {server.url("/a")}));

  auto const two = curl({"-o", "/dev/null", "-o", "/dev/null", "-w",
                         "%{http_code} %{num_connects} %{content_type}\\n", url, url});
  EXPECT_EQ(two.out,
            "200 1 text/plain; version=0.0.4; charset=utf-8\n"
            "200 0 text/plain; version=0.0.4; charset=utf-8\n")
      << two.err;

  // HEAD: the header alone.
  auto const head = curl({"-I", url});
  EXPECT_TRUE(head.out.starts_with("HTTP/1.1 200 OK\r\n")) << head.out;
  EXPECT_EQ(head.out.find("poller_"), std::string::npos) << head.out;

  // Pipelined requests are answered in order on the one connection.
  RawClient pipelined(port);
  pipelined.send(
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto const answers = pipelined.read_until_close(output_bound);
  ASSERT_TRUE(answers) << "still open";
  auto const ok = answers->find("HTTP/1.1 200 OK\r\n");
  auto const ok_again = answers->find("HTTP/1.1 200 OK\r\n", ok + 1);
  auto const not_found = answers->find("HTTP/1.1 404 Not Found\r\n");
  EXPECT_EQ(ok, 0u) << *answers;
  EXPECT_NE(ok_again, std::string::npos) << *answers;
  EXPECT_NE(not_found, std::string::npos) << *answers;
  EXPECT_LT(ok_again, not_found) << *answers;

  // HTTP/1.0 knows no chunks: the whole text, ended by the close.
  RawClient old(port);
  old.send("GET /metrics HTTP/1.0\r\n\r\n");
  auto const answer = old.read_until_close(output_bound);
  ASSERT_TRUE(answer);
  EXPECT_TRUE(answer->starts_with("HTTP/1.0 200 OK\r\n")) << *answer;
  EXPECT_NE(answer->find("\r\n\r\n# HELP "), std::string::npos) << *answer;
  EXPECT_NE(answer->find("\npoller_connections_reused_total "), std::string::npos) << *answer;
  EXPECT_TRUE(answer->ends_with("\n")) << *answer;
  stop();
}

TEST_F(MetricsScrape, BadRequestsGet4xxAndTheRoundsGoOn) {
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "0.1", "--count", "20"}, {server.url("/a")}));

  auto const post = curl({"-i", "-X", "POST", "--data", "x=1", url});
  EXPECT_TRUE(post.out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << post.out << post.err;
  EXPECT_NE(post.out.find("Allow: GET, HEAD\r\n"), std::string::npos) << post.out;
  auto const nope = curl({"-o", "/dev/null", "-w", "%{http_code}", base + "/nope"});
  EXPECT_EQ(nope.out, "404");
  auto const post_root = curl({"-o", "/dev/null", "-w", "%{http_code}", "--data", "x", base + "/"});
  EXPECT_EQ(post_root.out, "404");
  auto const query = curl({"-o", "/dev/null", "-w", "%{http_code}", url + "?format=text"});
  EXPECT_EQ(query.out, "200");
  RawClient absolute(port);
  absolute.send("GET " + url + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto const absolute_form = absolute.read_until_close(output_bound);
  ASSERT_TRUE(absolute_form) << "still open";
  EXPECT_TRUE(absolute_form->starts_with("HTTP/1.1 200 OK\r\n")) << *absolute_form;

  RawClient garbage(port);
  garbage.send("\x01\x02\x03 not http at all\r\n\r\n");
  auto const bad = garbage.read_until_close(output_bound);
  ASSERT_TRUE(bad) << "still open";
  EXPECT_TRUE(bad->starts_with("HTTP/1.1 400 Bad Request\r\n")) << *bad;

  RawClient bad_version(port);
  bad_version.send("GET /metrics HTTP/9.9\r\n\r\n");
  auto const version = bad_version.read_until_close(output_bound);
  ASSERT_TRUE(version) << "still open";
  EXPECT_TRUE(version->starts_with("HTTP/1.1 400 Bad Request\r\n")) << *version;

  RawClient huge(port);
  huge.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
  auto const too_large = huge.read_until_close(output_bound);
  ASSERT_TRUE(too_large) << "still open";
  EXPECT_TRUE(too_large->starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
      << *too_large;

  // Still serving after all that.
  EXPECT_NE(scrape(url).find("poller_rounds_total "), std::string::npos);

  auto const result = poller->wait(exit_bound * 2);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, repeat("/a\n", 20));
}

TEST_F(MetricsScrape, ClientThatSendsNothingIsDroppedAfterTheTimeoutWhileRoundsGoOn) {
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "0.1"}, {server.url("/a")}));

  RawClient silent(port);
  ASSERT_TRUE(silent.connected());
  // And one that asks and never reads its answer.
  RawClient deaf(port);
  deaf.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  auto const printed_before = count_of(poller->stdout_text(), "/a\n");

  auto const closed = silent.read_until_close(30s);
  ASSERT_TRUE(closed) << "the silent connection is still open";
  EXPECT_EQ(*closed, "");
  // Ten seconds of rounds went by meanwhile (at 10 a second; a loose bound for slow builds).
  EXPECT_GE(count_of(poller->stdout_text(), "/a\n"), printed_before + 20);
  EXPECT_NE(scrape(url).find("poller_rounds_total "), std::string::npos);

  stop();
}

TEST_F(MetricsScrape, IdleConnectionsCannotLockAScraperOut) {
  ASSERT_NO_FATAL_FAILURE(start({"--interval", "0.1", "--format", "none"}, {server.url("/a")}));

  // As many keep-alive connections as the server serves at once, each left idle once its HEAD
  // is answered, one after another: the server has then taken them all, and the first has waited
  // longest for its next request.
  constexpr auto head = "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 16; ++i) {
    auto& client = *idle.emplace_back(std::make_unique<RawClient>(port));
    client.send(head);
    auto const answer = client.read_head(output_bound);
    ASSERT_TRUE(answer && answer->starts_with("HTTP/1.1 200 OK\r\n"))
        << "idle connection " << i << ": " << answer.value_or("(no answer)");
  }

  // A scrape gets through at once, in the place of the connection idle longest.
  auto const scraped = curl({"--max-time", "3", url});
  EXPECT_EQ(scraped.exit_code, 0) << scraped.err;
  EXPECT_NE(scraped.out.find("poller_rounds_total "), std::string::npos);
  // Closed before the scrape was served; the bound is short of the 10 s after which the server
  // drops an idle connection anyway.
  auto const first = idle.front()->read_until_close(2s);
  ASSERT_TRUE(first) << "the connection idle longest is still open";
  EXPECT_EQ(*first, "");
  // The next longest idle is still served.
  idle[1]->send(head);
  auto const second = idle[1]->read_head(output_bound);
  EXPECT_TRUE(second && second->starts_with("HTTP/1.1 200 OK\r\n"))
      << "a later idle connection was closed: " << second.value_or("(no answer)");
  stop();
}

TEST_F(MetricsScrape, SighupReloadDropsTheSeriesOfUrlsNoLongerListed) {
  ASSERT_NO_FATAL_FAILURE(start_then_reload_without_dropped());

  auto const after = scrape(url);
  EXPECT_TRUE(sample(after, "poller_up{url=\"" + kept + "\",name=\"" + kept + "\"}")) << after;
  EXPECT_EQ(after.find("/dropped"), std::string::npos) << after;
  stop();
}

// A reload takes a URL out of /metrics, not out of the run's summary: its fetches happened.
TEST_F(MetricsScrape, SighupDroppedUrlLeavesTheScrapeButStaysInTheSummary) {
  ASSERT_NO_FATAL_FAILURE(start_then_reload_without_dropped());
  auto const after = scrape(url);
  EXPECT_EQ(after.find("/dropped"), std::string::npos) << after;

  poller->send_signal(SIGUSR1);
  EXPECT_TRUE(poller->wait_for_stderr("summary: " + dropped + ": ", output_bound))
      << poller->stderr_text();
  stop();
}

TEST_F(MetricsScrape, HttpsUrlHasATlsPhaseAndItsCertificateExpiry) {
  TestCa ca;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer tls_server(
      {.tls = ca.issue({.ip_addresses = {"127.0.0.1"}, .not_after = std::chrono::hours(24 * 30)})});
  auto const target = tls_server.url("/s");
  ASSERT_NO_FATAL_FAILURE(
      start({"--interval", "0.05", "--format", "none", "--cacert", ca_file}, {target}));

  auto const text = scrape_until(url, "poller_rounds_total", 2);
  EXPECT_EQ(
      sample(text, "poller_fetch_phase_duration_seconds_count{url=\"" + target + "\",name=\"" + target + "\",phase=\"tls\"}"), 1)
      << text;
  auto const expiry = sample(text, "poller_cert_expiry_timestamp_seconds{url=\"" + target + "\",name=\"" + target + "\"}");
  ASSERT_TRUE(expiry) << text;
  auto const in_30_days =
      std::chrono::duration<double>(
          (std::chrono::system_clock::now() + std::chrono::hours(24 * 30)).time_since_epoch())
          .count();
  EXPECT_NEAR(*expiry, in_30_days, 3600);
  stop();
}

TEST(MetricsListen, ServesOnTheIpv6Loopback) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));
  Process poller(poller_command({"--interval", "0.1", "--metrics-listen", "[::1]:0", list}));
  auto const url = metrics_url(poller, output_bound);
  ASSERT_TRUE(url.starts_with("http://[::1]:")) << poller.stderr_text();

  auto const scraped = curl({"--globoff", url});
  EXPECT_EQ(scraped.exit_code, 0) << scraped.err;
  EXPECT_NE(scraped.out.find("poller_rounds_total "), std::string::npos);
  poller.send_signal(SIGTERM);
  EXPECT_EQ(poller.wait(exit_bound).exit_code, 0);
}

TEST(MetricsListen, PortInUseIsExit2BeforeAnyFetch) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));
  auto const in_use = "127.0.0.1:" + std::to_string(server.port());

  auto const result = run_poller({"--metrics-listen", in_use, list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("cannot listen on " + in_use + ": Address already in use"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(server.requests_served(), 0u);
  EXPECT_EQ(result.out, "");
}

TEST(MetricsListen, ANameToResolveIsAUsageError) {
  TempDir dir;
  auto list = dir.write_file("list.txt", "http://127.0.0.1:1/\n");
  auto const result = run_poller({"--metrics-listen", "metrics.example:9100", list});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--metrics-listen \"metrics.example:9100\""), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace poller::test
