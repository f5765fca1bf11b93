#include "poller/input/target.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace poller {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

Target target_of(std::string_view url) {
  auto parsed = parse_target(url);
  if (!parsed.target) {
    ADD_FAILURE() << "\"" << url << "\" rejected: " << parsed.error;
    return {};
  }
  return *parsed.target;
}

// --- origin ---------------------------------------------------------------------------------

TEST(Target, OriginHasSchemeLowerCasedHostAndDefaultPort) {
  auto const http = target_of("http://API.Example.COM/status");
  EXPECT_EQ(http.origin.scheme, Scheme::http);
  EXPECT_EQ(http.origin.host, "api.example.com");
  EXPECT_EQ(http.origin.port, 80);

  auto const https = target_of("https://Example.com/");
  EXPECT_EQ(https.origin.scheme, Scheme::https);
  EXPECT_TRUE(https.origin.is_https());
  EXPECT_EQ(https.origin.host, "example.com");
  EXPECT_EQ(https.origin.port, 443);
}

TEST(Target, OriginUsesAnExplicitPort) {
  EXPECT_EQ(target_of("http://example.com:8080/").origin.port, 8080);
  EXPECT_EQ(target_of("https://example.com:8443/").origin.port, 8443);
  EXPECT_EQ(target_of("https://example.com:80/").origin.port, 80);
}

TEST(Target, OriginsDifferingOnlyInHostCaseAreEqual) {
  EXPECT_EQ(target_of("http://EXAMPLE.com/a").origin, target_of("http://example.COM/b").origin);
  EXPECT_EQ(target_of("http://example.com/").origin, target_of("http://example.com:80/").origin);
  EXPECT_NE(target_of("http://example.com/").origin, target_of("https://example.com/").origin);
  EXPECT_NE(target_of("http://example.com/").origin, target_of("http://example.com:81/").origin);
}

TEST(Target, OriginKeepsIpv6LiteralsWithoutBrackets) {
  auto const target = target_of("http://[::1]:8080/");
  EXPECT_EQ(target.origin.host, "::1");
  EXPECT_EQ(target.origin.port, 8080);
  EXPECT_EQ(target_of("http://[FE80::A]/").origin.host, "fe80::a");
}

