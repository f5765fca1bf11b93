// -d, --data-binary and --json as curl reads them: files, CR/LF, joining, errors.

#include "request_body.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include <gtest/gtest.h>

#include "poller/base/option_file.hpp"

#include "support/subprocess.hpp"
#include "usage_error.hpp"

namespace poller {
namespace {

using Kind = BodyOption::Kind;

std::optional<RequestBody> body_of(std::vector<BodyOption> options,
                                   const std::filesystem::path& base = {}) {
  return read_request_body(options, base);
}

std::string error_of(std::vector<BodyOption> options, const std::filesystem::path& base = {}) {
  return usage_error_of([&](std::string_view) { read_request_body(options, base); }, "");
}

TEST(RequestBody, NoOptionNoBody) { EXPECT_FALSE(body_of({})); }

TEST(RequestBody, TextIsSentAsGiven) {
  auto const body = body_of({{Kind::data, "a=1\r\n"}});
  ASSERT_TRUE(body);
  EXPECT_EQ(body->data, "a=1\r\n");
  EXPECT_FALSE(body->json);
  EXPECT_EQ(body->content_type(), "application/x-www-form-urlencoded");
}

TEST(RequestBody, DataFileDropsCrLfAndNulDataBinaryFileKeepsEveryByte) {
  test::TempDir dir;
  std::string const bytes("a=1\r\n&b=\0002\n", 12);
  auto const file = dir.write_file("body", bytes);
  EXPECT_EQ(body_of({{Kind::data, "@" + file}})->data, "a=1&b=2");
  EXPECT_EQ(body_of({{Kind::binary, "@" + file}})->data, bytes);
  EXPECT_EQ(body_of({{Kind::json, "@" + file}})->data, bytes);
}

TEST(RequestBody, PiecesAreJoinedWithAnAmpersandButJsonPiecesAreNot) {
  EXPECT_EQ(body_of({{Kind::data, "a"}, {Kind::binary, "b"}, {Kind::data, "c"}})->data, "a&b&c");
  auto const json = body_of({{Kind::json, "{\"a\":"}, {Kind::json, "1}"}});
  EXPECT_EQ(json->data, "{\"a\":1}");
  EXPECT_TRUE(json->json);
  EXPECT_EQ(json->content_type(), "application/json");
  // As curl: a separator only after something, and any --json makes the body JSON.
  EXPECT_EQ(body_of({{Kind::data, ""}, {Kind::data, "b"}})->data, "b");
  auto const mixed = body_of({{Kind::data, "a"}, {Kind::json, "b"}, {Kind::data, "c"}});
  EXPECT_EQ(mixed->data, "ab&c");
  EXPECT_TRUE(mixed->json);
}

TEST(RequestBody, RelativeFileIsTakenFromTheBaseDirectory) {
  test::TempDir dir;
  dir.write_file("bodies/call.json", "{}");
  EXPECT_EQ(body_of({{Kind::json, "@bodies/call.json"}}, dir.path())->data, "{}");
  // An absolute one is not.
  auto const absolute = dir.write_file("abs.txt", "x");
  EXPECT_EQ(body_of({{Kind::data, "@" + absolute}}, "/nonexistent")->data, "x");
}

TEST(RequestBody, UnreadableFileNamesTheOptionAndTheFile) {
  test::TempDir dir;
  EXPECT_EQ(error_of({{Kind::data, "@missing.txt"}}, dir.path()),
            "--data @" + dir.path() + "/missing.txt: cannot read: No such file or directory");
  EXPECT_EQ(error_of({{Kind::json, "@" + dir.path()}}),
            "--json @" + dir.path() + ": cannot read: Is a directory");
  EXPECT_NE(error_of({{Kind::binary, "@-"}}).find("--data-binary @-: a body from standard input"),
            std::string::npos);
}

// @FILE is read at start and on every SIGHUP, in the middle of a run: a device without end
// (/dev/zero), a FIFO without a writer (which would hold open() until one comes) or a file
// larger than memory must not stop it. Only a regular file is read, up to 64 MiB.
TEST(OptionFile, OnlyARegularFileIsRead) {
  EXPECT_EQ(error_of({{Kind::binary, "@/dev/null"}}),
            "--data-binary @/dev/null: not a regular file (a device, FIFO or socket: give a "
            "file)");
}

TEST(OptionFile, AFifoIsRefusedWithoutWaitingForAWriter) {
  test::TempDir dir;
  auto const fifo = dir.path() + "/body.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reading =
      std::async(std::launch::async, [&] { return error_of({{Kind::data, "@" + fifo}}); });
  bool const waited = reading.wait_for(std::chrono::seconds(5)) == std::future_status::timeout;
  if (waited) {
    // Let the reader out of open(): a writer that comes and goes.
    int const fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
  }
  EXPECT_FALSE(waited) << "open() waited for a writer";
  EXPECT_EQ(reading.get(), "--data @" + fifo +
                               ": not a regular file (a device, FIFO or socket: give a file)");
}

TEST(OptionFile, AFileLargerThanTheLimitIsRefusedWithoutReadingIt) {
  constexpr std::uint64_t option_file_limit = 64ull * 1024 * 1024;  // as documented
  test::TempDir dir;
  auto const file = dir.write_file("big.bin", "");
  ASSERT_EQ(::truncate(file.c_str(), static_cast<off_t>(option_file_limit + 1)), 0);  // sparse
  EXPECT_EQ(usage_error_of([&](std::string_view) { read_option_file("--json", file); }, ""),
            "--json @" + file + ": larger than 64 MiB (the most an @FILE may hold)");
  ASSERT_EQ(::truncate(file.c_str(), static_cast<off_t>(option_file_limit)), 0);
  EXPECT_EQ(read_option_file("--json", file).size(), option_file_limit);
}

}  // namespace
}  // namespace poller
