// Options on list lines: the words of a line (shell quoting), and what LineOptions makes of them
// with the command line's own option definitions.

#include "line_options.hpp"

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "command_line.hpp"
#include "poller/input/line_words.hpp"
#include "poller/input/url_list.hpp"
#include "support/subprocess.hpp"
#include "url_settings.hpp"

namespace poller {
namespace {

using Words = std::vector<std::string>;

// --- words ----------------------------------------------------------------------------------

TEST(LineWords, BlanksSeparateWordsAndQuotesKeepThemTogether) {
  auto const split = split_line_words(
      "http://a.example/x  --expect-body '\"status\": \"UP\"'\t-H \"X-A: b c\" -m 2s");
  EXPECT_EQ(split.error, "");
  EXPECT_EQ(split.words, (Words{"http://a.example/x", "--expect-body", R"("status": "UP")", "-H",
                                "X-A: b c", "-m", "2s"}));
}

TEST(LineWords, BackslashEscapesOutsideQuotesAndOnlyQuoteAndBackslashInDoubleQuotes) {
  EXPECT_EQ(split_line_words(R"(a\ b c\'d)").words, (Words{"a b", "c'd"}));
  EXPECT_EQ(split_line_words(R"("say \"hi\" \\ \n")").words, (Words{R"(say "hi" \ \n)"}));
  EXPECT_EQ(split_line_words(R"('a\b')").words, (Words{R"(a\b)"}));
}

TEST(LineWords, AdjacentPartsMakeOneWordAndEmptyQuotesAWord) {
  EXPECT_EQ(split_line_words(R"(--name=a'b c'"d" '' x)").words, (Words{"--name=ab cd", "", "x"}));
}

TEST(LineWords, AHashStartingAWordOutsideQuotesStartsAComment) {
  EXPECT_EQ(split_line_words("http://a.example/p#frag --name 'a # b' # the rest").words,
            (Words{"http://a.example/p#frag", "--name", "a # b"}));
  EXPECT_EQ(split_line_words("x \"#y\" z#w").words, (Words{"x", "#y", "z#w"}));
}

TEST(LineWords, AnUnbalancedQuoteIsAnError) {
  EXPECT_EQ(split_line_words("x 'abc").error, "unbalanced ' quote");
  EXPECT_EQ(split_line_words("x \"abc\\\"").error, "unbalanced \" quote");
}

// --- LineOptions ----------------------------------------------------------------------------

// The command line of a run, parsed as main() does, and a LineOptions over it.
struct CommandLine {
  explicit CommandLine(std::vector<std::string> args) {
    CLI::App app;
    define_options(app, options, texts);
    args.push_back("http://127.0.0.1/");
    std::reverse(args.begin(), args.end());
    app.parse(args);
    finish_options(texts, options);
    lines = std::make_unique<LineOptions>(options, texts);
  }

  Options options;
  OptionTexts texts;
  std::unique_ptr<LineOptions> lines;
};

struct LineOutcome {
  Target target;
  std::string error;
};

LineOutcome parse_line(CommandLine& run, const Words& words) {
  LineOutcome out{*parse_target("http://127.0.0.1/x").target, {}};
  out.error = run.lines->parse(words, "", out.target);
  return out;
}

TEST(LineOptions, ALineWithoutOptionsButANameKeepsTheCommandLinesSettings) {
  CommandLine run({"-m", "3s"});
  auto const line = parse_line(run, {"--name", "health"});
  EXPECT_EQ(line.error, "");
  EXPECT_EQ(line.target.name, "health");
  EXPECT_EQ(line.target.label(), "health");
  EXPECT_EQ(line.target.settings, nullptr);
}

TEST(LineOptions, ALinesValuesReplaceTheCommandLinesForItsUrlOnly) {
  CommandLine run({"-m", "3s", "--expect-status", "200", "-A", "cli/1"});
  auto const line = parse_line(run, {"-m", "250ms", "--expect-body", "UP", "-L", "-f"});
  ASSERT_EQ(line.error, "");
  ASSERT_NE(line.target.settings, nullptr);
  auto const& settings = *line.target.settings;
  EXPECT_EQ(settings.request.max_time, std::chrono::milliseconds(250));
  EXPECT_TRUE(settings.request.follow_redirects);
  EXPECT_EQ(settings.request.user_agent, "cli/1");  // not on the line: the command line's
  EXPECT_TRUE(settings.checks.fail_on_http_error);
  EXPECT_TRUE(settings.checks.expect_body.has_value());
  EXPECT_TRUE(settings.checks.expect_status.has_value());
  EXPECT_TRUE(settings.request.keep_body);  // --expect-body reads it

  // The next line starts from the command line again, not from the line before.
  auto const next = parse_line(run, {"--compressed"});
  ASSERT_NE(next.target.settings, nullptr);
  EXPECT_EQ(next.target.settings->request.max_time, std::chrono::seconds(3));
  EXPECT_FALSE(next.target.settings->request.follow_redirects);
  EXPECT_FALSE(next.target.settings->checks.expect_body.has_value());
}

TEST(LineOptions, HeadersGoOnTopOfTheCommandLinesByName) {
  CommandLine run({"-H", "X-Team: ops", "-H", "X-Env: prod"});
  auto const line = parse_line(run, {"-H", "X-Env: staging", "--header", "Authorization: Bearer t"});
  ASSERT_EQ(line.error, "");
  auto const& headers = line.target.settings->request.headers;
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers[0].name, "X-Team");
  EXPECT_EQ(headers[2].value, "staging");  // after the command line's X-Env: the last counts
  EXPECT_EQ(headers[3].value, "Bearer t");
}

TEST(LineOptions, ALinesBodyReplacesTheCommandLinesAndItsFileIsRelativeToTheListsDirectory) {
  test::TempDir dir;
  dir.write_file("call.json", "{\"id\":1}");
  CommandLine run({"-d", "cli=1"});
  LineOutcome line{*parse_target("http://127.0.0.1/x").target, {}};
  line.error = run.lines->parse({"--json", "@call.json", "-X", "PATCH"}, dir.path(), line.target);
  ASSERT_EQ(line.error, "");
  auto const& request = line.target.settings->request;
  ASSERT_TRUE(request.body.has_value());
  EXPECT_EQ(request.body->data, "{\"id\":1}");
  EXPECT_TRUE(request.body->json);
  EXPECT_EQ(request.effective_method(), "PATCH");
  // Without a body of its own, a line keeps the command line's.
  auto const method_only = parse_line(run, {"-X", "PUT"});
  EXPECT_EQ(method_only.target.settings->request.body->data, "cli=1");
  EXPECT_EQ(method_only.target.settings->request.effective_method(), "PUT");
  // A missing file is the line's error, naming the option and the file.
  auto const missing = parse_line(run, {"-d", "@missing.txt"});
  EXPECT_EQ(missing.error, "--data @missing.txt: cannot read: No such file or directory");
}

TEST(LineOptions, LinesWithDifferentBodyPiecesDoNotShareSettings) {
  CommandLine run({});
  auto const a = parse_line(run, {"-d", "a", "-d", "b"});
  auto const b = parse_line(run, {"-d", "x", "-d", "b"});
  ASSERT_NE(a.target.settings, nullptr);
  EXPECT_NE(a.target.settings, b.target.settings);
  EXPECT_EQ(a.target.settings->request.body->data, "a&b");
  EXPECT_EQ(b.target.settings->request.body->data, "x&b");
}

TEST(LineOptions, LinesGivingTheSameOptionsShareOneSettingsWhateverTheirNames) {
  CommandLine run({});
  auto const a = parse_line(run, {"--name", "a", "-H", "X-Token: 1", "-m", "2s"});
  auto const b = parse_line(run, {"-H", "X-Token: 1", "--name", "b", "--max-time", "2s"});
  auto const c = parse_line(run, {"-H", "X-Token: 2", "-m", "2s"});
  ASSERT_NE(a.target.settings, nullptr);
  EXPECT_EQ(a.target.settings, b.target.settings);
  EXPECT_NE(a.target.settings, c.target.settings);
  EXPECT_EQ(c.target.settings->request.headers.back().value, "2");
  EXPECT_EQ(b.target.name, "b");
}

// Within one reading of the lists, lines share their settings; the next reading (SIGHUP) makes
// them again, so a body file edited since is read again even if no line changed.
TEST(LineOptions, SettingsAreSharedWithinOneReadingAndMadeAgainInTheNext) {
  test::TempDir dir;
  dir.write_file("body.txt", "v1");
  CommandLine run({});
  auto line = [&] {
    LineOutcome out{*parse_target("http://127.0.0.1/x").target, {}};
    out.error = run.lines->parse({"--data-binary", "@body.txt"}, dir.path(), out.target);
    EXPECT_EQ(out.error, "");
    return out;
  };
  run.lines->start_reading();
  auto const first = line(), second = line();
  EXPECT_EQ(first.target.settings, second.target.settings);
  dir.write_file("body.txt", "v2");
  run.lines->start_reading();
  auto const reloaded = line();
  EXPECT_NE(reloaded.target.settings, first.target.settings);
  EXPECT_EQ(reloaded.target.settings->request.body->data, "v2");
  EXPECT_EQ(first.target.settings->request.body->data, "v1");
}

TEST(LineOptions, EachBadLineSaysWhy) {
  CommandLine run({});
  auto error = [&](const Words& words) { return parse_line(run, words).error; };
  EXPECT_EQ(error({"--interval", "3"}),
            "--interval applies to the whole run: give it on the command line, not on a list line");
  EXPECT_EQ(error({"-Z"}),
            "--parallel applies to the whole run: give it on the command line, not on a list line");
  EXPECT_EQ(error({"--nmae", "x"}), "unknown option --nmae (did you mean --name?)");
  EXPECT_EQ(error({"-m", "soon"}).rfind("--max-time: \"soon\" is not a duration", 0), 0u);
  EXPECT_EQ(error({"-m"}), "--max-time needs a value (DURATION)");
  EXPECT_EQ(error({"--expect-status", "abc"}).rfind("--expect-status", 0), 0u);
  EXPECT_EQ(error({"--expect-body", "("}).rfind("--expect-body", 0), 0u);
  EXPECT_EQ(error({"-H", "no colon"}), "header \"no colon\" is not of the form 'Name: value'");
  EXPECT_EQ(error({"--name", ""}),
            "--name: give a label (it names the URL in logs, output and metrics)");
  EXPECT_EQ(error({"--name", "a\nb"}), "--name: \"a\\nb\" holds a control character");
  // JSON and the metrics are UTF-8: a stray byte, or a C1 control (U+009B, CSI), is refused.
  EXPECT_EQ(error({"--name", "caf\xe9"}), "--name: \"caf\\xe9\" is not UTF-8 text");
  EXPECT_EQ(error({"--name", "a\xc2\x9b"}), "--name: \"a\\xc2\\x9b\" holds a control character");
  EXPECT_EQ(error({"--name", "café ✓"}), "");
  EXPECT_EQ(error({"-m", "1s", "extra"}),
            "\"extra\" after the URL is not an option (one URL per line, then options)");
  EXPECT_EQ(error({"--help"}), "unknown option --help (see poller --help)");
  // Numbers beyond what the setting holds are refused, not cut to 32 bits (2^32 was 0).
  EXPECT_EQ(error({"--max-redirs", "4294967296"}),
            "--max-redirs: \"4294967296\" is not a number of redirects (0 to 4294967295)");
  EXPECT_EQ(error({"--cert-expiry", "4294967297"}),
            "--cert-expiry: \"4294967297\" is not a number of days (0 to 4294967295, e.g. 14)");
  EXPECT_EQ(error({"--max-redirs", "4294967295"}), "");
}

TEST(LineOptions, NameOnTheCommandLineIsAUsageError) {
  EXPECT_THROW(CommandLine({"--name", "x"}), UsageError);
}

TEST(LineOptions, HelpMarksTheOptionsALineMayCarry) {
  CLI::App app;
  Options options;
  OptionTexts texts;
  define_options(app, options, texts);
  EXPECT_TRUE(app.get_option("--max-time")->get_description().ends_with("[per URL]"));
  EXPECT_TRUE(app.get_option("--name")->get_description().ends_with("[per URL]"));
  EXPECT_FALSE(app.get_option("--interval")->get_description().ends_with("[per URL]"));
}

// --- in the list ----------------------------------------------------------------------------

TEST(UrlListLineOptions, ErrorsCarryFileAndLineAndGoodLinesTheirSettings) {
  CommandLine run({});
  auto const list = parse_url_list(
      "http://127.0.0.1/a --name a -m 1s\n"        // 1
      "http://127.0.0.1/b --count 3\n"             // 2
      "# http://127.0.0.1/c --bad\n"               // 3
      "http://127.0.0.1/d --name 'unbalanced\n"    // 4
      "http://127.0.0.1/e   # -m 1s is a comment\n"  // 5
      "http://127.0.0.1/f -m x\n",                 // 6
      "checks.txt", run.lines->parser());
  ASSERT_EQ(list.errors.size(), 3u);
  EXPECT_EQ(list.errors[0],
            "checks.txt:2: --count applies to the whole run: give it on the command line, not on "
            "a list line");
  EXPECT_EQ(list.errors[1],
            "checks.txt:4: unbalanced ' quote: http://127.0.0.1/d --name 'unbalanced");
  EXPECT_EQ(list.errors[2].rfind("checks.txt:6: --max-time: \"x\" is not a duration", 0), 0u);
  ASSERT_EQ(list.targets.size(), 2u);
  EXPECT_EQ(list.targets[0].name, "a");
  EXPECT_NE(list.targets[0].settings, nullptr);
  EXPECT_EQ(list.targets[1].display_url, "http://127.0.0.1/e");
  EXPECT_EQ(list.targets[1].settings, nullptr);
}

// Quoting is for the options: the URL, the line's first word, is taken as written.
TEST(UrlListLineOptions, TheUrlIsTheFirstWordAsWrittenAndQuotingIsForTheOptionsAfterIt) {
  CommandLine run({});
  auto const list = parse_url_list(
      "http://127.0.0.1/search?q='drop'&t='x' -H 'X-A: b c' --name \"it's\"\n"  // 1
      "http://127.0.0.1/wiki/Ender's_Game\t-m 1s\n"                            // 2
      "http://127.0.0.1/it's a page\n",                                         // 3
      "checks.txt", run.lines->parser());
  // A second word that is no option: the whole text is judged as the URL.
  ASSERT_EQ(list.errors.size(), 1u);
  EXPECT_EQ(list.errors[0],
            "checks.txt:3: space or control character in URL: http://127.0.0.1/it's a page");
  ASSERT_EQ(list.targets.size(), 2u);
  EXPECT_EQ(list.targets[0].url, "http://127.0.0.1/search?q='drop'&t='x'");
  EXPECT_EQ(list.targets[0].request_target, "/search?q='drop'&t='x'");
  EXPECT_EQ(list.targets[0].name, "it's");
  EXPECT_EQ(list.targets[0].settings->request.headers.back().value, "b c");
  EXPECT_EQ(list.targets[1].display_url, "http://127.0.0.1/wiki/Ender's_Game");
  EXPECT_EQ(list.targets[1].settings->request.max_time, std::chrono::seconds(1));
}

TEST(UrlListLineOptions, WithoutAParserAnOptionAfterTheUrlIsAnError) {
  auto const list = parse_url_list("http://127.0.0.1/a -m 1s\n", "urls.txt");
  ASSERT_EQ(list.errors.size(), 1u);
  EXPECT_EQ(list.errors[0], "urls.txt:1: options after the URL are not taken here");
}

}  // namespace
}  // namespace poller
