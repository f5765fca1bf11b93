// The TLS failure matrix: each way a server's certificate or protocol can be wrong fails that
// URL with exit status 1 and an error naming the reason, while a good HTTPS URL of the same list
// is still printed; --insecure accepts exactly those that fail verification only.

#include <gtest/gtest.h>

#include <filesystem>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// example.com is a real name; --resolve maps it to loopback, so no DNS query leaves the machine.
const std::string mapped_host = "example.com";

enum class Flaw {
  expired,
  not_yet_valid,
  wrong_host_name,
  self_signed,
  untrusted_ca,
  missing_intermediate,
  tls1_0_only,
  tls1_1_only,
};

struct TlsCase {
  Flaw flaw;
  std::string name;
  std::string error;       // after "URL: "
  bool verification_only;  // -k accepts it
};

void PrintTo(const TlsCase& tls_case, std::ostream* out) { *out << tls_case.name; }

const TlsCase tls_cases[] = {
    {Flaw::expired, "Expired", "TLS certificate verification failed: certificate has expired",
     true},
    {Flaw::not_yet_valid, "NotYetValid",
     "TLS certificate verification failed: certificate is not yet valid", true},
    {Flaw::wrong_host_name, "WrongHostName",
     "TLS certificate verification failed: hostname mismatch", true},
    {Flaw::self_signed, "SelfSigned",
     "TLS certificate verification failed: self-signed certificate", true},
    {Flaw::untrusted_ca, "UntrustedCa",
     "TLS certificate verification failed: unable to get local issuer certificate", true},
    // The server sends its leaf without the intermediate that signed it.
    {Flaw::missing_intermediate, "MissingIntermediate",
     "TLS certificate verification failed: unable to get local issuer certificate", true},
    {Flaw::tls1_0_only, "Tls10Only",
     "TLS handshake failed: the server does not offer TLS 1.2 or newer (tlsv1 alert protocol "
     "version (SSL routines))",
     false},
    {Flaw::tls1_1_only, "Tls11Only",
     "TLS handshake failed: the server does not offer TLS 1.2 or newer (tlsv1 alert protocol "
     "version (SSL routines))",
     false},
};

struct TlsFailure : ::testing::TestWithParam<TlsCase> {
  TestCa ca;
  TempDir dir;
  std::string ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer healthy{{.tls = ca.issue({.ip_addresses = {"127.0.0.1"}})}};

  TestServerOptions flawed_server_options(Flaw flaw) const {
    CertSpec const good_name{.dns_names = {mapped_host}};
    switch (flaw) {
      case Flaw::expired:
        return {.tls =
                    ca.issue({.dns_names = {mapped_host}, .not_before = -48h, .not_after = -24h})};
      case Flaw::not_yet_valid:
        return {.tls = ca.issue({.dns_names = {mapped_host}, .not_before = 24h, .not_after = 48h})};
      case Flaw::wrong_host_name:
        return {.tls = ca.issue({.dns_names = {"www.example.org"}})};
      case Flaw::self_signed:
        return {.tls = make_self_signed(good_name)};
      case Flaw::untrusted_ca:
        return {.tls = TestCa("some other CA").issue(good_name)};
      case Flaw::missing_intermediate:
        return {.tls = ca.issue_intermediate("poller test intermediate").issue(good_name)};
      case Flaw::tls1_0_only:
        return {.tls = ca.issue(good_name), .tls_max_version = TlsVersion::tls1_0};
      case Flaw::tls1_1_only:
        return {.tls = ca.issue(good_name), .tls_max_version = TlsVersion::tls1_1};
    }
    return {};
  }

  // One round of [flawed URL, healthy URL], trusting our CA.
  ProcessResult run(const TestServer& flawed, const std::string& flawed_url, bool insecure) {
    auto const list = dir.write_file("list.txt", lines({flawed_url, healthy.url("/healthy")}));
    std::vector<std::string> argv{
        POLLER_BINARY, "--once",
        "--cacert",    ca_file,
        "--resolve",   mapped_host + ":" + std::to_string(flawed.port()) + ":127.0.0.1"};
    if (insecure) argv.push_back("-k");
    argv.push_back(list);
    return run_process(argv);
  }
};

TEST_P(TlsFailure, FailsWithExit1AndAnErrorNamingTheReason) {
  TestServer flawed(flawed_server_options(GetParam().flaw));
  auto const url = "https://" + mapped_host + ":" + std::to_string(flawed.port()) + "/flawed";

  auto result = run(flawed, url, false);

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/healthy\n");
  EXPECT_EQ(log_messages(result.err), times(1, url + ": " + GetParam().error)) << result.err;
  EXPECT_EQ(flawed.requests_served(), 0u);
}

TEST_P(TlsFailure, InsecureAcceptsItOnlyWhenVerificationAloneFails) {
  TestServer flawed(flawed_server_options(GetParam().flaw));
  auto const url = "https://" + mapped_host + ":" + std::to_string(flawed.port()) + "/flawed";

  auto result = run(flawed, url, true);

  if (GetParam().verification_only) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "/flawed\n/healthy\n");
    EXPECT_EQ(log_messages(result.err), std::vector<std::string>{}) << result.err;
  } else {
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.out, "/healthy\n");
    EXPECT_EQ(log_messages(result.err), times(1, url + ": " + GetParam().error)) << result.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, TlsFailure, ::testing::ValuesIn(tls_cases),
                         [](const auto& info) { return info.param.name; });

// The controls: without their flaw, the same servers are accepted.

TEST(TlsControls, LeafServedWithItsIntermediateIsAccepted) {
  TestCa ca;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  auto const intermediate = ca.issue_intermediate("poller test intermediate");
  auto leaf = intermediate.issue({.dns_names = {mapped_host}});
  leaf.cert_pem += intermediate.cert_pem();
  TestServer server({.tls = leaf});
  auto const list = dir.write_file("list.txt", lines({"https://" + mapped_host + ":" +
                                                      std::to_string(server.port()) + "/chain"}));

  auto result =
      run_poller({"--once", "--cacert", ca_file, "--resolve",
                  mapped_host + ":" + std::to_string(server.port()) + ":127.0.0.1", list});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/chain\n");
}

TEST(TlsControls, TheTls11OnlyServerDoesSpeakTls11) {
  // Proves the TLS 1.1 row fails for its protocol, not for a server that cannot handshake at all.
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/openssl")) << "scripts/bootstrap --test installs it";
  TestCa ca;
  TestServer server(
      {.tls = ca.issue({.ip_addresses = {"127.0.0.1"}}), .tls_max_version = TlsVersion::tls1_1});

  auto result = run_process({"/usr/bin/openssl", "s_client", "-connect",
                             "127.0.0.1:" + std::to_string(server.port()), "-tls1_1", "-cipher",
                             "DEFAULT@SECLEVEL=0"});

  EXPECT_NE(result.out.find("Protocol  : TLSv1.1"), std::string::npos) << result.out << result.err;
}

}  // namespace
}  // namespace poller::test
