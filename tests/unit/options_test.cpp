#include "options.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "usage_error.hpp"

namespace poller {
namespace {

std::string header_error(std::string_view text) { return usage_error_of(parse_header_option, text); }
std::string resolve_error(std::string_view text) { return usage_error_of(parse_resolve_option, text); }
std::string listen_error(std::string_view text) { return usage_error_of(parse_listen_address, text); }
std::string method_error(std::string_view text) {
  return usage_error_of(parse_method_option, text);
}

// --- -X, --request --------------------------------------------------------------------------

TEST(OptionsMethod, KeepsATokenAsGivenCaseIncluded) {
  EXPECT_EQ(parse_method_option("PATCH"), "PATCH");
  EXPECT_EQ(parse_method_option("propfind"), "propfind");
  EXPECT_EQ(parse_method_option("M-SEARCH"), "M-SEARCH");
}

TEST(OptionsMethod, RejectsWhatIsNotAToken) {
  EXPECT_EQ(method_error("GET /x"),
            "--request \"GET /x\" is not an HTTP method (a token such as GET, POST, PUT, DELETE)");
  EXPECT_NE(method_error("").find("--request \"\" is not an HTTP method"), std::string::npos);
  EXPECT_NE(method_error("GET\r\nX: y").find("--request \"GET\\r\\nX: y\""), std::string::npos);
  EXPECT_NE(method_error("P(ST").find("is not an HTTP method"), std::string::npos);
}

// --- -H, --header ---------------------------------------------------------------------------

TEST(OptionsHeader, SplitsNameAndValue) {
  auto const header = parse_header_option("X-Request-Id: abc123");
  EXPECT_EQ(header.name, "X-Request-Id");
  EXPECT_EQ(header.value, "abc123");
}

TEST(OptionsHeader, TrimsTheValue) {
  EXPECT_EQ(parse_header_option("Accept:application/json").value, "application/json");
  EXPECT_EQ(parse_header_option("Accept: \t text/plain \t ").value, "text/plain");
}

TEST(OptionsHeader, KeepsInnerSpacesAndColonsOfTheValue) {
  auto const header = parse_header_option("Authorization: Bearer a:b c");
  EXPECT_EQ(header.name, "Authorization");
  EXPECT_EQ(header.value, "Bearer a:b c");
}

TEST(OptionsHeader, NameWithNothingAfterTheColonHasAnEmptyValue) {
  auto const header = parse_header_option("Accept:");
  EXPECT_EQ(header.name, "Accept");
  EXPECT_EQ(header.value, "");
  EXPECT_EQ(parse_header_option("Accept:   ").value, "");
}

TEST(OptionsHeader, RejectsCrOrLf) {
  EXPECT_FALSE(header_error("X-A: a\r\nX-Injected: b").empty());
  EXPECT_FALSE(header_error("X-A: a\nb").empty());
  EXPECT_FALSE(header_error("X-A: a\rb").empty());
  EXPECT_FALSE(header_error("X-A: a\r\n").empty());
}

TEST(OptionsHeader, RejectsOtherControlCharactersInTheValue) {
  EXPECT_FALSE(header_error("X-A: a\x01" "b").empty());
  EXPECT_FALSE(header_error(std::string_view("X-A: a\0b", 8)).empty());
  EXPECT_FALSE(header_error("X-A: a\x7f").empty());
}

TEST(OptionsHeader, RejectsAMissingColon) {
  EXPECT_FALSE(header_error("X-A value").empty());
  EXPECT_FALSE(header_error("X-A").empty());
  EXPECT_FALSE(header_error("").empty());
}

TEST(OptionsHeader, RejectsAnInvalidName) {
  EXPECT_FALSE(header_error(": value").empty());
  EXPECT_FALSE(header_error("X A: value").empty());
  EXPECT_FALSE(header_error("X-A : value").empty());
  EXPECT_FALSE(header_error(" X-A: value").empty());
  EXPECT_FALSE(header_error("X(A): value").empty());
  EXPECT_FALSE(header_error("X\xc3\xa9: value").empty());
}

TEST(OptionsHeader, AcceptsEveryTokenCharacterInTheName) {
  EXPECT_EQ(parse_header_option("!#$%&'*+-.^_`|~09azAZ: v").name, "!#$%&'*+-.^_`|~09azAZ");
}

// --- --resolve ------------------------------------------------------------------------------

TEST(OptionsResolve, ParsesHostPortAndIpv4Address) {
  auto const entry = parse_resolve_option("example.com:443:127.0.0.1");
  EXPECT_EQ(entry.host, "example.com");
  EXPECT_EQ(entry.port, 443);
  EXPECT_EQ(entry.addresses, std::vector<std::string>{"127.0.0.1"});
}

TEST(OptionsResolve, StripsBracketsFromAnIpv6Address) {
  auto const entry = parse_resolve_option("example.com:8443:[::1]");
  EXPECT_EQ(entry.port, 8443);
  EXPECT_EQ(entry.addresses, std::vector<std::string>{"::1"});
}

TEST(OptionsResolve, AcceptsAnIpv6AddressWithoutBrackets) {
  EXPECT_EQ(parse_resolve_option("example.com:443:2001:db8::1").addresses,
            std::vector<std::string>{"2001:db8::1"});
}

TEST(OptionsResolve, TakesSeveralAddressesInTheOrderGiven) {
  EXPECT_EQ(parse_resolve_option("example.com:443:[::1],127.0.0.2,2001:db8::1").addresses,
            (std::vector<std::string>{"::1", "127.0.0.2", "2001:db8::1"}));
}

TEST(OptionsResolve, RejectsAnEmptyOrBadAddressInTheList) {
  EXPECT_FALSE(resolve_error("example.com:443:127.0.0.1,").empty());
  EXPECT_FALSE(resolve_error("example.com:443:,127.0.0.1").empty());
  EXPECT_TRUE(resolve_error("example.com:443:127.0.0.1,nope").find("nope") != std::string::npos);
}

TEST(OptionsResolve, LowerCasesTheHost) {
  EXPECT_EQ(parse_resolve_option("API.Example.COM:80:10.0.0.1").host, "api.example.com");
}

TEST(OptionsResolve, RejectsABadPort) {
  EXPECT_FALSE(resolve_error("example.com:0:127.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com:65536:127.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com:99999:127.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com:abc:127.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com::127.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com:-1:127.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com:44 3:127.0.0.1").empty());
}

TEST(OptionsResolve, RejectsABadAddress) {
  EXPECT_TRUE(resolve_error("example.com:443:localhost").find("localhost") != std::string::npos);
  EXPECT_FALSE(resolve_error("example.com:443:").empty());
  EXPECT_FALSE(resolve_error("example.com:443:256.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com:443:[]").empty());
  EXPECT_FALSE(resolve_error("example.com:443:[127.0.0.1").empty());
  EXPECT_FALSE(resolve_error("example.com:443: 127.0.0.1").empty());
}

TEST(OptionsResolve, RejectsAMissingPart) {
  EXPECT_FALSE(resolve_error("").empty());
  EXPECT_FALSE(resolve_error("example.com").empty());
  EXPECT_FALSE(resolve_error("example.com:443").empty());
  EXPECT_FALSE(resolve_error(":443:127.0.0.1").empty());
}

// --- --metrics-listen ---------------------------------------------------------------------

TEST(OptionsMetricsListen, TakesAnIpv4AddressAndPort) {
  auto const listen = parse_listen_address("127.0.0.1:9100");
  EXPECT_EQ(listen.address, "127.0.0.1");
  EXPECT_EQ(listen.port, 9100);
  EXPECT_EQ(listen.to_string(), "127.0.0.1:9100");
}

TEST(OptionsMetricsListen, TakesAnIpv6AddressInBrackets) {
  auto const listen = parse_listen_address("[::1]:9100");
  EXPECT_EQ(listen.address, "::1");
  EXPECT_EQ(listen.port, 9100);
  EXPECT_EQ(listen.to_string(), "[::1]:9100");
}

// As exporters take it: no address is every address, IPv4 and IPv6 (one dual-stack socket).
TEST(OptionsMetricsListen, APortAloneIsEveryAddress) {
  auto const listen = parse_listen_address(":9100");
  EXPECT_EQ(listen.address, "::");
  EXPECT_EQ(listen.port, 9100);
  EXPECT_EQ(listen.to_string(), "[::]:9100");
}

TEST(OptionsMetricsListen, LocalhostIs127001WithoutALookup) {
  auto const listen = parse_listen_address("localhost:0");
  EXPECT_EQ(listen.address, "127.0.0.1");
  EXPECT_EQ(listen.port, 0);  // a free port, picked when listening
}

TEST(OptionsMetricsListen, RejectsANameItWouldHaveToResolve) {
  auto const error = listen_error("example.com:9100");
  EXPECT_NE(error.find("\"example.com\" is not an IPv4 address"), std::string::npos) << error;
  EXPECT_NE(error.find("--metrics-listen"), std::string::npos) << error;
}

TEST(OptionsMetricsListen, RejectsABadAddressOrPort) {
  EXPECT_FALSE(listen_error("9100").empty());
  EXPECT_FALSE(listen_error("127.0.0.1").empty());
  EXPECT_FALSE(listen_error("127.0.0.1:").empty());
  EXPECT_FALSE(listen_error("127.0.0.1:65536").empty());
  EXPECT_FALSE(listen_error("127.0.0.1:-1").empty());
  EXPECT_FALSE(listen_error("127.0.0.1:http").empty());
  EXPECT_FALSE(listen_error("256.0.0.1:9100").empty());
  EXPECT_FALSE(listen_error("::1:9100").empty());
  EXPECT_FALSE(listen_error("[::1:9100").empty());
  EXPECT_FALSE(listen_error("[127.0.0.1]:9100").empty());
  EXPECT_FALSE(listen_error("[]:9100").empty());
  EXPECT_FALSE(listen_error("").empty());
}

}  // namespace
}  // namespace poller
