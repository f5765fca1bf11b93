#include "request.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>

#include "poller/base/text.hpp"

namespace poller {
namespace {

// A -H header that belongs to the listed origin and is not sent on to another one after a
// redirect: credentials, and a custom Host (which names the listed server; curl, too, sends the
// new host's name instead).
bool is_bound_to_listed_origin(std::string_view name) {
  return iequals(name, "authorization") || iequals(name, "cookie") || iequals(name, "host");
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// RFC 9112 7.1: the body as one chunk (none when it is empty), then the last chunk and no
// trailer.
void append_chunked(std::string& out, std::string_view data) {
  if (!data.empty()) {
    char size[24];
    auto const end = std::to_chars(std::begin(size), std::end(size), data.size(), 16).ptr;
    out.append(size, end).append("\r\n").append(data).append("\r\n");
  }
  out.append("0\r\n\r\n");
}

}  // namespace

const HeaderOption* last_header(const std::vector<HeaderOption>& headers, std::string_view name) {
  auto const last = std::find_if(headers.rbegin(), headers.rend(), [&](const HeaderOption& header) {
    return iequals(header.name, name);
  });
  return last == headers.rend() ? nullptr : &*last;
}

bool ends_in_chunked(std::string_view transfer_encoding) {
  auto const comma = transfer_encoding.rfind(',');
  auto const last =
      comma == std::string_view::npos ? transfer_encoding : transfer_encoding.substr(comma + 1);
  return iequals(trim_ows(last), "chunked");
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

RequestMethod after_redirect(RequestMethod method, unsigned status) {
  bool const to_get = ((status == 301 || status == 302) && method.name == "POST") ||
                      (status == 303 && method.name != "HEAD");
  if (to_get) return {"GET", false};
  return method;
}

bool RequestFormatter::counts(std::vector<HeaderOption>::const_iterator header) const {
  return std::none_of(std::next(header), config_.headers.end(), [&](const HeaderOption& later) {
    return iequals(later.name, header->name);
  });
}

void RequestFormatter::format(const Target& target, RequestMethod method, bool to_listed_origin,
                              const Proxy* proxy, std::string& out,
                              const Validators* validators) const {
  // A -H that applies to this request: credentials and Host only to the listed origin; no
  // Content-Length beside poller's own, and nothing about a body a redirect dropped. A
  // Transfer-Encoding goes only with a body, which it then frames instead of Content-Length.
  auto const& headers = config_.headers;
  auto const& body = config_.body;
  bool const with_body = body && method.with_body;
  auto const applies = [&](const HeaderOption& header) {
    if (!to_listed_origin && is_bound_to_listed_origin(header.name)) return false;
    if (iequals(header.name, "transfer-encoding"))
      return with_body && ends_in_chunked(header.value);
    if (!body) return true;
    return !iequals(header.name, "content-length") &&
           (method.with_body || !iequals(header.name, "content-type"));
  };
  auto const overridden = [&](std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const HeaderOption& header) {
      return applies(header) && iequals(header.name, name);
    });
  };
  auto const append_default = [&](std::string_view name, std::string_view value) {
    if (!value.empty() && !overridden(name)) append_field(out, name, value);
  };

  out.assign(method.name).append(" ");
  if (proxy != nullptr) out.append("http://").append(target.host_header);
  out.append(target.request_target).append(" HTTP/1.1\r\n");
  append_default("Host", target.host_header);
  append_default("User-Agent", config_.user_agent);
  append_default("Accept", body && body->json ? "application/json" : "*/*");
  append_default("Accept-Encoding", config_.compressed ? "gzip, deflate" : "");
  append_default("Authorization", target.authorization);
  if (proxy != nullptr) append_default("Proxy-Authorization", proxy->authorization);
  if (validators != nullptr) {
    append_default("If-None-Match", validators->etag);
    append_default("If-Modified-Since", validators->last_modified);
  }
  // The -H Transfer-Encoding that counts, the last, frames the body when it applies.
  auto const* const transfer_encoding = last_header(headers, "transfer-encoding");
  bool const chunked = transfer_encoding != nullptr && applies(*transfer_encoding);
  if (with_body) {
    append_default("Content-Type", body->content_type());
    if (!chunked) {
      char length[24];
      auto const end = std::to_chars(std::begin(length), std::end(length), body->data.size()).ptr;
      append_field(out, "Content-Length", std::string_view(length, end));
    }
  }
  for (auto header = headers.begin(); header != headers.end(); ++header) {
    if (applies(*header) && !header->value.empty() && counts(header))
      append_field(out, header->name, header->value);
  }
  out.append("\r\n");
  if (!with_body) return;
  if (chunked)
    append_chunked(out, body->data);
  else
    out.append(body->data);
}

void RequestFormatter::format_connect(const Origin& origin, const Proxy& proxy, std::string& out) const {
  auto const authority = origin.authority();
  out.assign("CONNECT ").append(authority).append(" HTTP/1.1\r\n");
  append_field(out, "Host", authority);
  if (!config_.user_agent.empty()) append_field(out, "User-Agent", config_.user_agent);
  if (!proxy.authorization.empty()) append_field(out, "Proxy-Authorization", proxy.authorization);
  out.append("\r\n");
}

}  // namespace poller
