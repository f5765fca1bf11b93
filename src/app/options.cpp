#include "options.hpp"
#include "poller/base/encoding.hpp"
#include "poller/base/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <arpa/inet.h>

#include <fmt/format.h>

namespace poller {
namespace {

bool is_ip_address(const std::string& text, int family) {
  unsigned char parsed[16];
  return inet_pton(family, text.c_str(), parsed) == 1;
}

// 1 to 65535 digits-only, or 0 when `allow_zero`; nullopt otherwise.
std::optional<std::uint16_t> parse_port(std::string_view text, bool allow_zero) {
  unsigned value = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > 65535 ||
      (value == 0 && !allow_zero)) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

bool is_token_char(unsigned char c) {
  // RFC 9110 5.6.2 tchar
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

}  // namespace

bool is_valid_field_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
  });
}

HeaderOption parse_header_option(std::string_view text) {
  // A CR or LF would let the value end the header and start another, or end the request head.
  if (text.find_first_of("\r\n") != std::string_view::npos) {
    throw UsageError("header contains a CR or LF character");
  }
  // Quoted escaped: a list line's header may hold any byte, a NUL too, which would otherwise
  // cut the message short.
  auto const colon = text.find(':');
  if (colon == std::string_view::npos) {
    throw UsageError(fmt::format("header \"{}\" is not of the form 'Name: value'",
                                 escape_control_characters(text)));
  }
  HeaderOption header{std::string(text.substr(0, colon)), std::string(trim_ows(text.substr(colon + 1)))};
  if (header.name.empty() ||
      !std::all_of(header.name.begin(), header.name.end(),
                   [](char c) { return is_token_char(static_cast<unsigned char>(c)); })) {
    throw UsageError(
        fmt::format("header \"{}\" has an invalid name", escape_control_characters(text)));
  }
  if (!is_valid_field_value(header.value)) {
    throw UsageError(fmt::format("header \"{}\" has a control character in its value", header.name));
  }
  return header;
}

std::string parse_method_option(std::string_view text) {
  // RFC 9110 9.1: method = token. Case is kept: methods are case-sensitive.
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
        return is_token_char(static_cast<unsigned char>(c));
      })) {
    throw UsageError(fmt::format(
        "--request \"{}\" is not an HTTP method (a token such as GET, POST, PUT, DELETE)",
        escape_control_characters(text)));
  }
  return std::string(text);
}

ResolveOverride parse_resolve_option(std::string_view text) {
  auto fail = [&] {
    return UsageError(
        fmt::format("--resolve \"{}\" is not of the form HOST:PORT:ADDR[,ADDR]...", text));
  };
  auto const first = text.find(':');
  if (first == std::string_view::npos || first == 0) throw fail();
  auto const second = text.find(':', first + 1);
  if (second == std::string_view::npos) throw fail();

  ResolveOverride entry;
  entry.host = to_lower(text.substr(0, first));
  auto const port = parse_port(text.substr(first + 1, second - first - 1), false);
  if (!port) throw fail();
  entry.port = *port;
  // Several addresses, comma-separated, are raced as a name's would be (happy eyeballs).
  std::string_view rest = text.substr(second + 1);
  for (;;) {
    auto const comma = rest.find(',');
    std::string_view address = rest.substr(0, comma);
    // curl writes IPv6 addresses in brackets: example.com:443:[::1]
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
      address = address.substr(1, address.size() - 2);
    }
    std::string address_text(address);
    if (!is_ip_address(address_text, AF_INET) && !is_ip_address(address_text, AF_INET6)) {
      throw UsageError(
          fmt::format("--resolve \"{}\": \"{}\" is not an IP address", text, address));
    }
    entry.addresses.push_back(std::move(address_text));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return entry;
}

ListenAddress parse_listen_address(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return UsageError(fmt::format("--metrics-listen \"{}\": {}", text, why));
  };
  auto const colon = text.rfind(':');
  if (colon == std::string_view::npos) throw fail("not of the form ADDR:PORT");
  auto const host = text.substr(0, colon);
  auto const port = parse_port(text.substr(colon + 1), true);
  if (!port) throw fail("the port is not a number from 0 to 65535");

  ListenAddress listen;
  listen.port = *port;
  if (host.empty()) {
    listen.address = "::";  // every address, IPv4 and IPv6
    return listen;
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    listen.address = std::string(host.substr(1, host.size() - 2));
    if (!is_ip_address(listen.address, AF_INET6)) throw fail("not an IPv6 address in brackets");
    return listen;
  }
  // Named, not resolved: "localhost" could be anything /etc/hosts says, and a name that goes to
  // DNS could leave the machine.
  if (host == "localhost") {
    listen.address = "127.0.0.1";
    return listen;
  }
  listen.address = std::string(host);
  if (!is_ip_address(listen.address, AF_INET)) {
    throw fail(fmt::format("\"{}\" is not an IPv4 address, an [IPv6] address or localhost "
                           "(names are not resolved)",
                           host));
  }
  return listen;
}

}  // namespace poller
