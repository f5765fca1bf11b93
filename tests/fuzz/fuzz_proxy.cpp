// libFuzzer target: see fuzz_checks.hpp for what must hold, scripts/fuzz to run it.

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view const input(reinterpret_cast<const char*>(data), size);
  if (auto const broken = poller::fuzz::check_proxy(input); !broken.empty()) {
    std::fprintf(stderr, "check_proxy: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
