#pragma once
// What the HTTP client needs to know of a run's settings, and nothing else: the app layer fills
// it in from the options.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poller/base/duration.hpp"

namespace poller {

// --resolve HOST:PORT:ADDR[,ADDR]...
struct ResolveOverride {
  std::string host;  // lower case
  std::uint16_t port = 0;
  std::vector<std::string> addresses;  // in the order given; IPv6 without brackets
};

// -4, -6: the address family connections use; any: both, raced (happy eyeballs).
enum class IpFamily { any, v4, v6 };

// -H 'Name: value'; an empty value removes the header (as in curl).
struct HeaderOption {
  std::string name;
  std::string value;
};

// The -H of that name that counts: the last one given (names compared case-insensitively);
// null when none names it.
const HeaderOption* last_header(const std::vector<HeaderOption>& headers, std::string_view name);

// Whether a Transfer-Encoding value ends in the chunked coding ("chunked", "gzip, chunked"), the
// one framing of a request body poller can apply (RFC 9112 6.1: chunked comes last). A -H
// Transfer-Encoding that does not cannot frame the body: the app refuses it.
bool ends_in_chunked(std::string_view transfer_encoding);

// --cacert, --insecure: how the server's certificate is checked.
struct TlsConfig {
  std::optional<std::string> cacert;
  bool insecure = false;
};

// -d, --data-binary, --json: the request body, read and joined at start (see the app's
// request_body.hpp).
struct RequestBody {
  std::string data;
  // --json: Content-Type and Accept are application/json (curl 7.82+), not the form type of -d.
  bool json = false;
  // Sent unless a -H names Content-Type.
  std::string_view content_type() const {
    return json ? "application/json" : "application/x-www-form-urlencoded";
  }
};

// What one fetch asks for: the settings a URL's list line may give it (SPEC "Per-URL settings").
struct RequestConfig {
  // -X: as given (an HTTP token). Unset: POST with a body, else GET, as in curl.
  std::optional<std::string> method;
  // Sent with Content-Length, with any method; as chunks with -H Transfer-Encoding: chunked.
  std::optional<RequestBody> body;
  std::string_view effective_method() const {
    if (method) return *method;
    return body ? "POST" : "GET";
  }
  Duration connect_timeout = std::chrono::seconds(10);
  Duration max_time = std::chrono::seconds(30);  // 0: no limit, as in curl
  bool follow_redirects = false;
  unsigned max_redirects = 10;
  std::vector<HeaderOption> headers;  // in the order given; of several of one name the last counts
  std::string user_agent = "poller/" POLLER_VERSION;
  // Of the body as printed: with `compressed`, the decoded size (and the compressed bytes read).
  std::uint64_t max_filesize = 64ull * 1024 * 1024;
  // --compressed: ask for gzip or deflate, decode what comes so encoded.
  bool compressed = false;
  IpFamily ip_family = IpFamily::any;
  // --conditional (implied by --on-change): the validators of the URL's last 200 go out as
  // If-None-Match / If-Modified-Since, and the client keeps those a response brings.
  bool conditional = false;

  // Not an option of its own: the app sets it from what the output and the URL's checks use.
  // Without it each body is counted (and, with ClientConfig::digest_body, digested) as it
  // streams, then dropped; with it the body is kept whole in the result.
  bool keep_body = true;
};

// The client's settings for the whole run.
struct ClientConfig {
  RequestConfig request;  // the command line's: for every URL without settings of its own
  std::vector<ResolveOverride> resolve;
  std::size_t max_connections = 1024;  // idle keep-alive connections kept, over all hosts

  // --proxy URL (an empty string: no proxy) and --noproxy LIST; unset, the environment decides
  // (http_proxy, https_proxy, all_proxy, no_proxy: see proxy.hpp).
  std::optional<std::string> proxy;
  std::optional<std::string> noproxy;

  TlsConfig tls;

  // Not options of their own: the app sets them from what the output uses. digest_body
  // (--on-change): each body's SHA-256 is taken as it streams in. keep_headers: the final
  // response's header fields are kept in the result only when asked for (-w %{header{NAME}}),
  // as moving them out of the parser costs an allocation per fetch.
  bool digest_body = false;
  bool keep_headers = false;
};

}  // namespace poller
