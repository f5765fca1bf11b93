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

// curl would fetch it; poller says which URL it takes it for, and fetches nothing.
TEST(Cli, AnOperandThatLooksLikeAHostIsAnErrorSuggestingTheUrl) {
  TestServer server;
  auto const operand = "127.0.0.1:" + std::to_string(server.port());
  auto result = run_poller({"--once", operand, server.url("/other")});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(operand + ": no such file, and not a URL: did you mean http://" +
                            operand + "/?"),
            std::string::npos)
      << result.err;
  EXPECT_TRUE(server.requests().empty());
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

// What a newcomer types wrong, and what poller answers: one line that says what to do, exit 2.
TEST(Cli, EveryCommonMistakeGetsOneLineThatSaysWhatToDoAndExit2) {
  TempDir dir;
  auto const url = "http://127.0.0.1:1/";  // never fetched: every case fails before a request
  struct Mistake {
    std::vector<std::string> args;
    std::string err;
  };
  std::vector<Mistake> const mistakes{
      {{"--count", "0", url},
       "poller: --count: \"0\" is not a number of rounds: give 1 or more, or leave --count out to "
       "run until stopped\n"},
      {{dir.path()},
       "poller: " + dir.path() + ": is a directory (give a list file, or URLs as operands)\n"},
      {{url, "--intervl", "5"}, "poller: unknown option --intervl (did you mean --interval?)\n"},
      {{"--max-file", "1M", url},
       "poller: unknown option --max-file (did you mean --max-filesize?)\n"},
      {{"-V"}, "poller: unknown option -V (did you mean --version?)\n"},
      {{"--interval", "99999999999", url},
       "poller: --interval: \"99999999999\" is too long (at most about 292 years)\n"},
      {{"--interval", "5x", url},
       "poller: --interval: \"5x\" is not a duration (a number of seconds, or numbers with ms, s, "
       "m, h or d, e.g. 5, 0.25, 250ms, 2m, 1h30m, 1d)\n"},
      {{"--cert-expiry", "-1", url},
       "poller: --cert-expiry: \"-1\" is not a number of days (0 to 4294967295, e.g. 14)\n"},
      {{"--once", "--count", "3", url},
       "poller: --once is --count 1: give one or the other, not both\n"},
      {{},
       "poller: no URL or list file given (poller [OPTIONS] SOURCE..., e.g. poller "
       "https://example.com/ or poller urls.txt)\n"},
      {{"http://127.0.0.1:70000/"},
       "poller: bad URL \"http://127.0.0.1:70000/\": bad port \"70000\"\n"},
      {{"-", "-"}, "poller: - (standard input) given more than once\n"},
      {{"--format", "xml", url}, "poller: --format: xml not in {body,json,none,line,board}\n"},
      {{url, "--interval"}, "poller: --interval needs a value (DURATION)\n"},
  };
  for (auto const& mistake : mistakes) {
    std::vector<std::string> argv{POLLER_BINARY};
    argv.insert(argv.end(), mistake.args.begin(), mistake.args.end());
    auto const result = run_process(argv);
    std::string command = "poller";
    for (auto const& arg : mistake.args) command += " " + arg;
    EXPECT_EQ(result.exit_code, 2) << command;
    EXPECT_EQ(result.err, mistake.err) << command;
    EXPECT_EQ(result.out, "") << command;
  }
}

// A number beyond what its setting holds is refused, never cut to 32 bits: 4294967296 (2^32)
// redirects were 0, and 4294967297 were 1.
TEST(Cli, NumbersBeyondTheirRangeAreUsageErrorsNamingTheRange) {
  auto const url = "http://127.0.0.1:1/";  // never fetched
  struct Case {
    std::string option, value, err;
  };
  std::vector<Case> const cases{
      {"--max-redirs", "4294967296",
       "--max-redirs: \"4294967296\" is not a number of redirects (0 to 4294967295)"},
      {"--max-redirs", "4294967297",
       "--max-redirs: \"4294967297\" is not a number of redirects (0 to 4294967295)"},
      {"--max-redirs", "18446744073709551616",
       "--max-redirs: \"18446744073709551616\" is not a number of redirects (0 to 4294967295)"},
      {"--cert-expiry", "4294967296",
       "--cert-expiry: \"4294967296\" is not a number of days (0 to 4294967295, e.g. 14)"},
  };
  for (auto const& c : cases) {
    auto const result = run_poller({"--once", c.option, c.value, url});
    EXPECT_EQ(result.exit_code, 2) << c.option << " " << c.value;
    EXPECT_EQ(result.err, "poller: " + c.err + "\n");
  }
}

TEST(Cli, DurationsMayCombineUnitsAndUseDays) {
  TestServer server;
  auto result = run_poller({"--once", "--interval", "1h30m", "--max-time", "1d", server.url("/a")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n");
}

TEST(Cli, UrlOperandsListFilesAndStandardInputAreFetchedInTheOrderGiven) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", lines({server.url("/file1"), server.url("/file2")}));
  auto empty = dir.write_file("empty.txt", "# nothing yet\n");

  auto result = run_poller(
      {"-i", "0", "-n", "1", server.url("/first"), list, "-", empty, server.url("/last")},
      lines({server.url("/stdin")}));

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/first\n/file1\n/file2\n/stdin\n/last\n");
}

TEST(Cli, NoUrlInAllTheSourcesTogetherIsAnInputError) {
  TempDir dir;
  auto one = dir.write_file("one.txt", "# nothing\n");
  auto two = dir.write_file("two.txt", "\n");

  auto result = run_poller({one, two});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "poller: no URL in any of " + one + ", " + two + "\n");
}

