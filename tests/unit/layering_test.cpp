// The layer graph, and the test that holds every #include of src/ and include/ to it. Every
// library sees all of include/, so this test, not the compiler, is what stops an include that
// points the wrong way (a report file reaching into the client, a public header including a
// private one).

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace poller {
namespace {

namespace fs = std::filesystem;

// The graph, in one place: which layers each layer may include, besides itself. Data flows one
// way: sources -> list -> fetch -> verdict -> listeners (see docs/ARCHITECTURE.md).
const std::map<std::string, std::set<std::string>> may_include = {
    {"base", {}},
    {"input", {"base"}},
    {"client", {"input", "base"}},
    {"report", {"input", "base"}},
    {"metrics", {"report", "input", "base"}},
    {"app", {"client", "report", "metrics", "input", "base"}},
};

// What is wrong with the #include lines of `text`, a file of `layer` at `path` (relative to the
// project's root; a public header when under include/). `exists` says whether a project file is
// there.
template <class Exists>
std::vector<std::string> include_violations(const std::string& path, const std::string& layer,
                                            const std::string& text, Exists exists) {
  static const std::regex include_line(R"re(^\s*#\s*include\s+"([^"]+)")re");
  bool const public_header = path.rfind("include/", 0) == 0;
  auto const dir = fs::path(path).parent_path();
  std::vector<std::string> violations;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::smatch match;
    if (!std::regex_search(line, match, include_line)) continue;
    auto const included = match[1].str();
    auto const where = path + ":" + std::to_string(number) + ": " + included + ": ";
    if (included.rfind("poller/", 0) == 0) {
      auto const rest = included.substr(7);
      auto const to = rest.substr(0, rest.find('/'));
      if (!may_include.contains(to) || to == "app" || rest.find('/') == std::string::npos) {
        violations.push_back(where + "not include/poller/<layer>/NAME.hpp");
      } else if (to != layer && !may_include.at(layer).contains(to)) {
        violations.push_back(where + layer + " may not use " + to);
      } else if (!exists("include/" + included)) {
        violations.push_back(where + "no such public header");
      }
    } else if (included.find("..") != std::string::npos) {
      violations.push_back(where + "reaches out of its directory");
    } else if (public_header) {
      violations.push_back(where + "a public header includes a private one");
    } else if (!exists((dir / included).string())) {
      violations.push_back(where + "not a header beside it (a private header of another layer?)");
    }
  }
  return violations;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Layering, EveryIncludeFollowsTheLayerGraph) {
  fs::path const root = POLLER_SOURCE_DIR;
  auto const exists = [&](const std::string& relative) { return fs::is_regular_file(root / relative); };
  std::vector<std::string> violations;
  std::size_t files = 0;
  for (auto const& [layer, allowed] : may_include) {
    for (auto const& top : {root / "src" / layer, root / "include" / "poller" / layer}) {
      if (!fs::is_directory(top)) continue;
      for (auto const& entry : fs::recursive_directory_iterator(top)) {
        auto const extension = entry.path().extension();
        if (extension != ".cpp" && extension != ".hpp") continue;
        ++files;
        auto const relative = fs::relative(entry.path(), root).string();
        auto const found = include_violations(relative, layer, read_file(entry.path()), exists);
        violations.insert(violations.end(), found.begin(), found.end());
      }
    }
  }
  EXPECT_GT(files, 50u) << "the tree was not found under " << root;
  std::string report;
  for (auto const& violation : violations) report += violation + "\n";
  EXPECT_TRUE(violations.empty()) << report;
}

TEST(Layering, NoPublicHeaderIsLeftUnderSrc) {
  fs::path const root = POLLER_SOURCE_DIR;
  for (auto const& entry : fs::recursive_directory_iterator(root / "src")) {
    EXPECT_NE(entry.path().filename(), "include") << entry.path();
  }
}

// The checker itself, on lines made up for it: each kind of wrong include is caught.
TEST(Layering, TheCheckerCatchesEachKindOfWrongInclude) {
  auto const exists = [](const std::string& path) {
    return path == "include/poller/client/http_client.hpp" ||
           path == "include/poller/base/text.hpp" || path == "src/report/private.hpp";
  };
  auto const check = [&](const std::string& path, const std::string& layer,
                         const std::string& line) {
    return include_violations(path, layer, line + "\n", exists).size();
  };
  EXPECT_EQ(check("src/report/a.cpp", "report", R"(#include "poller/client/http_client.hpp")"), 1u);
  EXPECT_EQ(check("src/base/a.cpp", "base", R"(#include "poller/client/http_client.hpp")"), 1u);
  EXPECT_EQ(check("src/report/a.cpp", "report", R"(#include "poller/base/missing.hpp")"), 1u);
  EXPECT_EQ(check("src/report/a.cpp", "report", R"(#include "poller/text.hpp")"), 1u);
  EXPECT_EQ(check("src/report/a.cpp", "report", R"(#include "../client/exchange.hpp")"), 1u);
  EXPECT_EQ(check("src/report/a.cpp", "report", R"(#include "exchange.hpp")"), 1u);
  EXPECT_EQ(check("include/poller/report/a.hpp", "report", R"(#include "private.hpp")"), 1u);
  // And what is right passes.
  EXPECT_EQ(check("src/app/a.cpp", "app", R"(#include "poller/client/http_client.hpp")"), 0u);
  EXPECT_EQ(check("src/report/a.cpp", "report", R"(#include "poller/base/text.hpp")"), 0u);
  EXPECT_EQ(check("src/report/a.cpp", "report", R"(#include "private.hpp")"), 0u);
  EXPECT_EQ(check("src/report/a.cpp", "report", "#include <vector>"), 0u);
}

}  // namespace
}  // namespace poller
