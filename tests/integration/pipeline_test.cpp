// Output for pipelines: NDJSON that jq reads, -w, --on-change, --fail, clean pipes, the summary
// and the JSON log.

#include <csignal>

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

TEST(Pipeline, EveryJsonLineParsesWithJqAndHasTheSpecTypes) {
  TestServer server;
  TempDir dir;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/down";
  auto list = dir.write_file("list.txt", lines({server.url("/a"), refused, server.url("/status/404")}));

  auto result = run_poller({"--format", "json", "--interval", "0", "--count", "2", list});
  ASSERT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(count_of(result.out, "\n"), 6u);

  // One type signature per line; jq fails the whole check on a line that is not JSON.
  auto types = jq(
      "[(.time|type), (.round|type), (.url|type), (.url_effective|type), (.ok|type), "
      "(.status|type), (.bytes|type), (.time_total|type), (.reused|type), (.body|type), "
      "(.error|type), (.time_connect|type), (.time_starttransfer|type), (.num_connects|type)]",
      result.out);
  ASSERT_EQ(types.exit_code, 0) << types.err;
  std::string const ok_types =
      R"(["string","number","string","string","boolean","number","number","number","boolean","string","null","number","number","number"])";
  std::string const failed_types =
      R"(["string","number","string","string","boolean","null","number","number","boolean","null","string","number","number","number"])";
  EXPECT_EQ(types.out, repeat(ok_types + "\n" + failed_types + "\n" + ok_types + "\n", 2));

  auto fields = jq("[.round, .url, .ok, .status, .body, .reused]", result.out);
  ASSERT_EQ(fields.exit_code, 0) << fields.err;
  auto const a = server.url("/a");
  auto const not_found = server.url("/status/404");
  EXPECT_EQ(fields.out,
            "[1,\"" + a + "\",true,200,\"/a\\n\",false]\n" +
            "[1,\"" + refused + "\",false,null,null,false]\n" +
            "[1,\"" + not_found + "\",true,404,\"status 404\\n\",true]\n" +
            "[2,\"" + a + "\",true,200,\"/a\\n\",true]\n" +
            "[2,\"" + refused + "\",false,null,null,false]\n" +
            "[2,\"" + not_found + "\",true,404,\"status 404\\n\",true]\n");
}

TEST(Pipeline, TimeIsRfc3339UtcWithMilliseconds) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));

  auto result = run_poller({"--format", "json", "--once", list});
  auto time = jq(R"(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))",
                 result.out);

  EXPECT_EQ(time.out, "true\n") << result.out;
}

TEST(Pipeline, BinaryBodySurvivesBodyBase64ByteForByte) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/binary")}));

  auto raw = run_poller({"--once", list});
  auto json = run_poller({"--format", "json", "--once", list});
  auto base64 = jq(".body_base64", json.out);

  ASSERT_EQ(raw.out.size(), 256u);
  // jq's @base64d yields text, not bytes: compare base64 with coreutils' encoding of the raw body.
  auto expected = run_process({"/usr/bin/base64", "-w0"}, raw.out);
  EXPECT_EQ(base64.out, "\"" + expected.out + "\"\n");
}

TEST(Pipeline, WriteOutPrintsCurlVariablesAfterEachFetch) {
  TestServer server;
  TempDir dir;
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  auto list = dir.write_file("list.txt", lines({server.url("/redirect/2"), refused}));

  auto result = run_poller({"--format", "none", "--once", "-L", "-w",
                            "%{round} %{http_code} %{size_download} %{num_redirects} %{url} -> "
                            "%{url_effective} [%{errormsg}] %{header{content-type}}\\n",
                            list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "1 200 11 2 " + server.url("/redirect/2") + " -> " + server.url("/redirect/0") +
                            " [] text/plain\n" + "1 000 0 0 " + refused + " -> " + refused +
                            " [connect: Connection refused] \n");
}

TEST(Pipeline, WriteOutFollowsTheBody) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));

  auto result = run_poller({"--once", "-w", "=%{http_code}\\n", list});

  EXPECT_EQ(result.out, "/a\n=200\n");
}

