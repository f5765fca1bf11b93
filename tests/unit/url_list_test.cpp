#include "poller/input/url_list.hpp"
#include "options.hpp"
#include "poller/input/sources.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include <gtest/gtest.h>

namespace poller {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::vector<std::string> urls_of(const UrlList& list) {
  std::vector<std::string> urls;
  for (auto const& target : list.targets) urls.push_back(target.url);
  return urls;
}

using Urls = std::vector<std::string>;

// --- what is a URL line ---------------------------------------------------------------------

TEST(UrlList, OneUrlPerLineInListOrder) {
  auto const list = parse_url_list("http://a.example/\nhttps://b.example/x\n", "urls.txt");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/", "https://b.example/x"}));
}

TEST(UrlList, LastLineNeedsNoNewline) {
  auto const list = parse_url_list("http://a.example/\nhttp://b.example/", "urls.txt");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/", "http://b.example/"}));
}

TEST(UrlList, TrimsLeadingAndTrailingWhiteSpace) {
  auto const list = parse_url_list("   http://a.example/  \n\thttp://b.example/\t\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/", "http://b.example/"}));
}

TEST(UrlList, AcceptsCrLfLineEndings) {
  auto const list = parse_url_list("http://a.example/\r\nhttp://b.example/p?q=1\r\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/", "http://b.example/p?q=1"}));
  EXPECT_EQ(list.targets[1].request_target, "/p?q=1");
}

TEST(UrlList, SkipsBlankLinesAndCommentLines) {
  auto const list = parse_url_list(
      "# monitored endpoints\n"
      "\n"
      "   \t \n"
      "http://a.example/\n"
      "   # indented comment\n"
      "\r\n"
      "http://b.example/\n",
      "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/", "http://b.example/"}));
}

TEST(UrlList, HashAfterWhiteSpaceStartsATrailingComment) {
  auto const list =
      parse_url_list("http://a.example/health # the load balancer\nhttp://b.example/\t#tab\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/health", "http://b.example/"}));
}

TEST(UrlList, HashInsideAUrlIsAFragmentThatIsNotSent) {
  auto const list = parse_url_list("http://a.example/page?x=1#section-2\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  ASSERT_EQ(list.targets.size(), 1u);
  EXPECT_EQ(list.targets[0].request_target, "/page?x=1");
  EXPECT_EQ(list.targets[0].url, "http://a.example/page?x=1");
}

TEST(UrlList, DuplicatesAreKeptInOrder) {
  auto const list =
      parse_url_list("http://a.example/\nhttp://b.example/\nhttp://a.example/\n", "urls.txt");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/", "http://b.example/", "http://a.example/"}));
}

TEST(UrlList, AcceptsHttpAndHttpsWhateverTheSchemeCase) {
  auto const list = parse_url_list("HTTP://a.example/\nHttps://b.example/\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  ASSERT_EQ(list.targets.size(), 2u);
  EXPECT_FALSE(list.targets[0].origin.is_https());
  EXPECT_TRUE(list.targets[1].origin.is_https());
}

// --- input errors ---------------------------------------------------------------------------

// The one error a one-line list produces, checked to be "FILE:1: ...".
std::string single_error(std::string_view line) {
  auto const list = parse_url_list(line, "urls.txt");
  EXPECT_TRUE(list.targets.empty()) << line;
  if (list.errors.size() != 1) {
    ADD_FAILURE() << "expected exactly one error for \"" << line << "\", got " << list.errors.size();
    return {};
  }
  EXPECT_TRUE(starts_with(list.errors[0], "urls.txt:1: ")) << list.errors[0];
  return list.errors[0];
}

TEST(UrlList, RejectsOtherSchemes) {
  EXPECT_TRUE(contains(single_error("ftp://a.example/file"), "ftp"));
  EXPECT_TRUE(contains(single_error("file:///etc/hosts"), "file"));
  single_error("mailto:ops@example.com");
  single_error("ws://a.example/socket");
}

TEST(UrlList, RejectsTextThatIsNotAnAbsoluteUrl) {
  single_error("a.example/path");
  single_error("/just/a/path");
}

TEST(UrlList, RejectsAUrlWithoutHost) {
  EXPECT_TRUE(contains(single_error("http:///path"), "no host"));
  EXPECT_TRUE(contains(single_error("http:/path"), "no host"));
  EXPECT_TRUE(contains(single_error("https://:8443/"), "no host"));
}

TEST(UrlList, RejectsSpaceOrControlCharacterInsideAUrl) {
  EXPECT_TRUE(contains(single_error("http://a.example/a b"), "space or control"));
  EXPECT_TRUE(contains(single_error(std::string_view("http://a.example/a\0b", 20)), "space or control"));
  EXPECT_TRUE(contains(single_error("http://a.example/a\x7f"), "space or control"));
  EXPECT_TRUE(contains(single_error("http://a.example/a\x01"), "space or control"));
}

// The URL is the line's first word exactly as written: RFC 3986 allows ' in a path and a query
// (a sub-delim), and quoting is for the options after it.
TEST(UrlList, AQuoteInTheUrlIsPartOfIt) {
  auto const list = parse_url_list(
      "http://127.0.0.1/wiki/Ender's_Game\n"
      "http://127.0.0.1/search?q='drop'&t='x'\n"
      "http://127.0.0.1/it's  # a comment\n",
      "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://127.0.0.1/wiki/Ender's_Game",
                                 "http://127.0.0.1/search?q='drop'&t='x'",
                                 "http://127.0.0.1/it's"}));
}

