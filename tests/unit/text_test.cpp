// The ASCII helpers behind case-insensitive names and padded values.

#include <gtest/gtest.h>

#include "poller/base/text.hpp"

namespace poller {
namespace {

TEST(Text, ToLowerLowersAsciiLettersOnly) {
  EXPECT_EQ(to_lower("Example.COM:8080"), "example.com:8080");
  EXPECT_EQ(to_lower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // UTF-8 bytes untouched
}

TEST(Text, TrimOwsRemovesSpacesAndTabsAtTheEndsOnly) {
  EXPECT_EQ(trim_ows(" \t gzip, deflate\t "), "gzip, deflate");
  EXPECT_EQ(trim_ows(" \t "), "");
  EXPECT_EQ(trim_ows("\r\nx\r\n"), "\r\nx\r\n");  // not HTTP white space: left for callers to refuse
}

TEST(Text, IequalsIgnoresTheCaseOfAsciiLettersOnly) {
  EXPECT_TRUE(iequals("Content-Encoding", "content-encoding"));
  EXPECT_FALSE(iequals("Cookie", "Cookie2"));
  EXPECT_FALSE(iequals("a-b", "a_b"));
}

TEST(Text, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("--interval", "--interval"), 0u);
  EXPECT_EQ(edit_distance("--intervl", "--interval"), 1u);
  EXPECT_EQ(edit_distance("--intreval", "--interval"), 2u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Text, ClosestMatchSuggestsATypoOrAPrefixAndNothingFarOff) {
  std::vector<std::string> const options{"--interval", "--insecure", "--max-filesize",
                                         "--max-time"};
  EXPECT_EQ(closest_match("--intervl", options), "--interval");
  EXPECT_EQ(closest_match("--max-file", options), "--max-filesize");
  EXPECT_EQ(closest_match("--maxtime", options), "--max-time");
  EXPECT_EQ(closest_match("--frobnicate", options), std::nullopt);
}

}  // namespace
}  // namespace poller
