// Options on list lines, end to end: what the server received per URL, checks that fail only
// their own URL, --name in every output, the errors of bad lines, and SIGHUP reading them again.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

constexpr auto output_bound = 10s;

// The requests the server saw for `target`, in order.
std::vector<RecordedRequest> requests_for(const TestServer& server, std::string_view target) {
  std::vector<RecordedRequest> found;
  for (auto const& request : server.requests()) {
    if (request.target == target) found.push_back(request);
  }
  return found;
}

std::string header_of(const RecordedRequest& request, const std::string& name) {
  auto const found = request.headers.find(name);
  return found == request.headers.end() ? "(none)" : found->second;
}

TEST(ListOptions, HeadersAndUserAgentOfALineGoToItsUrlOnTopOfTheCommandLines) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file(
      "list.txt",
      server.url("/api") + " -H 'X-Env: staging' -H \"Authorization: Bearer t1\" -A probe/1\n" +
          server.url("/plain") + "\n");

  auto result = run_poller({"-H", "X-Team: ops", "-H", "X-Env: prod", "--once", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const api = requests_for(server, "/api"), plain = requests_for(server, "/plain");
  ASSERT_EQ(api.size(), 1u);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(header_of(api[0], "x-team"), "ops");
  EXPECT_EQ(header_of(api[0], "x-env"), "staging");
  EXPECT_EQ(header_of(api[0], "authorization"), "Bearer t1");
  EXPECT_EQ(header_of(api[0], "user-agent"), "probe/1");
  EXPECT_EQ(header_of(plain[0], "x-team"), "ops");
  EXPECT_EQ(header_of(plain[0], "x-env"), "prod");
  EXPECT_EQ(header_of(plain[0], "authorization"), "(none)");
  EXPECT_EQ(header_of(plain[0], "user-agent").rfind("poller/", 0), 0u);
}

TEST(ListOptions, AChecksFailureIsItsOwnUrlsOnly) {
  TestServer server;
  TempDir dir;
  auto const body_check = server.url("/wrong-body"), fail = server.url("/status/500");
  auto list = dir.write_file(
      "list.txt", body_check + " --expect-body '^/right'\n" +                 // fails
                      server.url("/right-body") + " --expect-body '^/right'\n" +  // passes
                      server.url("/status/404") + " --expect-status 404\n" +      // passes
                      fail + " -f\n" +                                            // fails
                      server.url("/status/503") + "\n");  // no -f here: printed as it is

  auto result = run_poller({"--interval", "0", "--count", "2", "-v", list});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, repeat("/right-body\nstatus 404\nstatus 503\n", 2));
  auto const expected =
      std::vector<std::string>{body_check + ": check failed: body does not match \"^/right\"",
                               fail + ": HTTP status 500"};
  auto messages = log_messages(result.err);
  ASSERT_EQ(messages.size(), 4u) << result.err;
  EXPECT_EQ(std::vector(messages.begin(), messages.begin() + 2), expected);
  EXPECT_EQ(std::vector(messages.begin() + 2, messages.end()), expected);
}

TEST(ListOptions, ATimeLimitOfALineBoundsItsUrlOnly) {
  TestServer server;
  TempDir dir;
  auto const slow = server.url("/sleep/3000");
  auto list = dir.write_file(
      "list.txt", slow + " -m 200ms\n" + server.url("/sleep/300") + "\n");

  auto result = run_poller({"--once", "-m", "20s", list});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, "slept 300\n");
  auto const messages = log_messages(result.err);
  ASSERT_EQ(messages.size(), 1u) << result.err;
  EXPECT_EQ(messages[0].rfind(slow + ": timed out", 0), 0u) << messages[0];
}

TEST(ListOptions, ANameLabelsTheUrlInLogJsonWriteOutAndLine) {
  TestServer server;
  TempDir dir;
  auto const named = server.url("/status/503"), unnamed = server.url("/ok");
  auto list = dir.write_file("list.txt", named + " -f --name 'shop # eu'  # a comment\n" +
                                             unnamed + "\n");

  auto json = run_poller({"--once", "--format", "json", list});
  auto write_out = run_poller({"--once", "--format", "none", "-w", "%{name} %{http_code}\\n", list});
  auto line = run_poller({"--once", "--format", "line", "--color", "never", list});

  EXPECT_EQ(json.exit_code, 1);
  // The log line names the URL beside the name: where to look.
  EXPECT_EQ(log_messages(json.err),
            std::vector<std::string>{"shop # eu (" + named + "): HTTP status 503"});
  auto const names = jq(".name", json.out);
  EXPECT_EQ(names.out, "\"shop # eu\"\n\"" + unnamed + "\"\n") << json.out;
  EXPECT_EQ(write_out.out, "shop # eu 503\n" + unnamed + " 200\n");
  EXPECT_NE(line.out.find("shop # eu"), std::string::npos) << line.out;
  EXPECT_EQ(line.out.find(named), std::string::npos) << line.out;
}

