#include "proxy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <initializer_list>

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "poller/base/encoding.hpp"
#include "poller/base/usage_error.hpp"
#include "poller/base/text.hpp"

namespace poller {
namespace {

// The address's bytes in network order (4 or 16), or nullopt when `text` is no IP literal.
std::optional<std::string> address_bytes(const std::string& text) {
  unsigned char bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return std::string(bytes, bytes + 4);
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return std::string(bytes, bytes + 16);
  return std::nullopt;
}

bool prefix_equal(const std::string& a, const std::string& b, unsigned bits) {
  auto const whole = bits / 8;
  if (a.compare(0, whole, b, 0, whole) != 0) return false;
  if (bits % 8 == 0) return true;
  auto const mask = static_cast<unsigned char>(0xff << (8 - bits % 8));
  return (static_cast<unsigned char>(a[whole]) & mask) == (static_cast<unsigned char>(b[whole]) & mask);
}

struct Found {
  std::string value;
  const char* name;
};

std::optional<Found> first_set(const ProxySettings::Environment& environment,
                               std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto value = environment(name)) return Found{std::move(*value), name};
  }
  return std::nullopt;
}

}  // namespace

RouteKey RouteKey::to(const Origin& origin, const Proxy* proxy) {
  // Plain http through a proxy: one route for every http origin.
  static const Origin any_http_origin{Scheme::http, {}, 0};
  if (proxy == nullptr || origin.is_https()) return {origin, proxy};
  return {any_http_origin, proxy};
}

Route Route::to(const Origin& origin, const Proxy* proxy) {
  return RouteKey::to(origin, proxy).route();
}

NoProxyList NoProxyList::parse(std::string_view text) {
  NoProxyList list;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find_first_of(", \t", start);
    if (end == std::string_view::npos) end = text.size();
    auto entry = to_lower(text.substr(start, end - start));
    start = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") {
      list.all_ = true;
      continue;
    }
    std::optional<unsigned> prefix_bits;
    if (auto const slash = entry.find('/'); slash != std::string::npos) {
      unsigned bits = 0;
      auto const digits = std::string_view(entry).substr(slash + 1);
      auto const [last, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
      if (ec != std::errc{} || last != digits.data() + digits.size()) continue;  // as curl: ignored
      prefix_bits = bits;
      entry.erase(slash);
    }
    if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
    if (auto bytes = address_bytes(entry)) {
      unsigned const width = static_cast<unsigned>(bytes->size() * 8);
      list.ranges_.push_back({std::move(*bytes), std::min(prefix_bits.value_or(width), width)});
      continue;
    }
    if (prefix_bits) continue;  // a CIDR range of something that is no address
    while (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    while (!entry.empty() && entry.back() == '.') entry.pop_back();
    if (!entry.empty()) list.names_.push_back(std::move(entry));
  }
  return list;
}

bool NoProxyList::matches(const std::string& host) const {
  if (all_) return true;
  if (auto const bytes = address_bytes(host)) {
    return std::any_of(ranges_.begin(), ranges_.end(), [&](const AddressRange& range) {
      return range.address.size() == bytes->size() && prefix_equal(range.address, *bytes, range.prefix_bits);
    });
  }
  std::string_view const name = host.ends_with('.') ? std::string_view(host).substr(0, host.size() - 1)
                                                     : std::string_view(host);
  return std::any_of(names_.begin(), names_.end(), [&](const std::string& entry) {
    return name == entry ||
           (name.size() > entry.size() && name.ends_with(entry) && name[name.size() - entry.size() - 1] == '.');
  });
}

Proxy parse_proxy(std::string_view text, std::string_view source) {
  // curl takes "host:port" for "http://host:port".
  std::string const url = text.find("://") == std::string_view::npos ? "http://" + std::string(text)
                                                                      : std::string(text);
  auto const fail = [&](std::string_view why) {
    // Escaped: the text comes from the command line or the environment, and goes to a terminal.
    return UsageError(fmt::format("{} \"{}\": {}", source,
                                  escape_control_characters(redact_password(url)), why));
  };
  auto const parsed = boost::urls::parse_uri(url);
  if (!parsed) throw fail("not a proxy URL (expected http://HOST:PORT)");
  if (parsed->scheme_id() != boost::urls::scheme::http) {
    throw fail(fmt::format("unsupported proxy scheme \"{}\" (only http:// proxies)",
                           std::string_view(parsed->scheme())));
  }
  auto target = parse_target(url);
  if (!target.target) throw fail(target.error);

  Proxy proxy;
  proxy.host = std::move(target.target->origin.host);
  if (parsed->has_port()) proxy.port = target.target->origin.port;
  proxy.authorization = std::move(target.target->authorization);
  proxy.display = Origin{Scheme::http, proxy.host, proxy.port}.to_string();
  return proxy;
}

std::optional<std::string> ProxySettings::process_environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

ProxySettings ProxySettings::from(const std::optional<std::string>& proxy,
                                  const std::optional<std::string>& noproxy,
                                  const Environment& environment) {
  ProxySettings settings;
  if (proxy) {
    if (!proxy->empty()) {
      settings.http_ = parse_proxy(*proxy, "--proxy");
      settings.https_ = settings.http_;
    }
  } else {
    // Upper-case HTTP_PROXY is not read under CGI, where it is the client's "Proxy:" request
    // header (httpoxy, CVE-2016-5385); curl never reads it, Go skips it under CGI as here.
    bool const cgi = environment("REQUEST_METHOD").has_value();
    auto const http = cgi ? first_set(environment, {"http_proxy", "all_proxy", "ALL_PROXY"})
                          : first_set(environment, {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"});
    auto const https = first_set(environment, {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"});
    if (http) settings.http_ = parse_proxy(http->value, http->name);
    if (https) settings.https_ = parse_proxy(https->value, https->name);
  }
  if (noproxy) {
    settings.no_proxy_ = NoProxyList::parse(*noproxy);
  } else if (auto const listed = first_set(environment, {"no_proxy", "NO_PROXY"})) {
    settings.no_proxy_ = NoProxyList::parse(listed->value);
  }
  return settings;
}

const Proxy* ProxySettings::for_origin(const Origin& origin) const {
  auto const& proxy = origin.is_https() ? https_ : http_;
  if (!proxy || no_proxy_.matches(origin.host)) return nullptr;
  return &*proxy;
}

}  // namespace poller
