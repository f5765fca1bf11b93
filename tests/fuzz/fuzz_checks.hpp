#pragma once
// What must hold for any input to the parsers of untrusted text. Shared by the libFuzzer targets
// (which abort on a violation) and by fuzz_corpus_test.cpp, which replays the seed corpus and
// every crash found so far as unit tests. Each check returns what broke, or "" when all holds.

#include <string>
#include <string_view>

#include <boost/url/parse.hpp>

#include "poller/base/duration.hpp"
#include "poller/base/usage_error.hpp"
#include "proxy.hpp"
#include "poller/input/target.hpp"
#include "poller/input/url_list.hpp"

namespace poller::fuzz {

inline bool has_space_or_control(std::string_view text) {
  for (char c : text) {
    auto const byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

inline bool has_control(std::string_view text) {
  for (char c : text) {
    auto const byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// A target poller will fetch: every part that goes on the wire or into a log is clean.
inline std::string check_target(const Target& target) {
  if (target.request_target.empty() || target.request_target.front() != '/')
    return "request target does not start with '/': " + target.request_target;
  if (has_space_or_control(target.request_target)) return "request target with a space or control";
  if (target.host_header.empty() || has_space_or_control(target.host_header))
    return "bad Host header: " + target.host_header;
  if (target.origin.host.empty() || has_space_or_control(target.origin.host))
    return "bad host: " + target.origin.host;
  if (target.origin.port == 0) return "port 0";
  if (has_space_or_control(target.display_url)) return "display URL with a space or control";
  if (has_space_or_control(target.url)) return "URL with a space or control";
  if (!target.authorization.empty() && target.authorization.rfind("Basic ", 0) != 0)
    return "authorization that is not Basic: " + target.authorization;
  // The display URL is what logs show: it must never hold the password the URL gives, as the
  // parser that decides what is sent reads it. Text that only looks like one is a path: an '@'
  // after a port ("http://host:8080/users/@me") is legitimate, and redact_password's in-doubt cut
  // for error messages would flag it.
  auto const shown = boost::urls::parse_uri(target.display_url);
  if (!shown) return "unparsable display URL: " + target.display_url;
  if (shown->has_password()) return "display URL holds a password: " + target.display_url;
  return {};
}

inline std::string check_url_list(std::string_view text) {
  // A list with no URL is neither targets nor errors here: the sources say so, over all the
  // lists given (poller/input/sources.hpp).
  auto const list = parse_url_list(text, "fuzz");
  for (auto const& error : list.errors) {
    if (error.rfind("fuzz:", 0) != 0) return "error not labelled with the file name: " + error;
    if (has_control(error)) return "error line with a control character: " + error;
  }
  for (auto const& target : list.targets) {
    if (auto broken = check_target(target); !broken.empty()) return broken;
  }
  return {};
}

// A Location header against a listed URL with credentials.
inline std::string check_location(std::string_view location) {
  static auto const base = parse_target("http://user:pw@127.0.0.1:8080/dir/page?x=1");
  auto const next = resolve_redirect(*base.target, location);
  if (!next.target) {
    if (next.error.empty()) return "no target and no error";
    if (has_control(next.error)) return "error with a control character: " + next.error;
    return {};
  }
  if (auto broken = check_target(*next.target); !broken.empty()) return broken;
  // Credentials follow only to the same origin (unless the Location brings its own).
  if (next.target->origin != base.target->origin && !next.target->authorization.empty() &&
      next.target->authorization == base.target->authorization &&
      location.find('@') == std::string_view::npos)
    return "credentials sent on to another origin: " + next.target->display_url;
  return {};
}

inline std::string check_duration(std::string_view text) {
  auto const value = parse_duration(text);
  if (!value) return {};
  if (value->count() < 0) return "negative duration";
  if (format_duration(*value).empty()) return "empty formatted duration";
  return {};
}

inline std::string check_size(std::string_view text) {
  auto const value = parse_size(text);
  if (value && *value >= (1ull << 63)) return "size beyond int64";
  return {};
}

// A proxy URL (from --proxy or a *_proxy variable), and the same text as a no_proxy list.
inline std::string check_proxy(std::string_view text) {
  try {
    auto const proxy = parse_proxy(text, "fuzz");
    if (proxy.host.empty() || has_space_or_control(proxy.host)) return "bad proxy host: " + proxy.host;
    if (proxy.port == 0) return "proxy port 0";
    if (!proxy.authorization.empty() && proxy.authorization.rfind("Basic ", 0) != 0)
      return "proxy authorization that is not Basic: " + proxy.authorization;
    if (has_space_or_control(proxy.display) || proxy.display.find('@') != std::string::npos)
      return "proxy display with credentials, a space or a control: " + proxy.display;
  } catch (const UsageError& error) {
    if (std::string_view(error.what()).rfind("fuzz \"", 0) != 0) return "error not naming its source";
    if (has_control(error.what())) return "error with a control character: " + std::string(error.what());
  }
  auto const no_proxy = NoProxyList::parse(text);
  for (const char* host : {"127.0.0.1", "::1", "example.com", "a.b.example.com", ""}) {
    (void)no_proxy.matches(host);  // must neither crash nor read out of bounds
  }
  return {};
}

}  // namespace poller::fuzz
