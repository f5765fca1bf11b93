// Replays the fuzz seed corpus, and every input a fuzzer ever crashed on (kept in the same
// directories), through the fuzz targets' checks: each becomes a regression test that runs in
// every build, with or without clang. New inputs: scripts/fuzz.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/fuzz_checks.hpp"

namespace poller {
namespace {

namespace fs = std::filesystem;

using Check = std::string (*)(std::string_view);

// Runs `check` on every file of tests/fuzz/corpus/TARGET; returns how many there were.
std::size_t replay(const std::string& target, Check check) {
  std::size_t count = 0;
  for (auto const& entry : fs::directory_iterator(fs::path(POLLER_FUZZ_CORPUS) / target)) {
    std::ifstream file(entry.path(), std::ios::binary);
    std::string const input{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    EXPECT_EQ(check(input), "") << entry.path();
    ++count;
  }
  return count;
}

TEST(FuzzCorpus, UrlListInputsKeepEveryInvariant) {
  EXPECT_GT(replay("url_list", fuzz::check_url_list), 0u);
}

TEST(FuzzCorpus, LocationInputsKeepEveryInvariant) {
  EXPECT_GT(replay("location", fuzz::check_location), 0u);
}

TEST(FuzzCorpus, DurationInputsKeepEveryInvariant) {
  EXPECT_GT(replay("duration", fuzz::check_duration), 0u);
}

TEST(FuzzCorpus, SizeInputsKeepEveryInvariant) { EXPECT_GT(replay("size", fuzz::check_size), 0u); }

TEST(FuzzCorpus, ProxyInputsKeepEveryInvariant) { EXPECT_GT(replay("proxy", fuzz::check_proxy), 0u); }

}  // namespace
}  // namespace poller
