#pragma once
// An HTTP/1.1 (or HTTPS) server for integration tests, with routes that let a test provoke each
// behaviour of the client: statuses, sizes, delays, redirects, echoed headers, a changing body.
// Beast stays behind the pimpl: including this header costs nothing.

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

struct TestServerOptions {
  std::optional<KeyPair>
      tls{};  // HTTPS when set (cert_pem may be a chain: leaf then intermediates)
  // After each response (sent WITHOUT Connection: close), close the connection when no new
  // request has arrived within ~50 ms, as a server with a short keep-alive timeout does (and, as
  // nginx does then, without a TLS close_notify).
  bool close_idle_connections = false;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral
};

struct RecordedRequest {
  std::size_t connection_id = 0;  // 1 for the first connection accepted, then 2, ...
  std::string method{};
  std::string target{};
  std::map<std::string, std::string> headers{};  // lower-case names; repeated fields joined by ", "
  std::string tls_server_name{};                 // SNI of the connection, empty without TLS or SNI
};

// Listens from construction on; serves on a background thread with its own io_context.
//
// Routes (GET; HEAD gets the same status and headers without the body):
//   any other path        200 text/plain, body "<target>\n" (the request target echoed)
//   /status/NNN           status NNN (200-999), body "status NNN\n" (none for 204, 304)
//   /bytes/N              200, N bytes of body 'a' + i % 26, streamed (N may exceed memory)
//   /sleep/MS             200 "slept MS\n" after MS milliseconds (a timer, other clients go on)
//   /redirect/N           302 Location: /redirect/N-1, until /redirect/0: 200 "redirected\n"
//   /redirect-to?url=U    302 Location: U percent-decoded ('+' stays '+'); &status=30x optional
//   /headers              200, the request headers as "name: value\n", lower-case names, sorted
//   /counter              200 "count N\n", N = requests to /counter so far (1, 2, ...)
//   /every-other/NAME     200 "v1\n", "v1\n", "v2\n", "v2\n", ...: a new body every other request
//   /binary               200, the 256 byte values 0..255 in order (not valid UTF-8)
//   /truncate/N           Content-Length N, then N/2 bytes of /bytes' pattern, then a hard close
//   /close                closes the connection without any response
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poller::test