// RFC 5952: one address, one spelling, so one origin, one pool and one --shard for all of its
// spellings; what was written still goes into the Host header and every output.
TEST(Target, AnIpv6LiteralsOriginIsItsCanonicalSpellingAndItsHostHeaderAsWritten) {
  for (auto const* url : {"http://[::1]:8080/", "http://[0:0::1]:8080/",
                          "http://[0:0:0:0:0:0:0:1]:8080/", "http://[0000::0001]:8080/"}) {
    SCOPED_TRACE(url);
    auto const target = target_of(url);
    EXPECT_TRUE(target.origin == target_of("http://[::1]:8080/").origin);
    EXPECT_EQ(target.origin.to_string(), "http://[::1]:8080");
    EXPECT_EQ(target.display_url, url);
  }
  EXPECT_EQ(target_of("http://[0:0::1]:8080/").host_header, "[0:0::1]:8080");
  // The longest run of zero groups (the first of equals) is "::", and never a single group;
  // hex in lower case without leading zeros; an IPv4-mapped address ends in dotted decimal.
  EXPECT_EQ(target_of("http://[2001:DB8:0:0:1:0:0:1]/").origin.host, "2001:db8::1:0:0:1");
  EXPECT_EQ(target_of("http://[2001:db8:0:1:1:1:1:1]/").origin.host, "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(target_of("http://[2001:0db8::0:1]/").origin.host, "2001:db8::1");
  EXPECT_EQ(target_of("http://[::FFFF:c000:0201]/").origin.host, "::ffff:192.0.2.1");
}

TEST(Target, OriginToStringAlwaysShowsThePort) {
  EXPECT_EQ(target_of("https://example.com/").origin.to_string(), "https://example.com:443");
  EXPECT_EQ(target_of("http://example.com:8080/").origin.to_string(), "http://example.com:8080");
  EXPECT_EQ(target_of("http://[::1]/").origin.to_string(), "http://[::1]:80");
}

// --- Host header ----------------------------------------------------------------------------

TEST(Target, HostHeaderOmitsTheDefaultPort) {
  EXPECT_EQ(target_of("http://example.com/").host_header, "example.com");
  EXPECT_EQ(target_of("http://example.com:80/").host_header, "example.com");
  EXPECT_EQ(target_of("https://example.com:443/").host_header, "example.com");
}

TEST(Target, HostHeaderCarriesANonDefaultPort) {
  EXPECT_EQ(target_of("http://example.com:8080/").host_header, "example.com:8080");
  EXPECT_EQ(target_of("https://example.com:80/").host_header, "example.com:80");
  EXPECT_EQ(target_of("http://example.com:443/").host_header, "example.com:443");
}

TEST(Target, HostHeaderIsLowerCase) {
  EXPECT_EQ(target_of("http://WWW.Example.COM:8080/").host_header, "www.example.com:8080");
}

TEST(Target, HostHeaderPutsIpv6LiteralsInBrackets) {
  EXPECT_EQ(target_of("http://[::1]/").host_header, "[::1]");
  EXPECT_EQ(target_of("https://[2001:db8::1]:8443/").host_header, "[2001:db8::1]:8443");
}

TEST(Target, HostHeaderForIpv4IsTheAddress) {
  EXPECT_EQ(target_of("http://127.0.0.1:8080/").host_header, "127.0.0.1:8080");
}

// --- request target -------------------------------------------------------------------------

TEST(Target, RequestTargetIsSlashForAnEmptyPath) {
  EXPECT_EQ(target_of("http://example.com").request_target, "/");
  EXPECT_EQ(target_of("http://example.com/").request_target, "/");
}

TEST(Target, RequestTargetKeepsPathAndQuery) {
  EXPECT_EQ(target_of("http://example.com/a/b?x=1&y=%20").request_target, "/a/b?x=1&y=%20");
  EXPECT_EQ(target_of("http://example.com?x=1").request_target, "/?x=1");
}

TEST(Target, RequestTargetDropsTheFragment) {
  auto const target = target_of("http://example.com/a?x=1#frag");
  EXPECT_EQ(target.request_target, "/a?x=1");
  EXPECT_EQ(target.url, "http://example.com/a?x=1");
  EXPECT_EQ(target_of("http://example.com#top").request_target, "/");
}

// --- credentials ----------------------------------------------------------------------------

TEST(Target, UserinfoBecomesBasicAuthorization) {
  EXPECT_EQ(target_of("http://user:pass@example.com/").authorization, "Basic dXNlcjpwYXNz");
  EXPECT_EQ(target_of("http://example.com/").authorization, "");
}

TEST(Target, PercentEncodedUserinfoIsDecodedBeforeEncodingAsBasic) {
  // "user:p@ss" in base64.
  EXPECT_EQ(target_of("http://user:p%40ss@example.com/").authorization, "Basic dXNlcjpwQHNz");
}

TEST(Target, DisplayUrlDropsThePasswordButKeepsTheUser) {
  auto const target = target_of("https://user:s3cr3t@example.com/x?y=1");
  EXPECT_EQ(target.display_url, "https://user@example.com/x?y=1");
  EXPECT_EQ(target.host_header, "example.com");
}

TEST(Target, RejectsOtherSchemesNamingTheScheme) {
  auto const parsed = parse_target("ftp://example.com/");
  EXPECT_FALSE(parsed.target);
  EXPECT_TRUE(contains(parsed.error, "ftp")) << parsed.error;
}

TEST(Target, AnUnparsableUrlNamesTheCharacterToPercentEncodeAndWhere) {
  EXPECT_EQ(parse_target("http://example.com/caf\xe9").error,
            "byte 0xE9 at column 23 must be percent-encoded (%E9)");
  EXPECT_EQ(parse_target("http://example.com/a|b").error,
            "'|' at column 21 must be percent-encoded (%7C)");
  EXPECT_EQ(parse_target("http://example.com/{id}").error,
            "'{' at column 20 must be percent-encoded (%7B)");
  // Encoded, each is a URL.
  EXPECT_TRUE(parse_target("http://example.com/caf%E9").target);
  EXPECT_TRUE(parse_target("http://example.com/a%7Cb").target);
}

// --- redact_password ------------------------------------------------------------------------

TEST(TargetRedactPassword, RemovesOnlyThePassword) {
  EXPECT_EQ(redact_password("http://user:s3cr3t@example.com/a"), "http://user@example.com/a");
  EXPECT_EQ(redact_password("http://example.com/a"), "http://example.com/a");
  EXPECT_EQ(redact_password("http://user@example.com/"), "http://user@example.com/");
}

// --- resolve_redirect -----------------------------------------------------------------------

Target redirect(const Target& base, std::string_view location) {
  auto next = resolve_redirect(base, location);
  if (!next.target) {
    ADD_FAILURE() << "redirect to \"" << location << "\" failed: " << next.error;
    return {};
  }
  return *next.target;
}

TEST(TargetRedirect, ResolvesAnAbsolutePathAgainstTheBase) {
  auto const next = redirect(target_of("http://example.com:8080/a/b?x=1"), "/c?y=2");
  EXPECT_EQ(next.url, "http://example.com:8080/c?y=2");
  EXPECT_EQ(next.request_target, "/c?y=2");
  EXPECT_EQ(next.host_header, "example.com:8080");
}

TEST(TargetRedirect, ResolvesARelativePathAgainstTheBaseDirectory) {
  auto const next = redirect(target_of("https://example.com/a/b"), "c");
  EXPECT_EQ(next.url, "https://example.com/a/c");
  EXPECT_EQ(redirect(target_of("https://example.com/a/b"), "../d").request_target, "/d");
}

TEST(TargetRedirect, FollowsAnAbsoluteLocationToAnotherOrigin) {
  auto const next = redirect(target_of("http://example.com/"), "https://Other.example:8443/x");
  EXPECT_EQ(next.origin.scheme, Scheme::https);
  EXPECT_EQ(next.origin.host, "other.example");
  EXPECT_EQ(next.origin.port, 8443);
  EXPECT_EQ(next.request_target, "/x");
}

TEST(TargetRedirect, ResolvesANetworkPathReferenceWithTheBaseScheme) {
  auto const next = redirect(target_of("https://example.com/"), "//cdn.example/y");
  EXPECT_EQ(next.origin.scheme, Scheme::https);
  EXPECT_EQ(next.origin.host, "cdn.example");
}

TEST(TargetRedirect, PercentEncodesARawSpaceInTheLocation) {
  EXPECT_EQ(redirect(target_of("http://example.com/"), "/a b").request_target, "/a%20b");
}

TEST(TargetRedirect, RejectsAControlCharacterInTheLocation) {
  auto const next = resolve_redirect(target_of("http://example.com/"), "/a\r\nSet-Cookie: x");
  EXPECT_FALSE(next.target);
  EXPECT_FALSE(next.error.empty());
}

TEST(TargetRedirect, ToFtpFailsNamingTheScheme) {
  auto const next = resolve_redirect(target_of("http://example.com/"), "ftp://example.com/file");
  EXPECT_FALSE(next.target);
  EXPECT_TRUE(contains(next.error, "ftp")) << next.error;
}

TEST(TargetRedirect, ToFileFailsNamingTheScheme) {
  auto const next = resolve_redirect(target_of("https://example.com/"), "file:///etc/passwd");
  EXPECT_FALSE(next.target);
  EXPECT_TRUE(contains(next.error, "file")) << next.error;
}

TEST(TargetRedirect, KeepsBasicCredentialsOnTheSameOrigin) {
  auto const base = target_of("http://user:pass@example.com/login");
  EXPECT_EQ(redirect(base, "/home").authorization, "Basic dXNlcjpwYXNz");
  EXPECT_EQ(redirect(base, "http://example.com/home").authorization, "Basic dXNlcjpwYXNz");
  EXPECT_EQ(redirect(base, "http://EXAMPLE.com:80/home").authorization, "Basic dXNlcjpwYXNz");
}

TEST(TargetRedirect, DropsBasicCredentialsForAnotherHost) {
  auto const base = target_of("http://user:pass@example.com/login");
  EXPECT_EQ(redirect(base, "http://other.example/home").authorization, "");
  EXPECT_EQ(redirect(base, "//other.example/home").authorization, "");
}

TEST(TargetRedirect, DropsBasicCredentialsForAnotherPortOrScheme) {
  auto const base = target_of("http://user:pass@example.com/login");
  EXPECT_EQ(redirect(base, "http://example.com:8080/home").authorization, "");
  EXPECT_EQ(redirect(base, "https://example.com/home").authorization, "");
}

TEST(TargetRedirect, ResolvedUrlDisplaysWithoutThePassword) {
  auto const next = redirect(target_of("http://user:s3cr3t@example.com/login"), "/home");
  EXPECT_FALSE(contains(next.display_url, "s3cr3t")) << next.display_url;
}

}  // namespace
}  // namespace poller
