// Credentials stay with the origin they were given for, passwords never reach any output, and
// nothing in the URL file or on the command line can inject a header or a request line.

#include <gtest/gtest.h>

#include "log_lines.hpp"
#include "poller_test.hpp"
#include "support/test_certs.hpp"
#include "support/test_server.hpp"

namespace poller::test {
namespace {

// example.com is a real name; --resolve maps it to loopback, so no DNS query leaves the machine.
const std::string mapped_host = "example.com";

// Every byte, so that the decoded text does not appear in the listed URL.
std::string percent_encode_all(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string port_of(const TestServer& server) { return std::to_string(server.port()); }

// --- credentials and redirects ------------------------------------------------------------------

TEST(Security, CredentialsAreNotSentOnWhenHttpsRedirectsToHttpOnAnotherPortOfTheSameHost) {
  TestCa ca;
  TempDir dir;
  auto const ca_file = dir.write_file("ca.pem", ca.cert_pem());
  TestServer secure({.tls = ca.issue({.dns_names = {mapped_host}})});
  TestServer plain;
  auto const downgrade = "http://" + mapped_host + ":" + port_of(plain) + "/headers";
  auto const listed = "https://user:secret@" + mapped_host + ":" + port_of(secure) +
                      "/redirect-to?url=" + percent_encode(downgrade);
  auto list = dir.write_file("list.txt", lines({listed}));

  auto result = run_poller({"--once", "-L", "--cacert", ca_file, "-H", "Cookie: session=1",
                            "--resolve", mapped_host + ":" + port_of(secure) + ":127.0.0.1",
                            "--resolve", mapped_host + ":" + port_of(plain) + ":127.0.0.1", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const to_secure = secure.requests();
  ASSERT_EQ(to_secure.size(), 1u);
  EXPECT_EQ(to_secure[0].headers.at("authorization"), "Basic dXNlcjpzZWNyZXQ=");
  EXPECT_EQ(to_secure[0].headers.at("cookie"), "session=1");
  auto const to_plain = plain.requests();
  ASSERT_EQ(to_plain.size(), 1u);
  EXPECT_EQ(to_plain[0].headers.count("authorization"), 0u) << result.out;
  EXPECT_EQ(to_plain[0].headers.count("cookie"), 0u) << result.out;
}

TEST(Security, AuthorizationHeaderStaysWithTheListedOriginAndReturnsWithARedirectBackToIt) {
  TestServer listed_server;
  TestServer other_port;
  TempDir dir;
  // listed -> other port -> back to the listed origin.
  auto const back = listed_server.url("/headers");
  auto const away = other_port.url("/redirect-to?url=" + percent_encode(back));
  auto list = dir.write_file(
      "list.txt", lines({listed_server.url("/redirect-to?url=" + percent_encode(away))}));

  auto result = run_poller({"--once", "-L", "-H", "Authorization: Bearer t0ken", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const to_other = other_port.requests();
  ASSERT_EQ(to_other.size(), 1u);
  EXPECT_EQ(to_other[0].headers.count("authorization"), 0u);
  auto const to_listed = listed_server.requests();
  ASSERT_EQ(to_listed.size(), 2u);
  EXPECT_EQ(to_listed[0].headers.at("authorization"), "Bearer t0ken");
  EXPECT_EQ(to_listed[1].headers.at("authorization"), "Bearer t0ken");
  EXPECT_NE(result.out.find("authorization: Bearer t0ken\n"), std::string::npos) << result.out;
}

TEST(Security, UserinfoIsNotSentOnToAnotherPortOfTheSameHost) {
  TestServer listed_server;
  TestServer other_port;
  TempDir dir;
  auto const listed = "http://user:secret@127.0.0.1:" + port_of(listed_server) +
                      "/redirect-to?url=" + percent_encode(other_port.url("/headers"));
  auto list = dir.write_file("list.txt", lines({listed}));

  auto result = run_poller({"--once", "-L", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(listed_server.requests().at(0).headers.at("authorization"), "Basic dXNlcjpzZWNyZXQ=");
  auto const to_other = other_port.requests();
  ASSERT_EQ(to_other.size(), 1u);
  EXPECT_EQ(to_other[0].headers.count("authorization"), 0u);
}

TEST(Security, CustomHostHeaderIsNotSentOnToAnotherOriginOnARedirect) {
  // As curl: the -H Host names the listed server; the redirected request names its own.
  TestServer listed_server;
  TestServer other_port;
  TempDir dir;
  auto list = dir.write_file(
      "list.txt",
      lines({listed_server.url("/redirect-to?url=" + percent_encode(other_port.url("/headers")))}));

  auto result = run_poller({"--once", "-L", "-H", "Host: virtual.example", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(listed_server.requests().at(0).headers.at("host"), "virtual.example");
  auto const to_other = other_port.requests();
  ASSERT_EQ(to_other.size(), 1u);
  EXPECT_EQ(to_other[0].headers.at("host"), "127.0.0.1:" + port_of(other_port));
}

// --- server text in log lines --------------------------------------------------------------------

TEST(Security, LocationWithC1ControlsReachesTheLogEscaped) {
  // U+009B is CSI: "\xc2\x9b" "2J" clears a terminal that honours C1 controls, as ESC [ 2J does.
  TestServer server;
  TempDir dir;
  auto const listed = server.url("/redirect-to?url=" + percent_encode_all("http://[\xc2\x9b"
                                                                          "2J/"));
  auto list = dir.write_file("list.txt", lines({listed}));

  auto result = run_poller({"--once", "-L", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(log_messages(result.err),
            std::vector<std::string>{listed + ": unparsable Location \"http://[\\xc2\\x9b"
                                              "2J/\""})
      << result.err;
  EXPECT_EQ(result.err.find("\xc2\x9b"), std::string::npos);
}

// --- passwords in output -------------------------------------------------------------------------

TEST(Security, PasswordIsRedactedInEveryLogLineAndInTheJsonUrls) {
  TestServer server;
  TestServer other;
  TempDir dir;
  auto const base = "http://user:hunter2@127.0.0.1:" + port_of(server);
  // Followed on the same origin (the password goes along, in the Authorization header only).
  auto const same_origin = base + "/redirect/1";
  // A Location that carries a password of its own.
  auto const leaky_location =
      base + "/redirect-to?url=" +
      percent_encode_all("http://u:leak3d@127.0.0.1:" + port_of(other) + "/headers");
  auto const refused_port = std::to_string(closed_port());
  auto const failing = "http://user:hunter2@127.0.0.1:" + refused_port + "/down";
  auto const timing_out = base + "/sleep/2000";
  auto list = dir.write_file("list.txt", lines({same_origin, leaky_location, failing, timing_out}));

  auto text_log = run_poller({"--once", "-v", "-L", "--max-time", "300ms", "--format", "json", "-w",
                              "%{url} %{url_effective} %{errormsg}\\n", list});
  auto json_log =
      run_poller({"--once", "-v", "-L", "--max-time", "300ms", "--log-format", "json", list});

  EXPECT_EQ(text_log.exit_code, 1);
  EXPECT_EQ(json_log.exit_code, 1);
  for (auto const* run : {&text_log, &json_log}) {
    for (auto const* secret : {"hunter2", "leak3d"}) {
      EXPECT_EQ(run->out.find(secret), std::string::npos) << run->out;
      EXPECT_EQ(run->err.find(secret), std::string::npos) << run->err;
    }
  }
  auto const shown = "http://user@127.0.0.1:" + port_of(server);
  EXPECT_NE(text_log.out.find("\"url\":\"" + shown + "/redirect/1\""), std::string::npos)
      << text_log.out;
  EXPECT_NE(text_log.out.find("\"url_effective\":\"" + shown + "/redirect/0\""), std::string::npos)
      << text_log.out;
  EXPECT_NE(
      text_log.out.find("\"url_effective\":\"http://u@127.0.0.1:" + port_of(other) + "/headers\""),
      std::string::npos)
      << text_log.out;
  // The error lines name the URLs, without their password.
  auto const errors = log_messages(text_log.err);
  ASSERT_EQ(errors.size(), 2u) << text_log.err;
  EXPECT_EQ(errors[0],
            "http://user@127.0.0.1:" + refused_port + "/down: connect: Connection refused");
  EXPECT_EQ(errors[1], shown +
                           "/sleep/2000: timed out after --max-time 300ms while waiting for "
                           "the response");
}

TEST(Security, PasswordIsRedactedInInputErrors) {
  TempDir dir;
  auto list = dir.write_file("list.txt",
                             "ftp://user:hunter2@127.0.0.1/file\n"
                             "http://user:hunter2@127.0.0.1:99999/\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.find("hunter2"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(list + ":1: unsupported scheme \"ftp\" (only http and https): "
                                   "ftp://user@127.0.0.1/file"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(list + ":2: bad port \"99999\": http://user@127.0.0.1:99999/"),
            std::string::npos)
      << result.err;
}

// --- injection
// -------------------------------------------------------------------------------------

TEST(Security, UserAgentWithCrOrLfIsAUsageError) {
  TempDir dir;
  auto list = dir.write_file("list.txt", "http://127.0.0.1:1/\n");

  auto cr_lf = run_poller({"-A", "probe/1\r\nX-Injected: yes", list});
  auto lf = run_poller({"-A", "probe/1\nX-Injected: yes", list});

  EXPECT_EQ(cr_lf.exit_code, 2);
  EXPECT_NE(cr_lf.err.find("--user-agent contains a control character"), std::string::npos)
      << cr_lf.err;
  EXPECT_EQ(lf.exit_code, 2);
}

TEST(Security, PercentEncodedCrLfInTheUrlStaysEncodedOnTheWire) {
  TestServer server;
  TempDir dir;
  auto const origin = "http://127.0.0.1:" + port_of(server);
  auto list = dir.write_file(
      "list.txt", lines({origin + "/a%0d%0aX-Injected:%20yes",
                         origin + "/b?q=%0D%0AX-Injected:%20yes%0d%0a%0d%0aGET%20/smuggled",
                         "http://us%0d%0aer:pa%0d%0ass@127.0.0.1:" + port_of(server) + "/c",
                         origin + "/d#%0d%0aX-Injected:%20yes"}));

  auto result = run_poller({"--once", list});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto const requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);  // nothing smuggled in
  EXPECT_EQ(requests[0].target, "/a%0d%0aX-Injected:%20yes");
  EXPECT_EQ(requests[1].target, "/b?q=%0D%0AX-Injected:%20yes%0d%0a%0d%0aGET%20/smuggled");
  EXPECT_EQ(requests[2].target, "/c");
  EXPECT_EQ(requests[3].target, "/d");  // the fragment is not sent
  for (auto const& request : requests) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.headers.count("x-injected"), 0u) << request.target;
    EXPECT_EQ(request.headers.at("host"), "127.0.0.1:" + port_of(server));
  }
  // user:pass is decoded into Basic authentication, where a CR or LF is harmless base64.
  EXPECT_EQ(requests[2].headers.at("authorization"), "Basic dXMNCmVyOnBhDQpzcw==");
}

TEST(Security, RawControlCharactersInTheUrlFileAreInputErrorsAndNothingIsSent) {
  TestServer server;
  TempDir dir;
  auto const origin = "http://127.0.0.1:" + port_of(server);
  auto list = dir.write_file("list.txt", origin + "/ok\n" +                                 // 1
                                             origin + "/a\rX-Injected: yes\n" +             // 2
                                             origin + "/b\n" + "X-Injected: yes\n" +        // 3, 4
                                             origin + "/c\tX\n" +                           // 5
                                             origin + "/d" + std::string(1, '\0') + "\n" +  // 6
                                             origin + "/e\x7f\n" +                          // 7
                                             origin + "/f g\n");                            // 8

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(server.connections_accepted(), 0u);
  for (int line : {2, 4, 5, 6, 7, 8}) {
    EXPECT_NE(
        result.err.find(list + ":" + std::to_string(line) + ": space or control character in URL"),
        std::string::npos)
        << line << "\n"
        << result.err;
  }
  // The offending line is quoted with its control characters made visible: it cannot forge a
  // log line of its own, nor drive the terminal.
  EXPECT_NE(result.err.find(": " + origin + "/a\\rX-Injected: yes\n"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(": " + origin + "/d\\x00\n"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\r'), std::string::npos) << result.err;
  EXPECT_EQ(count_of(result.err, "\n"), 6u) << result.err;
}

TEST(Security, PercentEncodedControlCharactersInTheHostAreInputErrors) {
  // Decoded, they would reach the resolver, SNI and the log lines.
  TempDir dir;
  auto list = dir.write_file("list.txt",
                             "http://exa%0d%0ample.com/\n"
                             "https://example.com%0d%0aX-Injected:%20yes/\n"
                             "http://ex%20ample.com/\n"
                             "http://a%2fb.example/\n");

  auto result = run_poller({"--once", list});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(list + ":1: bad host name \"exa%0d%0ample.com\""), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(list + ":2: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(list + ":3: bad host name \"ex%20ample.com\""), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(list + ":4: bad host name \"a%2fb.example\""), std::string::npos)
      << result.err;
}

TEST(Security, RedirectToAHostWithEncodedControlCharactersFailsWithoutALookup) {
  TestServer server;
  TempDir dir;
  auto const listed = server.url("/redirect-to?url=" + percent_encode("http://exa%0d%0ample.com/"));
  auto list = dir.write_file("list.txt", lines({listed, server.url("/ok")}));

  auto result = run_poller({"--once", "-L", list});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "/ok\n");
  EXPECT_EQ(log_messages(result.err),
            times(1, listed + ": bad Location \"http://exa%0d%0ample.com/\": bad host name "
                              "\"exa%0d%0ample.com\""))
      << result.err;
}

}  // namespace
}  // namespace poller::test
