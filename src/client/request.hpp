#pragma once
// The bytes of each request poller sends: method (-X), header choice (-A, -H, credentials, the
// body's), the body (-d, --data-binary, --json), and what a redirect does to the method.
//
// Written out directly rather than built as a Beast message and serialized: Beast's serializer
// was a large share of the instructions poller spent per request (bench/RESULTS.md).

#include <string>
#include <string_view>
#include <vector>

#include "poller/base/validators.hpp"
#include "poller/client/client_config.hpp"
#include "proxy.hpp"
#include "poller/input/target.hpp"

namespace poller {

// The method of one request of a fetch, and whether it carries the configured body: a redirect
// may turn a POST into a GET without it.
struct RequestMethod {
  std::string_view name;
  bool with_body = false;
  bool operator==(const RequestMethod&) const = default;
};

// RFC 9110 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE. Methods are case-sensitive, so "post"
// is some other method, and like every method not listed, taken as not idempotent.
bool is_idempotent(std::string_view method);

// The request that follows a redirect with `status`, as curl -L makes it: 301 and 302 turn a
// POST into a GET without the body (as browsers do), 303 turns every method but HEAD into one;
// 307 and 308 keep both.
RequestMethod after_redirect(RequestMethod method, unsigned status);

// A view of one URL's request settings: cheap to make per fetch (it copies nothing).
class RequestFormatter {
 public:
  explicit RequestFormatter(const RequestConfig& config) : config_(config) {}

  // The first request of a fetch: the configured method and body.
  RequestMethod first_method() const {
    return {config_.effective_method(), config_.body.has_value()};
  }

  // Replaces `out` with the request for `target` (its capacity is reused). Headers, in order:
  // Host, User-Agent, Accept, Accept-Encoding (--compressed only), Authorization (from the URL's
  // userinfo), Content-Type and Content-Length (with a body), then each -H; then the body. A -H
  // replaces a default of the same name, or with an empty value removes it; of several -H of one
  // name the last counts. Authorization, Cookie and Host from -H go to the listed origin only
  // (`to_listed_origin`), as in curl: a redirect elsewhere does not carry them along (and gets
  // its own Host). With `validators` (--conditional), If-None-Match and If-Modified-Since
  // follow Authorization, as defaults: a -H of the same name wins.
  // Through a proxy (`proxy`, plain http only) the request target is the absolute URL, without
  // userinfo, and Proxy-Authorization follows Authorization.
  // With a body, Content-Length is always poller's own (a -H Content-Length is not sent: it could
  // only be wrong), unless a -H Transfer-Encoding ends in chunked: then the body goes as one
  // chunk and the last chunk, with no Content-Length (RFC 9112 6.3: never both, as curl does).
  // After a redirect dropped the body, no header describes it, -H's included; a
  // Transfer-Encoding is sent only with a body.
  void format(const Target& target, RequestMethod method, bool to_listed_origin, const Proxy* proxy,
              std::string& out, const Validators* validators = nullptr) const;

  // The CONNECT request that asks `proxy` for a tunnel to `origin` (https through a proxy).
  void format_connect(const Origin& origin, const Proxy& proxy, std::string& out) const;

 private:
  // The -H that count: the last of each name.
  bool counts(std::vector<HeaderOption>::const_iterator header) const;

  const RequestConfig& config_;
};

}  // namespace poller
