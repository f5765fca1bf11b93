#pragma once
// Which HTTP proxy, if any, a request goes through: --proxy, --noproxy and the environment
// (http_proxy, https_proxy, all_proxy, no_proxy), read the way curl reads them. Pure.

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "poller/input/target.hpp"

namespace poller {

// An HTTP proxy (http:// only: poller speaks neither SOCKS nor TLS to a proxy).
struct Proxy {
  std::string host;           // lower case; an IPv6 literal without brackets
  std::uint16_t port = 1080;  // curl's default when the proxy URL names none
  std::string authorization;  // "Basic ..." from the proxy URL's user:password, else empty
  std::string display;        // "http://host:port", for messages: never the password
};

// Where a connection goes and what it can carry: the key of the connection pool.
//  - direct:                      {origin, nullptr}
//  - https through a proxy:       {origin, proxy}  a CONNECT tunnel to that one origin
//  - plain http through a proxy:  {{http, "", 0}, proxy}  one connection to the proxy carries
//                                 requests for every http origin
struct Route {
  Origin origin;
  const Proxy* proxy = nullptr;  // owned by the ProxySettings of the run

  static Route to(const Origin& origin, const Proxy* proxy);
  bool tunnelled() const { return proxy != nullptr && origin.is_https(); }
  auto operator<=>(const Route&) const = default;
};

// A route named by reference: what a request looks up in the pool, without copying its origin.
struct RouteKey {
  const Origin& origin;
  const Proxy* proxy;

  static RouteKey to(const Origin& origin, const Proxy* proxy);  // as Route::to
  bool tunnelled() const { return proxy != nullptr && origin.is_https(); }
  Route route() const { return Route{origin, proxy}; }
};

// Orders routes and route keys alike, as Route's own order does.
struct RouteOrder {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return std::tie(a.origin, a.proxy) < std::tie(b.origin, b.proxy);
  }
};

// --noproxy / no_proxy: comma-separated host names (a name matches itself and its subdomains;
// a leading dot is ignored), IP addresses, CIDR ranges (127.0.0.0/8, ::1/128), or "*" for all.
class NoProxyList {
 public:
  static NoProxyList parse(std::string_view text);
  bool matches(const std::string& host) const;  // host as in Origin
  bool empty() const { return !all_ && names_.empty() && ranges_.empty(); }

 private:
  struct AddressRange {
    std::string address;  // 4 or 16 bytes, network order
    unsigned prefix_bits;
  };
  bool all_ = false;
  std::vector<std::string> names_;
  std::vector<AddressRange> ranges_;
};

class ProxySettings {
 public:
  // Looks an environment variable up; empty or unset reads as std::nullopt.
  using Environment = std::function<std::optional<std::string>(const char* name)>;
  static std::optional<std::string> process_environment(const char* name);

  // `proxy`: --proxy (an empty string: no proxy, whatever the environment says); `noproxy`:
  // --noproxy (in place of no_proxy). Throws UsageError for a proxy URL poller cannot use,
  // naming the option or variable it came from.
  static ProxySettings from(const std::optional<std::string>& proxy,
                            const std::optional<std::string>& noproxy,
                            const Environment& environment = process_environment);

  // The proxy requests to `origin` go through, or nullptr to go direct. Valid while this object
  // lives.
  const Proxy* for_origin(const Origin& origin) const;
  bool any() const { return http_ || https_; }

 private:
  std::optional<Proxy> http_;
  std::optional<Proxy> https_;
  NoProxyList no_proxy_;
};

// Parses a proxy URL: "http://[user:password@]host[:port]", or "host[:port]" (http assumed).
// Throws UsageError naming `source` ("--proxy", "https_proxy", ...).
Proxy parse_proxy(std::string_view text, std::string_view source);

}  // namespace poller
