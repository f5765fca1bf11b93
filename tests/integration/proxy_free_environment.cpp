// Children inherit the test binary's environment: a proxy set on the machine that runs the tests
// would carry poller's loopback requests elsewhere. So no proxy variable reaches a child unless
// a test sets it for that child (proxy_run_test.cpp does, through /usr/bin/env).

#include <gtest/gtest.h>

#include <cstdlib>

namespace poller::test {
namespace {

class ProxyFreeEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
      ::unsetenv(name);
    }
  }
};

[[maybe_unused]] auto* const proxy_free = ::testing::AddGlobalTestEnvironment(new ProxyFreeEnvironment);

}  // namespace
}  // namespace poller::test
