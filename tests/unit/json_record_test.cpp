// --format json records and the byte encodings they rely on.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "poller/base/encoding.hpp"
#include "poller/report/json_record.hpp"
#include "poller/report/record.hpp"
#include "poller/input/target.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

struct JsonRecordTest : ::testing::Test {
  Target target = *parse_target("https://user:secret@example.com/path").target;
  FetchResult result;
  // Set for a fetch the checks failed; otherwise the verdict is the wire's.
  std::optional<Verdict> judged;
  Verdict verdict() const { return judged ? *judged : wire_verdict(result); }

  JsonRecordTest() {
    result.target = &target;
    result.round = 3;
    result.started = std::chrono::system_clock::time_point(1764100000123ms);
    result.url_effective = "https://user@example.com/path";
  }

  boost::json::object record() const { return boost::json::parse(to_json_record(result, verdict())).as_object(); }
};

TEST_F(JsonRecordTest, SuccessfulFetchHasEveryFieldOfTheSpecWithItsType) {
  result.status = 200;
  result.body = "hello\n";
  result.bytes = 6;
  result.time_total = 1500us;
  result.time_namelookup = 25us;
  result.reused = true;
  result.http_version = "1.1";
  result.remote_ip = "127.0.0.1";

  auto const r = record();

  EXPECT_EQ(r.at("time").as_string(), "2025-11-25T19:46:40.123Z");
  EXPECT_EQ(r.at("round").as_int64(), 3);
  EXPECT_EQ(r.at("url").as_string(), "https://user@example.com/path");
  EXPECT_EQ(r.at("url_effective").as_string(), "https://user@example.com/path");
  EXPECT_TRUE(r.at("ok").as_bool());
  EXPECT_EQ(r.at("status").as_int64(), 200);
  EXPECT_EQ(r.at("bytes").as_int64(), 6);
  EXPECT_DOUBLE_EQ(r.at("time_total").as_double(), 0.0015);
  EXPECT_DOUBLE_EQ(r.at("time_namelookup").as_double(), 0.000025);
  EXPECT_TRUE(r.at("reused").as_bool());
  EXPECT_EQ(r.at("body").as_string(), "hello\n");
  EXPECT_EQ(r.at("http_version").as_string(), "1.1");
  EXPECT_EQ(r.at("remote_ip").as_string(), "127.0.0.1");
  EXPECT_FALSE(r.at("tls_resumed").as_bool());
  EXPECT_FALSE(r.contains("error"));
  EXPECT_FALSE(r.contains("error_kind"));
  EXPECT_FALSE(r.contains("body_base64"));
  EXPECT_FALSE(r.contains("check"));
  EXPECT_FALSE(r.contains("cert_expiry"));  // none known for this fetch
}

TEST_F(JsonRecordTest, FailedFetchHasErrorAndNoStatusOrBody) {
  result.error = FetchError{FetchErrorKind::connect, "connect: Connection refused"};

  auto const r = record();

  EXPECT_FALSE(r.at("ok").as_bool());
  EXPECT_EQ(r.at("error").as_string(), "connect: Connection refused");
  EXPECT_EQ(r.at("error_kind").as_string(), "connect");
  EXPECT_FALSE(r.contains("status"));
  EXPECT_FALSE(r.contains("body"));
}

TEST_F(JsonRecordTest, FetchThatMissedACheckNamesTheCheckAndHasNoBody) {
  result.status = 503;
  result.body = "status 503\n";
  result.bytes = 11;
  judged = Verdict{Verdict::Failure::check, "check failed: status 503 not in 200", "check", "status"};

  auto const r = record();

  EXPECT_FALSE(r.at("ok").as_bool());
  EXPECT_EQ(r.at("check").as_string(), "status");
  EXPECT_EQ(r.at("error_kind").as_string(), "check");
  EXPECT_EQ(r.at("error").as_string(), "check failed: status 503 not in 200");
  EXPECT_EQ(r.at("status").as_int64(), 503);
  EXPECT_EQ(r.at("bytes").as_int64(), 11);
  EXPECT_FALSE(r.contains("body"));
}

TEST_F(JsonRecordTest, CheckIsAbsentWithoutAMissedCheckAndCertExpiryIsUtcToTheSecond) {
  result.status = 200;
  result.cert_expiry = std::chrono::system_clock::time_point(1764400000s);

  auto const r = record();

  EXPECT_FALSE(r.contains("check"));
  EXPECT_EQ(r.at("cert_expiry").as_string(), "2025-11-29T07:06:40Z");
}

TEST_F(JsonRecordTest, InvalidUtf8BodyIsReplacedAndCarriedExactlyInBase64) {
  std::string const bytes("ok\xff\xfe\x00" "end", 8);
  result.status = 200;
  result.body = bytes;

  auto const r = record();

  EXPECT_EQ(r.at("body").as_string(), std::string("ok\xEF\xBF\xBD\xEF\xBF\xBD\x00" "end", 12));
  EXPECT_EQ(r.at("body_base64").as_string(), "b2v//gBlbmQ=");
}

TEST_F(JsonRecordTest, QuotesAndControlCharactersAreEscapedOnOneLine) {
  result.body = "line \"one\"\nline\ttwo\\";

  auto const line = to_json_record(result, wire_verdict(result));

  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(boost::json::parse(line).at("body").as_string(), "line \"one\"\nline\ttwo\\");
}

TEST_F(JsonRecordTest, BodyIsEscapedByteForByteAsBoostJsonEscapesIt) {
  std::string bytes;
  for (int c = 0; c < 128; ++c) bytes += static_cast<char>(c);
  bytes += "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  result.body = bytes;

  auto const line = to_json_record(result, wire_verdict(result));

  auto const expected = boost::json::serialize(boost::json::value(boost::json::string(bytes)));
  EXPECT_TRUE(line.ends_with(",\"body\":" + expected + "}")) << line;
}

// The body fields are written 64 KiB at a time (record.hpp): a sequence or a base64 group cut at
// a slice's end must read as the whole would.
TEST_F(JsonRecordTest, BodyLargerThanASliceIsRepairedAndEncodedAsAWhole) {
  std::string bytes;
  for (int i = 0; bytes.size() < 5 * RecordReader::slice; ++i) {
    bytes += "\x01\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xFF\xC3";  // the last is cut short
    bytes += std::string(static_cast<std::size_t>(i % 7), 'a');
  }
  result.body = bytes;

  auto const r = record();

  EXPECT_EQ(r.at("body").as_string(), replace_invalid_utf8(bytes));
  EXPECT_EQ(r.at("body_base64").as_string(), base64_encode(bytes));
}

TEST(Encoding, Utf8ValidationAcceptsWellFormedTextAndRejectsTheRest) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // stray continuation
}

TEST(Encoding, ReplacementKeepsValidSequencesAndReplacesEachBadByte) {
  EXPECT_EQ(replace_invalid_utf8("a\xC3\xA9" "b"), "a\xC3\xA9" "b");
  EXPECT_EQ(replace_invalid_utf8("a\x80" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(replace_invalid_utf8("\xC3"), "\xEF\xBF\xBD");
}

TEST(Encoding, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace poller