TEST(Pipeline, UnknownWriteOutVariableIsAUsageErrorNamingIt) {
  TempDir dir;
  auto list = dir.write_file("list.txt", "http://127.0.0.1:1/\n");

  auto result = run_poller({"-w", "%{http_code} %{speed_of_light}", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("%{speed_of_light}"), std::string::npos) << result.err;
}

TEST(Pipeline, OnChangePrintsOnlyBodiesThatDifferFromThePreviousRound) {
  TestServer server;
  TempDir dir;
  // /every-other/NAME answers "v1", "v1", "v2", "v2", ...: a new body every other request.
  auto list = dir.write_file("list.txt", lines({server.url("/every-other/x"), server.url("/a")}));

  auto result = run_poller({"--on-change", "--interval", "0", "--count", "6", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "v1\n/a\nv2\nv3\n");
  EXPECT_EQ(server.requests_served(), 12u);
}

TEST(Pipeline, FailMakesErrorStatusesFailuresWithoutTheirBody) {
  TestServer server;
  TempDir dir;
  auto const missing = server.url("/status/404");
  auto list = dir.write_file("list.txt", lines({missing, server.url("/ok")}));

  auto failing = run_poller({"--once", "--fail", list});
  auto lenient = run_poller({"--once", list});
  auto json = run_poller({"--once", "-f", "--format", "json", list});

  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_EQ(failing.out, "/ok\n");
  EXPECT_NE(failing.err.find(missing + ": HTTP status 404"), std::string::npos) << failing.err;
  EXPECT_EQ(lenient.exit_code, 0);
  EXPECT_EQ(lenient.out, "status 404\n/ok\n");
  auto fields = jq("[.ok, .status, .error, .body]", json.out);
  EXPECT_EQ(fields.out, "[false,404,\"HTTP status 404\",null]\n[true,200,null,\"/ok\\n\"]\n");
}

TEST(Pipeline, HeadClosingThePipeEndsAnIdleRunPromptlyWithExit0) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));
  // `poller --interval 60 list | head -c 1`: head exits after one byte, while poller waits for
  // the next round; poller must notice now, not a minute later.
  auto status = run_process(
      {"/bin/bash", "-c",
       "'" + std::string(POLLER_BINARY) + "' --interval 60 '" + list + "' | head -c 1 >/dev/null; " +
           "echo ${PIPESTATUS[0]}"},
      {}, 20s);

  EXPECT_FALSE(status.timed_out);
  EXPECT_EQ(status.out, "0\n") << status.err;
  EXPECT_EQ(status.err, "");
}

TEST(Pipeline, JsonRecordsAreWholeLinesWhenTheReaderStopsMidStream) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/bytes/50000")}));

  auto result = run_process(
      {"/bin/bash", "-c",
       "'" + std::string(POLLER_BINARY) + "' --format json --interval 0 '" + list +
           "' | head -n 3 | jq -c '.bytes'; echo ${PIPESTATUS[0]}"},
      {}, 20s);

  EXPECT_EQ(result.out, "50000\n50000\n50000\n0\n") << result.err;
}

TEST(Pipeline, Sigusr1PrintsASummaryOnStderr) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a"), server.url("/b")}));
  Process poller(poller_command({"-q", "--interval", "0.1", list}));
  ASSERT_TRUE(poller.wait_for_stdout("/a\n/b\n/a\n/b\n", 10s)) << poller.stderr_text();

  poller.send_signal(SIGUSR1);

  ASSERT_TRUE(poller.wait_for_stderr(server.url("/b") + ": ", 10s)) << poller.stderr_text();
  poller.send_signal(SIGTERM);
  auto result = poller.wait(5s);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.err.find("summary: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("summary: " + server.url("/a") + ": "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(", 0 failure(s), min "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(", p99 "), std::string::npos) << result.err;
}

TEST(Pipeline, VerboseRunEndsWithTheSummary) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));

  auto result = run_poller({"-v", "--interval", "0", "--count", "3", list});

  EXPECT_NE(result.err.find("summary: 3 round(s), 3 fetch(es), 0 failure(s)"), std::string::npos)
      << result.err;
}

TEST(Pipeline, JsonLogLinesParseAndNothingOfTheLogReachesStdout) {
  auto const refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({refused}));

  auto result = run_poller({"--once", "--log-format", "json", list});
  auto fields = jq("[.level, .message, (.time|type), .url, .name, .error_kind]", result.err);

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(fields.exit_code, 0) << result.err;
  // A log shipper can act on the URL and the kind without parsing the message.
  EXPECT_EQ(fields.out, "[\"error\",\"DOWN " + refused +
                            ": connect: Connection refused\",\"string\",\"" + refused + "\",\"" +
                            refused + "\",\"connect\"]\n");
}

}  // namespace
}  // namespace poller::test
