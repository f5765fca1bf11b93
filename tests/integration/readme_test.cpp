// The README's "What you type, what you see", replayed as written: each `$ poller ...` of it
// runs in a directory with the README's own urls.txt, against a real nginx serving the pages the
// README fetches (its port 8080 replaced by the server's), and must print what the README shows;
// each `$ echo $?` is the exit status. A README that drifts from the binary fails here.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>

#include "poller_test.hpp"
#include "support/nginx.hpp"

namespace poller::test {
namespace {

std::string readme_section(const std::string& heading) {
  std::ifstream in(std::string(POLLER_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  auto const all = text.str();
  auto const start = all.find("\n## " + heading + "\n");
  if (start == std::string::npos) return {};
  auto const end = all.find("\n## ", start + 1);
  return all.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The code lines of a section (indented by four), without the indent.
std::vector<std::string> code_lines(const std::string& section) {
  std::vector<std::string> lines;
  std::istringstream in(section);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("    ")) lines.push_back(line.substr(4));
  }
  return lines;
}

std::vector<std::string> words(const std::string& command) {
  std::vector<std::string> result;
  std::istringstream in(command);
  for (std::string word; in >> word;) result.push_back(word);
  return result;
}

// A log line's time differs from run to run.
std::string without_times(std::string text) {
  return std::regex_replace(text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )"), "TIME ");
}

TEST(Readme, WhatYouTypeWhatYouSeeIsWhatPollerPrints) {
  auto const lines = code_lines(readme_section("What you type, what you see"));
  ASSERT_GT(lines.size(), 10u) << "no transcript found in the README";
  auto nginx = std::make_unique<NginxServer>(
      NginxOptions{.files = {{"status.txt", "ok\n"}, {"version.txt", "v1.4.2\n"}}});
  auto const port = std::to_string(nginx->port());
  auto const with_port = [&](std::string text) {
    return std::regex_replace(text, std::regex(":8080"), ":" + port);
  };
  TempDir dir;
  std::optional<ProcessResult> last;
  std::size_t commands = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].starts_with("$ ")) continue;
    auto const command = lines[i].substr(2);
    std::vector<std::string> shown;
    while (i + 1 < lines.size() && !lines[i + 1].starts_with("$ ")) shown.push_back(lines[++i]);

    if (command == "cat urls.txt") {
      std::string list;
      for (auto const& line : shown) list += with_port(line) + "\n";
      dir.write_file("urls.txt", list);
    } else if (command == "echo $?") {
      ASSERT_TRUE(last) << "echo $? before any command";
      EXPECT_EQ(std::to_string(last->exit_code), shown.at(0)) << "after: " << lines[i - 2];
    } else if (command.starts_with("poller ")) {
      // A transcript that shows errors of the list: the list it read is made from them.
      std::regex const list_error(R"(^poller: urls\.txt:(\d+): .*: (\S+)$)");
      std::vector<std::string> list;
      for (auto const& line : shown) {
        std::smatch match;
        if (!std::regex_match(line, match, list_error)) continue;
        auto const at = std::stoul(match[1]);
        list.resize(std::max(list.size(), at), "# a line");
        list[at - 1] = match[2];
      }
      if (!list.empty()) {
        std::string text;
        for (auto const& line : list) text += line + "\n";
        dir.write_file("urls.txt", text);
      }
      // A transcript that shows a refused connection is one with the server gone.
      for (auto const& line : shown) {
        if (line.find("Connection refused") != std::string::npos) nginx.reset();
      }
      std::vector<std::string> argv{"/usr/bin/env", "-C", dir.path(), POLLER_BINARY};
      for (auto const& word : words(command.substr(7))) argv.push_back(with_port(word));
      last = run_process(argv);
      std::string expected;
      for (auto const& line : shown) expected += with_port(line) + "\n";
      EXPECT_EQ(without_times(last->out + last->err), without_times(expected)) << "$ " << command;
      ++commands;
    }
  }
  EXPECT_GE(commands, 5u);
}

}  // namespace
}  // namespace poller::test
