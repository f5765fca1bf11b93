// --compressed: what is asked for, what is printed, and the decoded size held to --max-filesize.

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/compress.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

std::optional<std::string> accept_encoding_seen(const TestServer& server) {
  auto const requests = server.requests();
  EXPECT_EQ(requests.size(), 1u);
  if (requests.empty()) return std::nullopt;
  auto const found = requests.front().headers.find("accept-encoding");
  if (found == requests.front().headers.end()) return std::nullopt;
  return found->second;
}

TEST(Compressed, GzipBodyIsPrintedDecodedAfterAskingForGzipAndDeflate) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/gzip/hello")}));

  auto result = run_poller({"--once", "--compressed", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "hello");
  EXPECT_EQ(accept_encoding_seen(server), "gzip, deflate");
}

TEST(Compressed, ZlibWrappedAndRawDeflateAreBothDecoded) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/deflate/zlib"), server.url("/raw-deflate/raw")}));

  auto result = run_poller({"--once", "--compressed", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "zlibraw");
}

TEST(Compressed, WithoutTheFlagNothingIsAskedAndBodiesPassThroughAsReceived) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/gzip/hello")}));

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, compress(Compression::gzip, "hello"));
  EXPECT_EQ(accept_encoding_seen(server), std::nullopt);
}

TEST(Compressed, AnAcceptEncodingHeaderGivenWithDashHWins) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/a")}));

  auto result = run_poller({"--once", "--compressed", "-H", "Accept-Encoding: gzip", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(accept_encoding_seen(server), "gzip");
}

TEST(Compressed, SizeDownloadIsTheDecodedSize) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/gzip-bomb/1")}));

  auto result = run_poller({"--once", "--compressed", "--format", "none", "-w", "%{size_download}\\n", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "1048576\n");
}

TEST(Compressed, ABombFailsOnItsDecodedSizeAndTheNextUrlIsStillPrinted) {
  TestServer server;
  TempDir dir;
  auto const bomb = server.url("/gzip-bomb/100");  // 100 MiB of zeros in ~100 KiB
  auto list = dir.write_file("list.txt", lines({bomb, server.url("/healthy")}));

  auto result = run_poller({"--once", "--compressed", "--max-filesize", "1M", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/healthy\n");
  EXPECT_EQ(log_messages(result.err),
            std::vector<std::string>{bomb + ": body larger than --max-filesize (1048576 bytes)"})
      << result.err;
}

TEST(Compressed, ACorruptBodyFailsNamingTheUrlAndTheNextUrlIsStillPrinted) {
  TestServer server;
  TempDir dir;
  auto const corrupt = server.url("/gzip-corrupt");
  auto list = dir.write_file("list.txt", lines({corrupt, server.url("/healthy")}));

  auto result = run_poller({"--once", "--compressed", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/healthy\n");
  EXPECT_EQ(log_messages(result.err),
            std::vector<std::string>{corrupt + ": bad compressed body: incorrect header check"})
      << result.err;
}

}  // namespace
}  // namespace poller::test