TEST(Cli, ListErrorsSayPollerAndNameFileAndLine) {
  TempDir dir;
  auto list = dir.write_file("list.txt", "ftp://127.0.0.1/\n");

  auto result = run_poller({list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "poller: " + list +
                            ":1: unsupported scheme \"ftp\" (only http and https): "
                            "ftp://127.0.0.1/\n");
}

TEST(Cli, WriteOutTemplateIsReadFromAFileWithAt) {
  TestServer server;
  TempDir dir;
  auto format = dir.write_file("format.txt", "code=%{http_code} url=%{url}\n");

  auto result = run_poller({"--once", "--format", "none", "-w", "@" + format, server.url("/a")});
  auto missing = run_poller({"--once", "-w", "@" + dir.path() + "/absent.txt", server.url("/a")});
  auto from_stdin = run_poller({"--once", "-w", "@-", server.url("/a")});
  // A directory opens, and fails at its first read: an error, not an empty template.
  auto directory = run_poller({"--once", "-w", "@" + dir.path(), server.url("/a")});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "code=200 url=" + server.url("/a") + "\n");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "poller: --write-out @" + dir.path() +
                             "/absent.txt: cannot read: No such file or directory\n");
  EXPECT_EQ(from_stdin.exit_code, 2);
  EXPECT_NE(from_stdin.err.find("-w @FILE"), std::string::npos) << from_stdin.err;
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_EQ(directory.err,
            "poller: --write-out @" + dir.path() + ": cannot read: Is a directory\n");
  EXPECT_EQ(server.requests_served(), 1u);  // the first run's: the others fetch nothing
}

TEST(Cli, JsonTimesAreFixedPointSecondsNeverAnExponent) {
  TestServer server;
  auto json = run_poller({"--once", "--format", "json", server.url("/a")});
  auto write_out = run_poller({"--once", "--format", "none", "-w", "%{json}\n", server.url("/a")});

  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(write_out.exit_code, 0) << write_out.err;
  for (auto const* out : {&json.out, &write_out.out}) {
    EXPECT_EQ(out->find("e-"), std::string::npos) << *out;
    EXPECT_EQ(out->find("E-"), std::string::npos) << *out;
    EXPECT_NE(out->find("\"time_total\":0."), std::string::npos) << *out;
    EXPECT_EQ(jq(".time_total | type", *out).out, "\"number\"\n");
  }
}

// journalctl ... | jq must not break on the errors of the start-up either.
TEST(Cli, WithLogFormatJsonEveryStartUpErrorIsAJsonLine) {
  TempDir dir;
  auto list = dir.write_file("list.txt", "ftp://127.0.0.1/\nhttp://127.0.0.1:70000/\n");
  std::vector<ProcessResult> const results{
      run_poller({"--log-format", "json", list}),
      run_poller({"--log-format=json", dir.path() + "/absent.txt"}),
      run_poller({"--log-format", "json", "--intervl", "5", list}),
      run_poller({"--log-format", "json", "--count", "0", list}),
      run_poller({"--log-format", "json", "--format", "xml", list}),
      run_poller({"--log-format", "json", dir.path()}),
  };
  for (auto const& result : results) {
    EXPECT_EQ(result.exit_code, 2) << result.err;
    ASSERT_FALSE(result.err.empty());
    auto const levels = jq(".level", result.err);
    EXPECT_EQ(levels.exit_code, 0) << result.err;
    EXPECT_EQ(count_of(levels.out, "\"error\""), count_of(result.err, "\n")) << result.err;
  }
}

TEST(Cli, ARawPasswordWithHashSlashOrQuestionMarkNeverShowsInAnError) {
  TempDir dir;
  auto list = dir.write_file("list.txt",
                             "http://user:hunter#2@127.0.0.1/\n"
                             "http://user:hunter/2@127.0.0.1/\n"
                             "http://user:hunter?2@127.0.0.1/\n"
                             "http://user:1234#5@127.0.0.1/\n");

  auto result = run_poller({"--once", list});
  auto operand = run_poller({"--once", "http://user:hunter#2@127.0.0.1/"});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(count_of(result.err, list + ":"), 4u) << result.err;
  EXPECT_EQ(result.err.find("hunter"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("1234"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("percent-encoded"), std::string::npos) << result.err;
  EXPECT_EQ(operand.exit_code, 2);
  EXPECT_EQ(operand.err.find("hunter"), std::string::npos) << operand.err;
}

TEST(Cli, AListFileMayStartWithAUtf8ByteOrderMark) {
  TestServer server;
  TempDir dir;
  auto list = dir.write_file("list.txt", "\xEF\xBB\xBF" + server.url("/a") + "\r\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/a\n");
}

TEST(Cli, ControlBytesOfAListReachTheLogEscaped) {
  TempDir dir;
  auto list = dir.write_file("list.txt",
                             "http://127.0.0.1/\x1b]0;owned\x07\x1b[2J\n"
                             "http://127.0.0.1/\xc2\x9b"
                             "2J\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\x07'), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("\xc2\x9b"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace poller::test
