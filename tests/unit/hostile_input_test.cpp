// Text an attacker may control — a URL file line, a Location header — parsed and quoted safely.

#include <gtest/gtest.h>

#include "poller/base/encoding.hpp"
#include "poller/input/target.hpp"
#include "poller/input/url_list.hpp"

namespace poller {
namespace {

TEST(HostileInput, HostThatDecodesToAControlCharacterSpaceOrDelimiterIsRejected) {
  for (auto const* url :
       {"http://exa%0d%0ample.com/", "http://exa%0Ample.com/", "http://ex%20ample.com/",
        "http://a%2fb.example/", "http://a%40b.example/", "http://a%00b.example/",
        "http://a%3ab.example/", "http://a%25b.example/", "https://%5b::1%5d/"}) {
    auto const parsed = parse_target(url);
    EXPECT_FALSE(parsed.target) << url;
    EXPECT_EQ(parsed.error.rfind("bad host name \"", 0), 0u) << url << ": " << parsed.error;
  }
}

TEST(HostileInput, OrdinaryAndEncodedHostNamesAreAccepted) {
  for (auto const* url : {"http://example.com/", "http://EXAMPLE.com/", "http://my_host.local/",
                          "http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/",
                          "http://127.0.0.1/", "http://[::1]:8080/"}) {
    EXPECT_TRUE(parse_target(url).target) << url << ": " << parse_target(url).error;
  }
}

TEST(HostileInput, PercentEncodedCrLfStaysEncodedInTheRequestTarget) {
  auto const parsed = parse_target("http://127.0.0.1/a%0d%0aX-Injected:%20yes?q=%0A#%0d");
  ASSERT_TRUE(parsed.target) << parsed.error;
  EXPECT_EQ(parsed.target->request_target, "/a%0d%0aX-Injected:%20yes?q=%0A");
  EXPECT_EQ(parsed.target->host_header, "127.0.0.1");
}

TEST(HostileInput, LocationToABadHostFailsTheRedirectNamingTheLocation) {
  auto const base = parse_target("http://127.0.0.1:8080/start");
  ASSERT_TRUE(base.target);

  auto const next = resolve_redirect(*base.target, "http://exa%0d%0ample.com/");

  EXPECT_FALSE(next.target);
  EXPECT_EQ(next.error,
            "bad Location \"http://exa%0d%0ample.com/\": bad host name \"exa%0d%0ample.com\"");
}

TEST(HostileInput, LocationWithAControlCharacterFailsTheRedirectWithoutEchoingIt) {
  auto const base = parse_target("http://127.0.0.1:8080/start");
  ASSERT_TRUE(base.target);

  auto const next = resolve_redirect(*base.target, "http://[x\x1b[2J/");

  EXPECT_FALSE(next.target);
  EXPECT_EQ(next.error, "control character in Location header");
}

TEST(HostileInput, UrlListErrorsQuoteTheLineWithControlCharactersEscaped) {
  auto const list = parse_url_list(
      "http://127.0.0.1/a\rX-Injected: yes\n"
      "http://127.0.0.1/\x1b[31mred\n",
      "list.txt");

  ASSERT_EQ(list.errors.size(), 2u);
  EXPECT_EQ(list.errors[0],
            "list.txt:1: space or control character in URL: http://127.0.0.1/a\\rX-Injected: yes");
  EXPECT_EQ(list.errors[1],
            "list.txt:2: space or control character in URL: http://127.0.0.1/\\x1b[31mred");
}

TEST(HostileInput, EscapeControlCharactersLeavesPrintableTextAndUtf8Alone) {
  EXPECT_EQ(escape_control_characters("plain text, b\xc3\xbc"
                                      "cher"),
            "plain text, b\xc3\xbc"
            "cher");
  EXPECT_EQ(escape_control_characters(std::string("\r\n\t\0\x1b\x7f", 6)),
            "\\r\\n\\t\\x00\\x1b\\x7f");
}

TEST(HostileInput, EscapeControlCharactersEscapesC1ControlsAndBytesThatAreNotUtf8) {
  // U+009B (CSI) in UTF-8, a lone 0x9b, a truncated sequence; U+00A0 and U+20AC stay.
  EXPECT_EQ(escape_control_characters("a\xc2\x9b"
                                      "2Jb\x9b"
                                      "c\xe2\x82 \xc2\xa0\xe2\x82\xac"),
            "a\\xc2\\x9b"
            "2Jb\\x9b"
            "c\\xe2\\x82 \xc2\xa0\xe2\x82\xac");
}

TEST(HostileInput, UnparsableLocationIsQuotedWithItsC1ControlsEscaped) {
  auto const base = parse_target("http://127.0.0.1:8080/start");
  ASSERT_TRUE(base.target);

  auto const next = resolve_redirect(*base.target,
                                     "http://[\xc2\x9b"
                                     "2J/");

  EXPECT_FALSE(next.target);
  EXPECT_EQ(next.error,
            "unparsable Location \"http://[\\xc2\\x9b"
            "2J/\"");
}

}  // namespace
}  // namespace poller
