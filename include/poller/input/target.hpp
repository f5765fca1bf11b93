#pragma once
// One URL to fetch, taken apart once at load time so every round reuses the pieces.

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace poller {

enum class Scheme { http, https };

// What a pooled connection is keyed by.
struct Origin {
  Scheme scheme = Scheme::http;
  // Lower case, percent-decoded; an IPv6 literal without brackets, in RFC 5952's form
  // ("0:0::1" is "::1"): the Host header and the displayed URL keep it as written.
  std::string host;
  std::uint16_t port = 80;

  bool is_https() const { return scheme == Scheme::https; }
  std::string authority() const;  // "example.com:443", "[::1]:8443"
  std::string to_string() const;  // "https://example.com:443"
  auto operator<=>(const Origin&) const = default;
};

// A URL's own settings, from the options on its list line: the app's type (url_settings.hpp).
struct UrlSettings;

struct Target {
  std::string url;             // as it will be fetched (fragment dropped); may hold credentials
  std::string display_url;     // as listed, with any password removed: safe for every output
  Origin origin;
  std::string host_header;     // "example.com", "example.com:8080", "[::1]:8080"
  std::string request_target;  // "/path?query"
  std::string authorization;   // "Basic ..." when the URL carried user:pass, else empty

  // From the URL's list line: its --name (empty: none), and its other options (null: none, the
  // command line's settings apply).
  std::string name;
  std::shared_ptr<const UrlSettings> settings;

  // What names the URL in logs and output: its --name, else the URL as listed.
  const std::string& label() const { return name.empty() ? display_url : name; }
};

struct ParsedTarget {
  std::optional<Target> target;
  std::string error;  // why `text` is not a target, when target is empty
  bool unsupported_scheme = false;  // the error is the scheme's: not http or https
};

// Accepts absolute http and https URLs only.
ParsedTarget parse_target(std::string_view text);

// The target a Location header points to, resolved against `base`. Credentials from the URL
// follow only to the same origin.
ParsedTarget resolve_redirect(const Target& base, std::string_view location);

// `url` with the password of its userinfo removed, for output. Unparsable text is returned as is.
std::string redact_password(std::string_view url);

}  // namespace poller
