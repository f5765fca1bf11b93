#include "poller/input/target.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <fmt/format.h>

#include "poller/base/encoding.hpp"
#include "poller/base/text.hpp"

namespace poller {
namespace {

namespace urls = boost::urls;

bool is_space_or_control(unsigned char c) { return c <= 0x20 || c == 0x7f; }

// What a host name may hold once percent-decoded (RFC 3986 reg-name: unreserved and sub-delims;
// bytes of UTF-8 names too). A decoded CR, LF, space or '/' would otherwise reach the resolver,
// SNI and every log line.
bool is_host_name_byte(unsigned char c) {
  return c >= 0x80 || std::isalnum(c) ||
         std::string_view("-._~!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
}

// What the error of an unparsable URL names: the first character RFC 3986 never allows as it is
// (a byte that is not ASCII, '"', '<', '>', '\\', '^', '`', '{', '|', '}'), which the user must
// percent-encode; Boost.URL says only "leftover".
std::optional<std::string> character_to_encode(std::string_view text) {
  constexpr std::string_view allowed = "-._~:/?#[]@!$&'()*+,;=%";
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto const c = static_cast<unsigned char>(text[i]);
    if (std::isalnum(c) || allowed.find(text[i]) != std::string_view::npos) continue;
    auto const shown = c >= 0x80 ? fmt::format("byte 0x{:02X}", c) : fmt::format("'{}'", text[i]);
    return fmt::format("{} at column {} must be percent-encoded (%{:02X})", shown, i + 1, c);
  }
  return std::nullopt;
}

// A Location as an error message may show it: the server chose every byte of it.
std::string quoted_location(std::string_view location) {
  return escape_control_characters(redact_password(location));
}

// RFC 5952's text of an IPv6 address (lower case, no leading zeros, the longest run of two or
// more zero groups as "::"), as inet_ntop writes it: [::1], [0:0::1] and [0:0:0:0:0:0:0:1] are
// one server, so one origin (one lane, one pool, one --shard).
std::string canonical_ipv6(const urls::ipv6_address& address) {
  auto const bytes = address.to_bytes();
  char text[INET6_ADDRSTRLEN];
  if (::inet_ntop(AF_INET6, bytes.data(), text, sizeof text) == nullptr) return address.to_string();
  return text;
}

std::string without_password(urls::url_view url) {
  if (!url.has_password()) return std::string(url.buffer());
  urls::url copy(url);
  copy.remove_password();
  return std::string(copy.buffer());
}

ParsedTarget make_target(urls::url_view url) {
  ParsedTarget result;
  Target target;
  auto const scheme = url.scheme_id();
  if (scheme == urls::scheme::http) {
    target.origin.scheme = Scheme::http;
    target.origin.port = 80;
  } else if (scheme == urls::scheme::https) {
    target.origin.scheme = Scheme::https;
    target.origin.port = 443;
  } else {
    result.error = fmt::format("unsupported scheme \"{}\" (only http and https)", url.scheme());
    result.unsupported_scheme = true;
    return result;
  }

  switch (url.host_type()) {
    case urls::host_type::name:
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      break;
    case urls::host_type::ipvfuture:
      result.error = "unsupported IP literal";
      return result;
    case urls::host_type::none:
      result.error = "no host";
      return result;
  }
  target.origin.host = url.host_type() == urls::host_type::ipv6
                           ? canonical_ipv6(url.host_ipv6_address())
                           : to_lower(url.host_address());
  if (target.origin.host.empty()) {
    result.error = "no host";
    return result;
  }
  if (url.host_type() == urls::host_type::name &&
      !std::all_of(target.origin.host.begin(), target.origin.host.end(),
                   [](char c) { return is_host_name_byte(static_cast<unsigned char>(c)); })) {
    result.error = fmt::format("bad host name \"{}\"", std::string_view(url.encoded_host()));
    return result;
  }

  // Boost.URL reads "http://host:abc/" as an empty port followed by the path "abc/", and
  // "http://1.2.3.4.5/" as the IPv4 address 1.2.3.4 followed by the path ".5/".
  if (url.has_authority() && !url.encoded_path().empty() && url.encoded_path().front() != '/') {
    std::string_view const path = url.encoded_path();
    if (!url.has_port()) {
      result.error = fmt::format("bad host \"{}{}\"", std::string_view(url.encoded_host()),
                                 path.substr(0, path.find('/')));
    } else {
      result.error = fmt::format("bad port \"{}\"", path.substr(0, path.find('/')));
    }
    return result;
  }
  // A name whose last label is a number is an IPv4 address gone wrong (as WHATWG URL reads it).
  if (url.host_type() == urls::host_type::name) {
    auto const& host = target.origin.host;
    auto const last_label =
        host.substr(host.rfind('.') == std::string::npos ? 0 : host.rfind('.') + 1);
    if (!last_label.empty() && std::all_of(last_label.begin(), last_label.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      result.error = fmt::format("bad host \"{}\" (not an IPv4 address)", host);
      return result;
    }
  }

  auto const port_text = url.port();
  if (!port_text.empty()) {
    unsigned port = 0;
    auto const [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      result.error = fmt::format("bad port \"{}\"", std::string_view(port_text));
      return result;
    }
    target.origin.port = static_cast<std::uint16_t>(port);
  }

  std::uint16_t const default_port = target.origin.is_https() ? 443 : 80;
  target.host_header = std::string(url.encoded_host_address());
  if (url.host_type() == urls::host_type::ipv6) target.host_header = "[" + target.host_header + "]";
  target.host_header = to_lower(std::move(target.host_header));
  if (target.origin.port != default_port) target.host_header += fmt::format(":{}", target.origin.port);

  target.request_target = std::string(url.encoded_target());
  if (target.request_target.empty() || target.request_target.front() != '/') {
    target.request_target.insert(0, "/");
  }

  if (url.has_userinfo()) {
    target.authorization = "Basic " + base64_encode(url.userinfo());
  }

  if (url.has_fragment()) {
    urls::url fetched(url);
    fetched.remove_fragment();
    target.url = std::string(fetched.buffer());
  } else {
    target.url = std::string(url.buffer());  // no copy to re-parse: a 10,000-URL list loads faster
  }
  target.display_url = without_password(url);
  result.target = std::move(target);
  return result;
}

// Where "user:password@" would be in `text` if the password held a raw '#', '/', '?' or '@'
// ("http://user:hunter#2@host/"): a parser reads "user" as the host and "hunter" as its port, so
// the password would show in every message about it. Returns [colon, at): the ':' before the
// password and the last '@'. Used only where in doubt: an '@' after a ':' past the "://".
std::optional<std::pair<std::size_t, std::size_t>> doubtful_password(std::string_view text) {
  auto const scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  auto const start = scheme_end + 3;
  auto const at = text.rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  auto const colon = text.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::nullopt;
  // A ':' after the path has begun is no password's.
  if (text.substr(start, colon - start).find_first_of("/?#") != std::string_view::npos)
    return std::nullopt;
  return std::pair{colon, at};
}

constexpr std::string_view raw_password_advice =
    "bad URL; a password (or user name) with '#', '/', '?' or '@' in it must be percent-encoded "
    "(%23, %2F, %3F, %40)";

}  // namespace

std::string Origin::authority() const {
  bool const ipv6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port);
}

std::string Origin::to_string() const {
  return fmt::format("{}://{}", is_https() ? "https" : "http", authority());
}

ParsedTarget parse_target(std::string_view text) {
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return is_space_or_control(static_cast<unsigned char>(c)); })) {
    return {std::nullopt, "space or control character in URL"};
  }
  auto parsed = urls::parse_uri(text);
  // The reason would quote part of the password ("bad port \"hunter\"").
  // In doubt unless the parser's userinfo ends at the last '@' ("user:hunter@2@host" does not).
  auto const span = doubtful_password(text);
  bool const password_in_doubt =
      span && (!parsed || !parsed->has_userinfo() ||
               span->second != text.find("://") + 3 + parsed->encoded_userinfo().size());
  if (!parsed) {
    if (password_in_doubt) return {std::nullopt, std::string(raw_password_advice)};
    if (text.find("://") == std::string_view::npos) {
      return {std::nullopt, "not an absolute URL (expected http:// or https://)"};
    }
    if (auto const reason = character_to_encode(text)) return {std::nullopt, *reason};
    return {std::nullopt, fmt::format("unparsable URL ({})", parsed.error().message())};
  }
  auto target = make_target(*parsed);
  // "http://user:1234#5@host/" parses as host "user", port 1234 and a fragment: never fetch that.
  if (password_in_doubt && (!target.target || parsed->encoded_path().empty())) {
    return {std::nullopt, std::string(raw_password_advice)};
  }
  return target;
}

