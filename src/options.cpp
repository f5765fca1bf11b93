#include "poller/options.hpp"
#include "poller/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <arpa/inet.h>

#include <fmt/format.h>

namespace poller {
namespace {

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
  auto const colon = text.find(':');
  if (colon == std::string_view::npos) {
    throw UsageError(fmt::format("header \"{}\" is not of the form 'Name: value'", text));
  }
  HeaderOption header{std::string(text.substr(0, colon)), std::string(trim_ows(text.substr(colon + 1)))};
  if (header.name.empty() ||
      !std::all_of(header.name.begin(), header.name.end(),
                   [](char c) { return is_token_char(static_cast<unsigned char>(c)); })) {
    throw UsageError(fmt::format("header \"{}\" has an invalid name", text));
  }
  if (!is_valid_field_value(header.value)) {
    throw UsageError(fmt::format("header \"{}\" has a control character in its value", header.name));
  }
  return header;
}

ResolveOverride parse_resolve_option(std::string_view text) {
  auto fail = [&] {
    return UsageError(fmt::format("--resolve \"{}\" is not of the form HOST:PORT:ADDRESS", text));
  };
  auto const first = text.find(':');
  if (first == std::string_view::npos || first == 0) throw fail();
  auto const second = text.find(':', first + 1);
  if (second == std::string_view::npos) throw fail();

  ResolveOverride entry;
  entry.host = to_lower(text.substr(0, first));
  auto const port = text.substr(first + 1, second - first - 1);
  unsigned value = 0;
  auto const [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    throw fail();
  }
  entry.port = static_cast<std::uint16_t>(value);
  std::string_view address = text.substr(second + 1);
  // curl writes IPv6 addresses in brackets: example.com:443:[::1]
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  unsigned char parsed[16];
  std::string const address_text(address);
  if (inet_pton(AF_INET, address_text.c_str(), parsed) != 1 &&
      inet_pton(AF_INET6, address_text.c_str(), parsed) != 1) {
    throw UsageError(fmt::format("--resolve \"{}\": \"{}\" is not an IP address", text, address));
  }
  entry.address = std::string(address);
  return entry;
}

}  // namespace poller
