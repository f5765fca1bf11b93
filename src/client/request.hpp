#pragma once
// The bytes of each GET request poller sends: header choice (-A, -H, credentials) and format.
//
// Written out directly rather than built as a Beast message and serialized: a GET has no body,
// and Beast's serializer was 4.5k of the 34k instructions poller spent per HTTP request.

#include <string>
#include <vector>

#include "poller/client_config.hpp"
#include "proxy.hpp"
#include "poller/target.hpp"

namespace poller {

// A view of one URL's request settings: cheap to make per fetch (it copies nothing).
class RequestFormatter {
 public:
  explicit RequestFormatter(const RequestConfig& config) : config_(config) {}

  // Replaces `out` with the request for `target` (its capacity is reused). Headers, in order:
  // Host, User-Agent, Accept, Accept-Encoding (--compressed only), Authorization (from the URL's
  // userinfo), then each -H. A -H
  // replaces a default of the same name, or with an empty value removes it; of several -H of one
  // name the last counts. Authorization, Cookie and Host from -H go to the listed origin only
  // (`to_listed_origin`), as in curl: a redirect elsewhere does not carry them along (and gets
  // its own Host).
  // Through a proxy (`proxy`, plain http only) the request target is the absolute URL, without
  // userinfo, and Proxy-Authorization follows Authorization.
  void format(const Target& target, bool to_listed_origin, const Proxy* proxy, std::string& out) const;

  // The CONNECT request that asks `proxy` for a tunnel to `origin` (https through a proxy).
  void format_connect(const Origin& origin, const Proxy& proxy, std::string& out) const;

 private:
  // The -H that count: the last of each name.
  bool counts(std::vector<HeaderOption>::const_iterator header) const;

  const RequestConfig& config_;
};

}  // namespace poller
