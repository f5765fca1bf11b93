#pragma once
// An HTTP/1.1 (or HTTPS) server for integration tests, with routes that let a test provoke each
// behaviour of the client: statuses, sizes, delays, redirects, echoed headers, a changing body.
// Beast stays behind the pimpl: including this header costs nothing.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_certs.hpp"

namespace poller::test {

// The highest TLS version a TestServer speaks; below 1.2 it also lowers OpenSSL's security level
// so that TLS 1.0 and 1.1 are offered at all (OpenSSL 3 refuses them at its default level 1).
enum class TlsVersion { tls1_0, tls1_1, tls1_2, tls1_3 };

struct TestServerOptions {
  std::optional<KeyPair>
      tls{};  // HTTPS when set (cert_pem may be a chain: leaf then intermediates)
  std::optional<TlsVersion> tls_max_version{};  // with tls: cap the protocol (default: 1.3)
  // With tls: each handshake waits this long after its ClientHello arrives before the server
  // answers it, so that the handshakes a client starts together are in progress together.
  std::chrono::milliseconds tls_answer_delay{0};
  // After each response (sent WITHOUT Connection: close), close the connection when no new
  // request has arrived within ~50 ms, as a server with a short keep-alive timeout does (and, as
  // nginx does then, without a TLS close_notify).
  bool close_idle_connections = false;
  // Each connection answers its first request (framed for keep-alive) and closes, without an
  // answer, when a second one has been read: a keep-alive timeout that strikes just as the
  // client reuses the connection, with no clock to race. The dropped request is not among
  // requests(), but among unanswered_requests().
  bool close_on_second_request = false;
  // Every response says `Connection: close` and the connection is closed after it.
  bool connection_close = false;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral
  // More addresses to accept on, on the same port: many "hosts" on loopback (127.0.x.y) without
  // listening beyond it.
  std::vector<std::string> extra_addresses{};
  // The listen backlog (0: the system's most). With accept_pause, a server slow to take its
  // connections: after each accept the next waits this long, and SYNs beyond the backlog are
  // dropped meanwhile (the client retransmits them after a second).
  int backlog = 0;
  std::chrono::milliseconds accept_pause{0};
};

// One server for `hosts` (loopback addresses, an origin each) whose TLS answers wait 100 ms, so
// that the handshakes a client starts together are in progress together. TLS 1.2: full
// handshakes end on the server's side first, so its count of handshakes at once is a floor.
inline TestServerOptions slow_tls_origins(const TestCa& ca, const std::vector<std::string>& hosts) {
  return {.tls = ca.issue({.ip_addresses = hosts}),
          .tls_max_version = TlsVersion::tls1_2,
          .tls_answer_delay = std::chrono::milliseconds(100),
          .address = hosts.front(),
          .extra_addresses = std::vector<std::string>(hosts.begin() + 1, hosts.end())};
}

struct RecordedRequest {
  std::size_t connection_id = 0;  // 1 for the first connection accepted, then 2, ...
  std::string method{};
  std::string target{};
  std::map<std::string, std::string> headers{};  // lower-case names; repeated fields joined by ", "
  std::string tls_server_name{};                 // SNI of the connection, empty without TLS or SNI
  bool tls_session_reused = false;               // the connection's handshake resumed a session
  std::string body{};                            // as received (Content-Length or chunked)
  std::chrono::steady_clock::time_point received{};  // when its header was read
};

// Listens from construction on; serves on a background thread with its own io_context.
//
// Routes (any method; HEAD gets the same status and headers without the body):
//   any other path        200 text/plain, body "<target>\n" (the request target echoed)
//   /status/NNN           status NNN (200-999), body "status NNN\n" (none for 204, 304)
//   /bytes/N              200, N bytes of body 'a' + i % 26, streamed (N may exceed memory)
//   /sleep/MS             200 "slept MS\n" after MS milliseconds (a timer, other clients go on)
//   /redirect/N           302 Location: /redirect/N-1, until /redirect/0: 200 "redirected\n"
//   /redirect-to?url=U    302 Location: U percent-decoded ('+' stays '+'); &status=30x optional
//   /headers              200, the request headers as "name: value\n", lower-case names, sorted
//   /anything[/...]       200, what the request was (httpbin's echo, as text): "method: M\n",
//                         "target: T\n", the headers as /headers does, an empty line, the body
//   /counter              200 "count N\n", N = requests to /counter so far (1, 2, ...)
//   /retry-after?status=S&value=V
//                         status S (default 429), body "retry later\n", with Retry-After: V
//                         (percent-decoded) when V is given
//   /validated?etag=E&last-modified=L&version-every=K
//                         a page with validators: ETag: E and Last-Modified: L when given (E as
//                         sent: quotes and W/ are the caller's). With K, the page changes every
//                         K-th request: E and the body get "-vN" appended. A request whose
//                         If-None-Match is the current ETag, or (without If-None-Match) whose
//                         If-Modified-Since is L, gets a 304 without a body; others 200
//                         "validated vN\n"
//   /long-etag/N          200 "long etag\n" with an ETag of N characters (a hostile server)
//   /every-other/NAME     200 "v1\n", "v1\n", "v2\n", "v2\n", ...: a new body every other request
//   /statuses/A,B,...     the Nth request to the path gets the Nth status of the list (then the
//                         last), body "status N\n": an outage and a recovery, request by request
//   /binary               200, the 256 byte values 0..255 in order (not valid UTF-8)
//   /truncate/N           Content-Length N, then N/2 bytes of /bytes' pattern, then a hard close
//   /gzip/TEXT            200, Content-Encoding: gzip, TEXT gzipped (sent only when asked by path,
//                         whatever the Accept-Encoding)
//   /deflate/TEXT         200, Content-Encoding: deflate, TEXT zlib-wrapped (RFC 1950)
//   /raw-deflate/TEXT     200, Content-Encoding: deflate, TEXT as raw deflate, as some servers send
//   /gzip-bomb/N          200, Content-Encoding: gzip, N MiB of zero bytes gzipped (~1 KiB per MiB)
//   /gzip-corrupt         200, Content-Encoding: gzip, a body that is not gzip
//   /close                closes the connection without any response
// Faults, one path each, for the hardening tests (the connection then serves no more requests
// unless said otherwise):
//   /fault/close-after-response    200 "closed after response\n" framed for keep-alive (no
//                                  Connection: close), then an orderly close
//   /fault/reset-mid-body          Content-Length 1000, 500 bytes, then a reset (SO_LINGER 0)
//   /fault/hang-after-headers      Content-Length 100, then nothing until the client leaves
//   /fault/trickle                 a whole 200 response, one byte a second
//   /fault/bad-status-line         "HTTP/1.1 2OO OK" (letters O), then nothing
//   /fault/huge-header             a 200 whose header is about 80 KiB
//   /fault/endless-chunked         200, Transfer-Encoding: chunked, 16 KiB chunks forever
//   /fault/redirect-loop           302 Location: /fault/redirect-loop (keeps the connection)
//   /fault/interim                 100 Continue, 103 Early Hints, then 200 "after interim\n"
//                                  (keeps the connection)
//   /fault/no-content              204 without Content-Length (keeps the connection)
//   /fault/not-modified            304 with Content-Length: 5000 and no body, as RFC 9110 8.6
//                                  allows (keeps the connection)
//   /fault/silent                  reads the request, never answers
// Stray bytes: a whole response, then 50 ms later a second one framed as 200 "not asked for\n"
// that no request asked for (keeps the connection):
//   /fault/unrequested-response    after a 200 "asked for\n"
//   /fault/late-body-after-204     after a 204 (a late body)
//   /fault/late-body-after-304     after a 304 with Content-Length: 14 and no body
//   /fault/early-response          200 "asked for\n", then 50 ms later 200 "answered early\n", the
//                                  answer to a request not yet made: the next request gets none
//   /fault/switching-protocols     101 Upgrade: websocket; the next request (in the "upgraded"
//                                  stream) is answered 200 "upgraded stream\n"
//   /fault/continue-then-reset     100 Continue, then 50 ms later a reset (SO_LINGER 0)
//   /fault/claimed-length/N        Content-Length N, the 3 bytes "abc", then an orderly close
//   /fault/endless-chunk-extension 200, chunked, a chunk size line "5;x=xxxx..." that never ends
//   /fault/endless-trailer         200, chunked, "hello", then a trailer field that never ends
//   /fault/endless-interim         100 Continue, again and again, never a final response
// A request that does not parse closes the connection.
class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();  // stops the thread, closes everything
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const;
  std::string url(std::string_view path) const;  // "http://127.0.0.1:PORT" + path (https with TLS)
  std::size_t connections_accepted() const;      // TCP connections accepted (thread-safe)
  // Requests read. Counted, like requests(), before the response is written, so a client that
  // has its response always finds its request here.
  std::size_t requests_served() const;
  std::vector<RecordedRequest> requests() const;  // copy, thread-safe
  // Requests read and then left unanswered, the connection closed (close_on_second_request).
  std::vector<RecordedRequest> unanswered_requests() const;
  // The most connections that were open at once (a connection counts until the server has
  // seen the client close it, or has closed it itself).
  std::size_t max_open_connections() const;
  std::size_t open_connections() const;  // now
  // The most TLS handshakes in progress at once: from the ClientHello's arrival to the end of
  // the server's part. Capped at TLS 1.2 (full handshakes), the server's part ends before the
  // client's, so this never exceeds what the client had in progress at once.
  std::size_t max_tls_handshakes_at_once() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A loopback listener that never accepts, with its accept queue filled by connections of its
// own: a new connection's SYN is dropped (Linux drops it when the queue is full, SYN cookies or
// not), so a client's connect hangs until its own timeout, as with a host that does not answer.
class FullBacklogListener {
 public:
  // On `address` (IPv4 or IPv6), at `port` (0: ephemeral).
  explicit FullBacklogListener(const std::string& address = "127.0.0.1", std::uint16_t port = 0);
  ~FullBacklogListener();
  FullBacklogListener(const FullBacklogListener&) = delete;
  FullBacklogListener& operator=(const FullBacklogListener&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path) const;  // "http://127.0.0.1:PORT" + path
  // Whether a probe connection hung as intended; if not, the kernel does not behave as assumed.
  bool saturated() const { return saturated_; }

 private:
  int listener_ = -1;
  std::string address_;
  std::vector<int> fillers_;
  std::uint16_t port_ = 0;
  bool saturated_ = false;
};

}  // namespace poller::test
