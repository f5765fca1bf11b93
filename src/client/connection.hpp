#pragma once
// One HTTP/1.1 connection to an origin, plain or TLS, straight or through an HTTP proxy.
// Private to the client: only the client's translation units include this (it pulls in Beast).
//
// Steps carry no timeouts of their own: the client bounds a whole fetch with one deadline and
// cancel()s the connection when it passes, which costs no timer syscalls per read or write.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>

#include "poller/base/asio_defaults.hpp"
#include "decoded_body.hpp"
#include "proxy.hpp"
#include "poller/input/target.hpp"
#include "tls_session_cache.hpp"
#include "tls_socket.hpp"

namespace poller {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

using Deadline = std::chrono::steady_clock::time_point;
using ResponseParser = http::response_parser<DecodedBody>;

class Connection {
 public:
  // `tls` is used for an https origin only, and may be null for plain http.
  Connection(const net::any_io_executor& executor, net::ssl::context* tls, Route route);

  ~Connection();  // hands its TLS session to the cache given to return_session_to(), if any
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Route& route() const { return route_; }
  // The server TLS and the requests are for; no host for plain http through a proxy.
  const Origin& origin() const { return route_.origin; }

  // TCP: connects to the first endpoint that answers (the proxy's, for a proxied route).
  net::awaitable<error_code> connect(const tcp::resolver::results_type& endpoints);

  // A tunnelled route, before handshake(): sends `connect_request` (CONNECT origin) to the proxy
  // and reads its answer. A refusal is no error: `status` then holds the proxy's status (not
  // 2xx) and `reason` its reason phrase.
  net::awaitable<error_code> open_tunnel(std::string_view connect_request, unsigned& status,
                                         std::string& reason);

  // HTTPS only (a no-op for HTTP): the TLS handshake, sending SNI and verifying the certificate
  // against `origin().host`, up to the server's next turn: while it waits for the server it
  // returns asio::error::would_block; wait_for_server(), then call it again to go on.
  net::awaitable<error_code> handshake();
  // Until the server has sent something (or closed), or `patience_end` has passed: then
  // asio::error::timed_out. Deadline::max() waits until cancel().
  net::awaitable<error_code> wait_for_server(Deadline patience_end);

  // TLS session resumption: offer a session saved from an earlier connection to the same origin
  // before handshake(); afterwards, whether the server took it.
  void offer_tls_session(SSL_SESSION* session);
  bool tls_resumed();
  // Once an exchange has succeeded: when this connection closes, its session goes to `cache`
  // for the next connection to the origin. Weak, because the io_context may destroy a suspended
  // fetch, and the connection it holds, after the client and its cache are gone.
  void return_session_to(std::weak_ptr<TlsSessionCache> cache) { session_cache_ = std::move(cache); }

  // Sends the request whole, in one write where the socket takes it. `sent_any` is set once a
  // byte of it (over TLS, of a record) has gone to the socket: a server may have seen it.
  net::awaitable<error_code> write(std::string_view request, bool& sent_any);

  // Reads and parses whatever arrives next of the response into `parser`. `buffer` holds bytes
  // read but not yet parsed; the client lends one buffer to whichever connection is in use.
  // Reads from the socket once at most; `parsed` is set to the bytes the parser took in, and
  // what it could not take yet stays in `buffer`.
  net::awaitable<error_code> read_some(ResponseParser& parser, beast::flat_buffer& buffer,
                                       std::size_t& parsed);

  // Idle connections only: whether it may carry the next request. Anything waiting to be read
  // on it (a byte on the socket, a record inside OpenSSL) was sent before any request asked for
  // it, and would be read as the next response; a connection the server closed is no better.
  enum class IdleState { quiet, closed, unrequested_bytes };
  IdleState idle_state();

  // Aborts whatever is in flight; the connection is unusable afterwards.
  void cancel();

  // A readable reason for an error of connect() or handshake(): for TLS, which certificate
  // check failed.
  std::string describe_open_error(const error_code& ec);

  const std::string& remote_ip() const { return remote_ip_; }

  // HTTPS, after a successful handshake: when the server's leaf certificate expires (notAfter).
  // Read once at the handshake, so every request over the connection can report it.
  const std::optional<std::chrono::system_clock::time_point>& certificate_expiry() const {
    return certificate_expiry_;
  }

 private:
  using PlainStream = tcp::socket;

  tcp::socket& socket();
  net::awaitable<std::tuple<error_code, std::size_t>> read_from_stream(net::mutable_buffer buffer);
  net::awaitable<error_code> handshake_turn(TlsSocket& stream);

  Route route_;
  std::variant<PlainStream, TlsSocket> stream_;
  std::string remote_ip_;
  std::weak_ptr<TlsSessionCache> session_cache_;
  std::optional<std::chrono::system_clock::time_point> certificate_expiry_;
};

}  // namespace poller
