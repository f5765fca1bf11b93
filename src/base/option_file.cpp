#include "poller/base/option_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

struct FileClose {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

std::string read_option_file(std::string_view option, const std::filesystem::path& path) {
  auto const fail = [&] {
    return UsageError(
        fmt::format("{} @{}: cannot read: {}", option, path.string(), std::strerror(errno)));
  };
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw fail();
  std::string bytes;
  char chunk[64 * 1024];
  for (;;) {
    auto const n = std::fread(chunk, 1, sizeof chunk, file.get());
    bytes.append(chunk, n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(file.get())) throw fail();
  return bytes;
}

}  // namespace poller