ParsedTarget resolve_redirect(const Target& base, std::string_view location) {
  // Servers do send raw spaces in Location; curl percent-encodes them rather than failing.
  std::string cleaned;
  for (char c : location) {
    if (c == ' ') {
      cleaned += "%20";
    } else if (is_space_or_control(static_cast<unsigned char>(c))) {
      return {std::nullopt, "control character in Location header"};
    } else {
      cleaned += c;
    }
  }
  auto reference = urls::parse_uri_reference(cleaned);
  if (!reference) {
    return {std::nullopt, fmt::format("unparsable Location \"{}\"", quoted_location(location))};
  }
  auto base_url = urls::parse_uri(base.url);
  urls::url resolved;
  if (!base_url || !urls::resolve(*base_url, *reference, resolved)) {
    return {std::nullopt, fmt::format("cannot resolve Location \"{}\"", quoted_location(location))};
  }
  auto next = make_target(resolved);
  if (next.target && next.target->authorization.empty() && next.target->origin == base.origin) {
    next.target->authorization = base.authorization;
  }
  if (next.unsupported_scheme) {
    next.error = "redirect to " + next.error;
  } else if (!next.target) {
    next.error = fmt::format("bad Location \"{}\": {}", quoted_location(location),
                             escape_control_characters(next.error));
  }
  return next;
}

std::string redact_password(std::string_view url) {
  auto parsed = urls::parse_uri_reference(url);
  if (parsed && parsed->has_userinfo()) return without_password(*parsed);
  // In doubt, cut everything from the ':' to the last '@': an error message loses a little.
  if (auto const span = doubtful_password(url)) {
    return std::string(url.substr(0, span->first)) + std::string(url.substr(span->second));
  }
  if (parsed) return without_password(*parsed);
  // Unparsable text is shown in error messages; cut "user:password@" out of it by hand.
  auto const authority = url.find("://");
  if (authority == std::string_view::npos) return std::string(url);
  auto const start = authority + 3;
  auto const end = std::min(url.find_first_of("/?#", start), url.size());
  auto const at = url.rfind('@', end);
  if (at == std::string_view::npos || at < start) return std::string(url);
  auto const colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon)) + std::string(url.substr(at));
}

}  // namespace poller
