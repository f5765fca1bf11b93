// -d, --data-binary and --json as curl reads them: files, CR/LF, joining, errors.

#include "request_body.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace poller