TEST(UrlList, RejectsAnUnparsableUrl) {
  single_error("http://a.example/<tag>");
  single_error("http://[::1/");
  single_error("http://a.example/%zz");
}

TEST(UrlList, RejectsABadPort) {
  EXPECT_TRUE(contains(single_error("http://a.example:0/"), "port"));
  EXPECT_TRUE(contains(single_error("http://a.example:65536/"), "port"));
  EXPECT_TRUE(contains(single_error("http://a.example:99999/"), "port"));
  EXPECT_TRUE(contains(single_error("http://a.example:99999999999999999999/"), "port"));
}

// Boost.URL reads "a.example:abc/" as an empty port and the path "abc/"; poller must not.
TEST(UrlList, RejectsANonNumericPort) {
  single_error("http://a.example:abc/");
  single_error("http://a.example:8o/");
}

TEST(UrlList, AcceptsTheHighestPort) {
  auto const list = parse_url_list("http://a.example:65535/", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(list.targets[0].origin.port, 65535);
}

TEST(UrlList, ReportsEveryErrorWithItsFileAndLineNumber) {
  auto const list = parse_url_list(
      "# header\n"                  // 1
      "http://good.example/\n"      // 2
      "ftp://bad.example/\n"        // 3
      "\n"                          // 4
      "http://bad.example:0/\r\n"   // 5
      "http://good.example/2\n"     // 6
      "http://bad.example/a b\n",   // 7
      "lists/urls.txt");
  ASSERT_EQ(list.errors.size(), 3u);
  EXPECT_FALSE(list.ok());
  EXPECT_TRUE(starts_with(list.errors[0], "lists/urls.txt:3: ")) << list.errors[0];
  EXPECT_TRUE(starts_with(list.errors[1], "lists/urls.txt:5: ")) << list.errors[1];
  EXPECT_TRUE(starts_with(list.errors[2], "lists/urls.txt:7: ")) << list.errors[2];
  for (auto const& error : list.errors) {
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(error.find('\r'), std::string::npos) << error;
  }
}

TEST(UrlList, AnEmptyListHasNoUrlAndNoErrorOfItsOwn) {
  // "No URL in all the sources together" is SourceList's to say (the Sources tests below).
  for (std::string_view text : {"", "\n\n", "# only comments\n  # here\n", "   \r\n\t\n"}) {
    auto const list = parse_url_list(text, "urls.txt");
    EXPECT_TRUE(list.ok()) << '"' << text << '"';
    EXPECT_TRUE(list.targets.empty());
  }
}

// --- credentials ----------------------------------------------------------------------------

TEST(UrlList, UserinfoBecomesBasicAuthentication) {
  auto const list = parse_url_list("http://user:pass@a.example/private\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(list.targets[0].authorization, "Basic dXNlcjpwYXNz");
  EXPECT_EQ(list.targets[0].host_header, "a.example");
  EXPECT_EQ(list.targets[0].request_target, "/private");
}

TEST(UrlList, DisplayUrlNeverContainsThePassword) {
  auto const list = parse_url_list("https://user:s3cr3t@a.example/x\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_FALSE(contains(list.targets[0].display_url, "s3cr3t")) << list.targets[0].display_url;
  EXPECT_TRUE(contains(list.targets[0].display_url, "a.example/x")) << list.targets[0].display_url;
}

TEST(UrlList, ErrorForAParsableUrlNeverContainsThePassword) {
  auto const list = parse_url_list(
      "ftp://user:s3cr3t@a.example/\n"
      "http://user:s3cr3t@a.example:0/\n"
      "http://user:s3cr3t@/\n",
      "urls.txt");
  ASSERT_EQ(list.errors.size(), 3u);
  for (auto const& error : list.errors) EXPECT_FALSE(contains(error, "s3cr3t")) << error;
}

// SPEC: "the password never appears in any output", not even when the URL does not parse.
TEST(UrlList, ErrorForAnUnparsableUrlNeverContainsThePassword) {
  auto const list = parse_url_list(
      "http://user:s3cr3t@a.example/a b\n"
      "http://user:s3cr3t@a.example/<x>\n"
      "http://user:s3cr3t@a.example/%zz\n",
      "urls.txt");
  ASSERT_EQ(list.errors.size(), 3u);
  for (auto const& error : list.errors) EXPECT_FALSE(contains(error, "s3cr3t")) << error;
}

TEST(UrlList, AcceptsAUtf8ByteOrderMarkAtTheStart) {
  auto const list = parse_url_list("\xEF\xBB\xBFhttp://a.example/\n", "urls.txt");
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/"}));
}

TEST(UrlList, FiveNumbersIsABadHostNotABadPort) {
  auto const error = single_error("http://1.2.3.4.5/");
  EXPECT_TRUE(contains(error, "bad host")) << error;
  EXPECT_FALSE(contains(error, "port")) << error;
}

TEST(UrlList, ARawPasswordWithHashSlashOrQuestionMarkIsRedactedFromTheError) {
  for (auto const* line : {"http://user:hunter#2@a.example/", "http://user:hunter/2@a.example/",
                           "http://user:hunter?2@a.example/", "http://user:hunter@2@a.example/",
                           "http://user:1234#5@a.example/"}) {
    auto const error = single_error(line);
    EXPECT_FALSE(contains(error, "hunter")) << error;
    EXPECT_FALSE(contains(error, "1234")) << error;
    EXPECT_TRUE(contains(error, "percent-encoded")) << error;
  }
}

// --- SourceList: URL operands, files, standard input ------------------------------------------

TEST(Sources, OperandsThatStartWithHttpOrHttpsAreUrls) {
  EXPECT_EQ(classify_source("http://a.example/").kind, Source::Kind::url);
  EXPECT_EQ(classify_source("HTTPS://a.example/").kind, Source::Kind::url);
  EXPECT_EQ(classify_source("-").kind, Source::Kind::standard_input);
  EXPECT_EQ(classify_source("urls.txt").kind, Source::Kind::file);
  EXPECT_EQ(classify_source("http.txt").kind, Source::Kind::file);
}

TEST(Sources, AnOperandThatLooksLikeAHostSuggestsItsUrl) {
  EXPECT_EQ(url_meant_by("localhost:22401"), "http://localhost:22401/");
  EXPECT_EQ(url_meant_by("example.com/health"), "http://example.com/health");
  EXPECT_EQ(url_meant_by("example.com"), "http://example.com/");
  EXPECT_EQ(url_meant_by("127.0.0.1:8080/x?y=1"), "http://127.0.0.1:8080/x?y=1");
  EXPECT_EQ(url_meant_by("[::1]:8080"), "http://[::1]:8080/");
  EXPECT_EQ(url_meant_by("localhost"), "http://localhost/");
  // File names stay file names.
  EXPECT_EQ(url_meant_by("urls.txt"), std::nullopt);
  EXPECT_EQ(url_meant_by("checks.list"), std::nullopt);
  EXPECT_EQ(url_meant_by("urls"), std::nullopt);
  EXPECT_EQ(url_meant_by("./localhost:8080"), std::nullopt);
  EXPECT_EQ(url_meant_by("/etc/poller/urls"), std::nullopt);
  EXPECT_EQ(url_meant_by("ftp://example.com/"), std::nullopt);
  EXPECT_EQ(url_meant_by("my list.txt"), std::nullopt);
  EXPECT_EQ(url_meant_by("host:99999"), std::nullopt);  // no URL either
}

TEST(Sources, ABadUrlOperandIsAUsageErrorNamingItWithoutItsPassword) {
  try {
    SourceList sources({"http://user:secret@a.example:99999/"});
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "bad URL \"http://user@a.example:99999/\": bad port \"99999\"");
  }
}

class UrlListFile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto const* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (std::string("poller-") + test->name() + "-" + std::to_string(::getpid()) + ".txt");
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void write(std::string_view text) {
    std::ofstream out(path_, std::ios::binary);
    out << text;
  }

  UrlList load() { return SourceList({path_.string()}).load(); }

  std::filesystem::path path_;
};

TEST_F(UrlListFile, ReadsAndParsesTheFile) {
  write("# list\r\nhttp://a.example/\r\nhttps://b.example/\r\n");
  auto const list = load();
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/", "https://b.example/"}));
}

TEST_F(UrlListFile, LabelsErrorsWithThePath) {
  write("http://a.example/\nftp://b.example/\n");
  auto const list = load();
  ASSERT_EQ(list.errors.size(), 1u);
  EXPECT_TRUE(starts_with(list.errors[0], path_.string() + ":2: ")) << list.errors[0];
}

TEST_F(UrlListFile, AnEmptyFileAloneIsAnError) {
  write("");
  auto const list = load();
  EXPECT_FALSE(list.ok());
  EXPECT_TRUE(list.targets.empty());
}

TEST_F(UrlListFile, AnEmptyFileAmongOtherSourcesIsFine) {
  write("");
  auto const list = SourceList({"http://a.example/", path_.string()}).load();
  ASSERT_TRUE(list.ok()) << list.errors.front();
  EXPECT_EQ(urls_of(list), (Urls{"http://a.example/"}));
}

TEST_F(UrlListFile, AMissingFileIsAnErrorNamingThePath) {
  auto const list = load();  // never written
  EXPECT_FALSE(list.ok());
  EXPECT_TRUE(list.targets.empty());
  ASSERT_EQ(list.errors.size(), 1u);
  EXPECT_TRUE(starts_with(list.errors[0], path_.string() + ":")) << list.errors[0];
}

TEST_F(UrlListFile, ADirectoryIsAClearError) {
  std::filesystem::create_directory(path_);
  auto const list = load();
  std::filesystem::remove(path_);
  ASSERT_EQ(list.errors.size(), 1u);
  EXPECT_EQ(list.errors[0],
            path_.string() + ": is a directory (give a list file, or URLs as operands)");
}

}  // namespace
}  // namespace poller