TEST(ListOptions, EveryBadLineIsReportedWithFileAndLineAndNothingIsFetched) {
  TestServer server;
  TempDir dir;
  auto const url = server.url("/x");
  auto list = dir.write_file("list.txt", url + " --interval 3\n" +        // 1
                                             url + " --nmae api\n" +       // 2
                                             url + " -m never\n" +         // 3
                                             url + " --name 'open\n" +     // 4
                                             url + " --expect-status\n" +  // 5
                                             url + " --name fine\n");      // 6

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(server.requests_served(), 0u);
  auto const has = [&](const std::string& text) {
    return result.err.find(text) != std::string::npos;
  };
  EXPECT_TRUE(has(list + ":1: --interval applies to the whole run")) << result.err;
  EXPECT_TRUE(has(list + ":2: unknown option --nmae (did you mean --name?)")) << result.err;
  EXPECT_TRUE(has(list + ":3: --max-time: \"never\" is not a duration")) << result.err;
  EXPECT_TRUE(has(list + ":4: unbalanced ' quote")) << result.err;
  EXPECT_TRUE(has(list + ":5: --expect-status needs a value (LIST)")) << result.err;
  EXPECT_FALSE(has(list + ":6:")) << result.err;
}

TEST(ListOptions, NameOnTheCommandLineIsAUsageError) {
  TestServer server;
  auto result = run_poller({"--once", "--name", "x", server.url("/x")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--name names one URL: give it after the URL on its list line"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST(ListOptions, SighupReadsALinesOptionsAgain) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", server.url("/v") + " -H 'X-Version: 1'\n");
  Process poller(poller_command({"--interval", "0.2", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/v\n", output_bound)) << poller.stderr_text();

  dir.write_file("list.txt", server.url("/v") + " -H 'X-Version: 2' --name second\n");
  poller.send_signal(SIGHUP);
  ASSERT_TRUE(poller.wait_for_stderr("reloaded", output_bound)) << poller.stderr_text();
  auto const before = requests_for(server, "/v").size();
  ASSERT_TRUE(poller.wait_for_stdout("/v\n", output_bound, before + 2)) << poller.stdout_text();
  poller.send_signal(SIGTERM);
  auto result = poller.wait(5s);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto const seen = requests_for(server, "/v");
  EXPECT_EQ(header_of(seen.front(), "x-version"), "1");
  EXPECT_EQ(header_of(seen.back(), "x-version"), "2");
}

// poller's command under `ulimit -v` (2 GiB of address space): a regression that reads a file
// without end then fails with bad_alloc instead of taking the machine's memory. Not under
// AddressSanitizer, which reserves terabytes of address space at start.
std::vector<std::string> with_memory_bound(std::vector<std::string> argv) {
#if !defined(__SANITIZE_ADDRESS__)
  argv.insert(argv.begin(), {"/bin/sh", "-c", "ulimit -v 2097152 && exec \"$0\" \"$@\""});
#endif
  return argv;
}

// The list as it was fetched (/kept), SIGHUP after its line gained a body from `file`: the
// reload fails for that line, and the run goes on with the list it had.
void expect_reload_refuses_body_file(const std::string& file, const std::string& reason,
                                     const std::string& fifo_to_release = {}) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", server.url("/kept") + "\n");
  Process poller(with_memory_bound(poller_command({"--interval", "0.2", list})));
  ASSERT_TRUE(poller.wait_for_stdout("/kept\n", output_bound)) << poller.stderr_text();

  dir.write_file("list.txt", server.url("/kept") + " --data-binary @" + file + "\n");
  poller.send_signal(SIGHUP);

  bool const refused = poller.wait_for_stderr("keeping the previous list", output_bound);
  if (!refused && !fifo_to_release.empty()) {
    // A poller waiting in open() for a writer: one that comes and goes lets it on.
    int const fd = ::open(fifo_to_release.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
  }
  ASSERT_TRUE(refused) << poller.stderr_text();
  EXPECT_NE(poller.stderr_text().find(list + ":1: --data-binary @" + file + ": " + reason),
            std::string::npos)
      << poller.stderr_text();
  auto const fetched_before = count_of(poller.stdout_text(), "/kept\n");
  EXPECT_TRUE(poller.wait_for_stdout("/kept\n", output_bound, fetched_before + 2))
      << poller.stdout_text();
  poller.send_signal(SIGTERM);
  auto result = poller.wait(5s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (auto const& request : requests_for(server, "/kept")) EXPECT_EQ(request.method, "GET");
}

TEST(ListOptions, SighupAfterALineGainedABodyFromDevZeroKeepsTheRunAndItsList) {
  expect_reload_refuses_body_file("/dev/zero", "not a regular file");
}

TEST(ListOptions, SighupAfterALineGainedABodyFromAFifoNeverWaitsForAWriter) {
  TempDir fifo_dir;
  auto const fifo = fifo_dir.path() + "/body.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_reload_refuses_body_file(fifo, "not a regular file", fifo);
}

// The line's text is the same, its file is not: the new body goes out after SIGHUP.
TEST(ListOptions, SighupReadsALinesBodyFileAgainWhenOnlyTheFileChanged) {
  TestServer server;
  TempDir dir;
  dir.write_file("body.txt", "v1");
  auto list = dir.write_file("list.txt", server.url("/anything") + " --data-binary @body.txt\n");
  Process poller(poller_command({"--interval", "0.2", list}));
  ASSERT_TRUE(poller.wait_for_stdout("\n\nv1", output_bound)) << poller.stderr_text();

  dir.write_file("body.txt", "v2");
  poller.send_signal(SIGHUP);

  EXPECT_TRUE(poller.wait_for_stdout("\n\nv2", output_bound)) << poller.stderr_text();
  poller.send_signal(SIGTERM);
  auto result = poller.wait(5s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(server.requests().back().body, "v2");
}

// RFC 3986 allows ' in a path and a query: a line's URL is sent, and shown, as written.
TEST(ListOptions, AUrlWithQuotesIsFetchedAndShownAsWritten) {
  TestServer server;
  TempDir dir;
  auto const wiki = server.url("/wiki/Ender's_Game"),
             search = server.url("/search?q='drop'&t='x'");
  auto list = dir.write_file("list.txt", wiki + "\n" + search + " -H 'X-A: 1'\n");

  auto result = run_poller({"--once", "--format", "json", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/wiki/Ender's_Game");
  EXPECT_EQ(requests[1].target, "/search?q='drop'&t='x'");
  EXPECT_EQ(header_of(requests[1], "x-a"), "1");
  EXPECT_EQ(jq(".url", result.out).out, "\"" + wiki + "\"\n\"" + search + "\"\n") << result.out;
}

// A NUL byte in a line's -H name: the message goes on past it, the byte escaped.
TEST(ListOptions, ANulByteInAHeaderNameIsShownEscapedWithWhatFollowsIt) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file(
      "list.txt", server.url("/a") + " -H '" + std::string("X\0Y", 3) + ": v' --name after\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(list + ":1: header \"X\\x00Y: v\" has an invalid name"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find('\0'), std::string::npos);
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST(ListOptions, LanesUseEachUrlsOwnSettings) {
  TestServer a, b;
  TempDir dir;
  auto list = dir.write_file("list.txt", a.url("/a") + " -H 'X-Lane: a'\n" + b.url("/b") +
                                             " -H 'X-Lane: b' --expect-body nope\n");

  auto result = run_poller({"-Z", "--once", list});

  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, "/a\n");
  ASSERT_EQ(a.requests().size(), 1u);
  ASSERT_EQ(b.requests().size(), 1u);
  EXPECT_EQ(header_of(a.requests()[0], "x-lane"), "a");
  EXPECT_EQ(header_of(b.requests()[0], "x-lane"), "b");
  EXPECT_EQ(log_messages(result.err),
            std::vector<std::string>{b.url("/b") + ": check failed: body does not match \"nope\""});
}

}  // namespace
}  // namespace poller::test
