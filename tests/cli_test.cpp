// The command line and the URL file: usage and input errors exit 2 before any request.

#include <gtest/gtest.h>

#include "poller_test.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

TEST(Cli, EveryErrorOfTheUrlFileIsReportedAsFileLineAndNothingIsFetched) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", server.url("/good") + "\n" +
                                             "ftp://127.0.0.1/file\n"
                                             "# a comment\n"
                                             "\n"
                                             "http://has space.example/\n"
                                             "http://127.0.0.1:70000/\n"
                                             "https:///no-host\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find(list + ":2: unsupported scheme \"ftp\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(list + ":5: space or control character"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(list + ":6: bad port \"70000\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(list + ":7: "), std::string::npos) << result.err;
  EXPECT_EQ(count_of(result.err, list + ":"), 4u) << result.err;
  EXPECT_EQ(server.requests_served(), 0u);
  EXPECT_EQ(server.connections_accepted(), 0u);
}

TEST(Cli, ListWithoutAnyUrlIsAnInputError) {
  TempDir dir;
  auto list = dir.write_file("list.txt", "# nothing here\n\n");

  auto result = run_poller({list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(list + ": no URL in the list"), std::string::npos) << result.err;
}

TEST(Cli, MissingUrlFileIsAnInputError) {
  TempDir dir;
  auto result = run_poller({dir.path() + "/absent.txt"});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("absent.txt: cannot read: No such file or directory"), std::string::npos)
      << result.err;
}

TEST(Cli, UrlListIsReadFromStandardInputWithDash) {
  TestServer server;
  auto result = run_poller({"--interval", "0", "--count", "2", "-"},
                           lines({server.url("/x"), server.url("/y")}));

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/x\n/y\n/x\n/y\n");
}

TEST(Cli, CrlfLinesCommentsAndFragmentsAreAccepted) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", "  " + server.url("/one") + "  # first\r\n" + "\r\n" +
                                             "# skipped\r\n" + server.url("/two#section") + "\r\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/one\n/two\n");
}

TEST(Cli, BadOptionValuesAreUsageErrorsThatNameTheOption) {
  TempDir dir;
  auto list = dir.write_file("list.txt", "http://127.0.0.1:1/\n");

  auto interval = run_poller({"--interval", "5x", list});
  auto size = run_poller({"--max-filesize", "lots", list});
  auto resolve = run_poller({"--resolve", "example.com:443", list});
  auto header = run_poller({"-H", "X-Evil: a\r\nInjected: yes", list});
  auto unknown = run_poller({"--no-such-option", list});
  auto no_file = run_poller({});

  EXPECT_EQ(interval.exit_code, 2);
  EXPECT_NE(interval.err.find("--interval"), std::string::npos) << interval.err;
  EXPECT_EQ(size.exit_code, 2);
  EXPECT_NE(size.err.find("--max-filesize"), std::string::npos) << size.err;
  EXPECT_EQ(resolve.exit_code, 2);
  EXPECT_NE(resolve.err.find("--resolve"), std::string::npos) << resolve.err;
  EXPECT_EQ(header.exit_code, 2);
  EXPECT_NE(header.err.find("CR or LF"), std::string::npos) << header.err;
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(no_file.exit_code, 2);
}

TEST(Cli, HelpListsTheOptionsAndVersionPrintsTheVersion) {
  auto help = run_poller({"--help"});
  auto version = run_poller({"--version"});

  EXPECT_EQ(help.exit_code, 0);
  for (auto option : {"--interval", "--count", "--once", "--connect-timeout", "--max-time",
                      "--location", "--max-redirs", "--resolve", "--header", "--user-agent",
                      "--max-filesize", "--cacert", "--insecure", "--format", "--verbose", "--quiet"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "poller " POLLER_VERSION "\n");
}

}  // namespace
}  // namespace poller::test
