// --help for people: options in groups, wrapped to the terminal's width, and the man page and
// the bash completion listing the same options in the same groups.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "poller_test.hpp"
#include "support/tmux_screen.hpp"

namespace poller::test {
namespace {

const std::vector<std::string> groups{"Rounds", "Requests", "Transport", "Checks",
                                      "State and alerts", "Output", "Fleet", "Logging", "Help"};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t longest_line(const std::string& text) {
  std::size_t longest = 0;
  for (auto const& line : lines_of(text)) longest = std::max(longest, line.size());
  return longest;
}

// The help's words in one line: a word broken at a line's end would show here as two.
std::string words_of(const std::string& text) {
  return std::regex_replace(text, std::regex("\\s+"), " ");
}

// Each group of --help and the long options under it, in order.
std::map<std::string, std::set<std::string>> options_by_group(const std::string& help) {
  std::map<std::string, std::set<std::string>> found;
  std::string group;
  std::regex const option("^  (?:-\\w, |    )--([a-z0-9-]+)");
  for (auto const& line : lines_of(help)) {
    if (!line.empty() && line.back() == ':' && line.front() != ' ') group = line.substr(0, line.size() - 1);
    std::smatch match;
    if (!group.empty() && std::regex_search(line, match, option)) found[group].insert(match[1]);
  }
  return found;
}

std::string read_source_file(const std::string& path) {
  std::ifstream in(std::string(POLLER_SOURCE_DIR) + "/" + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Help, OptionsComeInGroupsWrappedTo80ColumnsOffATerminal) {
  auto const help = run_poller({"--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  EXPECT_LE(longest_line(help.out), 80u) << help.out;

  std::size_t at = 0;
  for (auto const& group : groups) {
    auto const heading = help.out.find("\n" + group + ":\n", at);
    EXPECT_NE(heading, std::string::npos) << group << " missing or out of order:\n" << help.out;
    at = heading == std::string::npos ? at : heading;
  }
  auto const by_group = options_by_group(help.out);
  EXPECT_TRUE(by_group.at("Rounds").contains("parallel"));
  EXPECT_TRUE(by_group.at("Transport").contains("max-connections"));
  EXPECT_TRUE(by_group.at("State and alerts").contains("on-state"));
  EXPECT_TRUE(by_group.at("Help").contains("help"));
  // Whole words, and none of CLI11's own notes.
  auto const words = words_of(help.out);
  EXPECT_NE(words.find("Idle keep-alive connections kept open, over all hosts"), std::string::npos);
  EXPECT_NE(words.find("-i, --interval DURATION Period between round starts"), std::string::npos);
  EXPECT_NE(words.find("(default: 5s)"), std::string::npos) << words;
  for (auto const residue : {"Excludes", "Needs:", "REQUIRED", "[Option", "TEXT:", "OPTIONS:"}) {
    EXPECT_EQ(help.out.find(residue), std::string::npos) << residue;
  }
}

TEST(Help, OnATerminalItIsWrappedToItsWidth) {
  // Tall enough for the whole help: the screen shows all of it.
  TmuxScreen screen({POLLER_BINARY, "--help"}, 120, 300);
  ASSERT_EQ(screen.wait_for_exit(std::chrono::seconds(10)), 0);
  auto const shown = screen.capture();
  EXPECT_LE(longest_line(shown), 120u) << shown;
  EXPECT_GT(longest_line(shown), 100u) << shown;
  EXPECT_NE(shown.find("Rounds:"), std::string::npos) << shown;
}

TEST(Help, TheManPageAndTheCompletionHaveEveryOptionOfTheHelp) {
  auto const help = run_poller({"--help"});
  auto const man = read_source_file("man/poller.1");
  auto const completion = read_source_file("completions/poller.bash");
  ASSERT_FALSE(man.empty());
  for (auto const& [group, options] : options_by_group(help.out)) {
    // The man page's OPTIONS section has a subsection per group, with the group's options in it.
    auto const start = man.find("\n.SS " + group + "\n");
    ASSERT_NE(start, std::string::npos) << "no .SS " << group;
    auto const end = std::min(man.find("\n.SS ", start + 1), man.find("\n.SH ", start + 1));
    auto const section = man.substr(start, end - start);
    for (auto const& option : options) {
      EXPECT_NE(section.find("\\-\\-" + std::regex_replace(option, std::regex("-"), "\\-")),
                std::string::npos)
          << "--" << option << " not under .SS " << group;
      EXPECT_NE(completion.find(" --" + option), std::string::npos)
          << "--" << option << " not in the completion";
    }
  }
}

}  // namespace
}  // namespace poller::test
