#include "poller/http_client.hpp"

#include <algorithm>
#include <map>
#include <new>
#include <optional>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/connection.hpp"
#include "poller/decoder.hpp"
#include "poller/encoding.hpp"
#include "poller/fetch_deadline.hpp"
#include "poller/pool.hpp"
#include "poller/request.hpp"
#include "poller/tls.hpp"

namespace poller {
namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t header_limit = 64 * 1024;
constexpr std::size_t read_buffer_size = 64 * 1024;

using Clock = std::chrono::steady_clock;

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct OpenedConnection {
  std::unique_ptr<Connection> connection;
  std::string error;  // set when connection is null
};

// The final response's fields, read straight from the parser that holds them.
class ParsedHeaders final : public ResponseHeaders {
 public:
  explicit ParsedHeaders(const std::optional<ResponseParser>& parser) : parser_(parser) {}
  std::string_view get(std::string_view name) const override {
    if (!parser_) return {};
    auto const& fields = parser_->get().base();
    auto found = fields.find(beast::string_view(name.data(), name.size()));
    if (found == fields.end()) return {};
    return {found->value().data(), found->value().size()};
  }

 private:
  const std::optional<ResponseParser>& parser_;
};

class BodyDecodeCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "poller.body_decode"; }
  std::string message(int) const override { return "bad compressed body"; }
};

class ChunkFramingCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "poller.chunk_framing"; }
  std::string message(int) const override { return "chunk header or trailer too long"; }
};

// A chunk's size line (with its extensions) or the trailer, still unparsed, over header_limit.
error_code chunk_framing_too_long() {
  static const ChunkFramingCategory category;
  return {1, category};
}

}  // namespace

const boost::system::error_category& body_decode_category() {
  static const BodyDecodeCategory category;
  return category;
}

struct HttpClient::Impl {
  Impl(net::io_context& io, const Options& options);

  net::ssl::context& tls_context();
  net::awaitable<FetchResult> fetch(const Target& listed, std::uint64_t round);
  net::awaitable<std::string> exchange(const Target& target, bool to_listed_origin,
                                       FetchResult& result);
  net::awaitable<error_code> send_and_receive(Connection& connection, std::string_view request,
                                              FetchResult& result);
  net::awaitable<OpenedConnection> open(const Route& route, FetchResult& result);
  net::awaitable<std::string> open_tunnel(Connection& connection);
  net::awaitable<error_code> resolve(const std::string& host, std::uint16_t port,
                                     tcp::resolver::results_type& endpoints);
  void abort_in_flight();

  ResponseParser& fresh_parser();
  std::string describe_exchange_error(const error_code& ec) const;
  std::string response_progress() const;
  std::string describe_timeout(Deadline connect_deadline, const std::string& during) const;

  net::io_context& io;
  const Options& options;
  // Made on first use: loading the system trust store costs ~50 ms of CPU, wasted on a list of
  // plain http URLs.
  std::optional<net::ssl::context> tls;
  ProxySettings proxies;
  RequestFormatter request_formatter;
  std::string request_bytes;  // the request of the exchange under way; its capacity is reused
  ConnectionPool pool;
  tcp::resolver resolver;
  std::map<std::pair<std::string, std::uint16_t>, net::ip::address> resolve_overrides;

  // The response being read. Its body string is handed back and forth with `body`, so the one
  // allocation is reused by every fetch.
  std::optional<ResponseParser> parser;
  std::string body;
  BodyDecoder decoder;  // --compressed: the one body being read is decoded here
  BodyDigest digest;    // --on-change: of the one body being read
  ParsedHeaders headers{parser};
  // Bytes read but not parsed yet. One request is in flight at a time, so one buffer serves
  // every connection: idle connections hold no read buffer, and a large body is read in large
  // slices rather than the 512 bytes an empty buffer would ask for.
  beast::flat_buffer read_buffer;

  // Sessions to resume, per origin: a reconnect then costs one round trip less and no
  // certificate check.
  std::shared_ptr<TlsSessionCache> tls_sessions = std::make_shared<TlsSessionCache>();

  // The attempt under way has had a byte of response, interim responses included: a request
  // that may have been acted on is never sent again (the parser, fresh after a 1xx, forgets).
  bool response_begun = false;
  unsigned interim_status = 0;  // the last interim (1xx) response of the attempt, 0 if none

  Connection* in_flight = nullptr;  // what a deadline or cancel() must abort
  Clock::time_point fetch_start{};
  Deadline fetch_deadline{};
  FetchDeadline deadline;
  bool cancelled = false;
};

HttpClient::Impl::Impl(net::io_context& io, const Options& options)
    : io(io),
      options(options),
      proxies(ProxySettings::from(options.proxy, options.noproxy)),
      request_formatter(options),
      pool(options.max_connections),
      resolver(io),
      deadline(io, [this] { abort_in_flight(); }) {
  for (auto const& entry : options.resolve) {
    resolve_overrides[{entry.host, entry.port}] = net::ip::make_address(entry.address);
  }
  read_buffer.reserve(read_buffer_size);
}

net::ssl::context& HttpClient::Impl::tls_context() {
  if (!tls) tls.emplace(make_tls_context(options));
  return *tls;
}

void HttpClient::Impl::abort_in_flight() {
  resolver.cancel();
  if (in_flight != nullptr) in_flight->cancel();
}

net::awaitable<FetchResult> HttpClient::Impl::fetch(const Target& listed, std::uint64_t round) {
  FetchResult result;
  result.target = &listed;
  result.round = round;
  result.started = std::chrono::system_clock::now();
  auto const start = Clock::now();
  fetch_start = start;
  // 0 means no limit, as in curl.
  fetch_deadline =
      options.max_time == Duration::zero() ? Deadline::max() : start + options.max_time;
  deadline.set(fetch_deadline);

  const Target* current = &listed;
  std::optional<Target> redirected;
  for (;;) {
    result.url_effective = current->display_url;
    result.status.reset();
    result.cert_expiry.reset();
    try {
      result.error = co_await exchange(*current, current->origin == listed.origin, result);
    } catch (const std::bad_alloc&) {
      // Whatever ran out of memory, the fetch fails and the run goes on; the connection it used
      // was closed as the exception left the exchange.
      in_flight = nullptr;
      result.error = "out of memory";
    }
    if (cancelled) {
      result.cancelled = true;
      break;
    }
    if (!result.error.empty()) break;

    auto const& response = parser->get();
    result.status = response.result_int();
    result.http_version = response.version() == 10 ? "1.0" : "1.1";
    auto const location = response[http::field::location];
    if (!options.follow_redirects || !is_redirect(*result.status) || location.empty()) {
      if (options.fail_on_http_error && *result.status >= 400) {
        result.error = fmt::format("HTTP status {}", *result.status);
      } else {
        result.ok = true;
      }
      break;
    }
    if (result.redirects == options.max_redirects) {
      result.error = fmt::format("maximum number of redirects ({}) followed", options.max_redirects);
      break;
    }
    auto next = resolve_redirect(*current, location);
    if (!next.target) {
      result.error = std::move(next.error);
      break;
    }
    ++result.redirects;
    spdlog::debug("{}: redirected ({}) to {}", current->display_url, *result.status,
                  next.target->display_url);
    redirected = std::move(*next.target);
    current = &*redirected;
  }
  deadline.clear();

  if (parser) {
    body = std::move(parser->get().body().text);
    if (result.status) result.headers = &headers;
  }
  if (result.ok) {
    result.body = body;
    result.bytes = parser->get().body().decoded;  // the body may not have been kept
    if (options.digest_body) result.body_sha256 = digest.value();
  }
  result.time_total = Clock::now() - start;
  co_return result;
}

// One request and its final response, over the origin's pooled connection or a new one. A pooled
// connection that the server closed while it sat idle fails before any byte of a response; that
// earns one retry on a fresh connection (safe: GET is idempotent), as cpp-httplib does.
// Returns the reason of a failure, empty on success.
net::awaitable<std::string> HttpClient::Impl::exchange(const Target& target, bool to_listed_origin,
                                                       FetchResult& result) {
  auto const* const proxy = proxies.for_origin(target.origin);
  auto const route = Route::to(target.origin, proxy);
  request_formatter.format(target, to_listed_origin, route.tunnelled() ? nullptr : proxy, request_bytes);
  auto connection = pool.take(route);
  bool reused = connection != nullptr;
  for (int attempt = 0;; ++attempt) {
    if (!connection) {
      auto opened = co_await open(route, result);
      if (!opened.connection) co_return opened.error;
      connection = std::move(opened.connection);
      reused = false;
      ++result.connects;
    } else if (spdlog::should_log(spdlog::level::debug)) {
      // Checked first, here and below: the arguments are built even with debug lines off.
      spdlog::debug("{}: reusing the connection to {}", target.display_url,
                    proxy != nullptr ? proxy->display : target.origin.to_string());
    }
    result.reused = reused;
    result.remote_ip = connection->remote_ip();
    result.cert_expiry = connection->certificate_expiry();

    in_flight = connection.get();
    auto const ec = co_await send_and_receive(*connection, request_bytes, result);
    in_flight = nullptr;
    if (cancelled) co_return "cancelled";

    if (!ec) {
      if (!reused) connection->return_session_to(tls_sessions);
      // After a 101 the server speaks another protocol on this connection; it is closed here.
      if (parser->get().result() == http::status::switching_protocols) {
        co_return "the server switched protocols (101 Switching Protocols); poller speaks HTTP/1.1 "
                  "only, and closed the connection";
      }
      // Bytes beyond the response mean the stream is out of step: never reuse it.
      if (parser->keep_alive() && read_buffer.size() == 0) pool.put(std::move(connection));
      co_return std::string();
    }
    bool const stale = reused && !response_begun && !deadline.expired();
    if (stale && attempt == 0) {
      spdlog::debug("{}: pooled connection to {} was closed by the server ({}); retrying on a new one",
                    target.display_url, target.origin.to_string(), ec.message());
      connection.reset();
      continue;
    }
    // What the body took stays with this failed fetch: the memory goes back now.
    if (ec == boost::system::errc::not_enough_memory) std::string().swap(parser->get().body().text);
    co_return describe_exchange_error(ec);
  }
}

net::awaitable<error_code> HttpClient::Impl::send_and_receive(Connection& connection,
                                                              std::string_view request,
                                                              FetchResult& result) {
  fresh_parser();
  read_buffer.clear();
  response_begun = false;
  interim_status = 0;
  if (auto ec = co_await connection.write(request)) co_return ec;
  bool first_bytes = true;
  // Taken in so far of the response's headers, interim ones included: an endless run of 1xx
  // responses is bounded like one endless header.
  std::size_t header_bytes = 0;
  for (;;) {
    std::size_t parsed = 0;
    auto const ec = co_await connection.read_some(*parser, read_buffer, parsed);
    if (parsed != 0 || read_buffer.size() != 0) response_begun = true;
    if (ec) co_return ec;
    if (first_bytes) {
      result.time_starttransfer = Clock::now() - fetch_start;
      first_bytes = false;
    }
    if (!parser->is_header_done()) {
      // Beast holds header_limit against the unparsed rest of each read only, and keeps the
      // whole fields it has already taken in: a header that arrives in pieces could grow without
      // bound. So what has been parsed, and what waits unparsed, count against the limit here.
      header_bytes += parsed;
      if (header_bytes + read_buffer.size() > header_limit) co_return http::error::header_limit;
      parser->header_limit(static_cast<std::uint32_t>(header_limit - header_bytes));
      continue;
    }
    auto const status = parser->get().result_int();
    if (status / 100 == 1 && status != 101) {
      // An interim response (100 Continue, 103 Early Hints): the final one follows.
      interim_status = status;
      header_bytes += parsed;  // the end of the interim header
      fresh_parser();
      auto const left = header_limit - std::min<std::size_t>(header_bytes, header_limit);
      parser->header_limit(static_cast<std::uint32_t>(left));
      continue;
    }
    if (parser->is_done()) co_return error_code{};
    // Body bytes are taken in as they come: what waits unparsed is a chunk's size line or the
    // trailer, which Beast (1.81) reads whole with no limit of its own. Held to the header's.
    if (read_buffer.size() > header_limit) co_return chunk_framing_too_long();
  }
}

ResponseParser& HttpClient::Impl::fresh_parser() {
  if (parser) body = std::move(parser->get().body().text);
  body.clear();  // keeps the capacity
  parser.emplace();
  auto& response_body = parser->get().body();
  response_body.text = std::move(body);
  // --compressed: the decoded size is what --max-filesize limits, and body_limit below still
  // bounds the compressed bytes read (see decoded_body.hpp).
  response_body.decoder = options.compressed ? &decoder : nullptr;
  response_body.limit = options.max_filesize;
  response_body.keep = options.keep_body;
  response_body.digest = options.digest_body ? &digest : nullptr;
  parser->body_limit(options.max_filesize);
  parser->header_limit(header_limit);
  return *parser;
}

// A new connection for `route`: resolve, TCP connect, the CONNECT tunnel through a proxy to an
// https origin, and the TLS handshake, all within --connect-timeout.
net::awaitable<OpenedConnection> HttpClient::Impl::open(const Route& route, FetchResult& result) {
  auto const connect_deadline =
      options.connect_timeout == Duration::zero()
          ? fetch_deadline
          : std::min(fetch_deadline, Clock::now() + options.connect_timeout);
  deadline.set(connect_deadline);
  auto const started = Clock::now();
  auto const& origin = route.origin;
  const Proxy* const proxy = route.proxy;
  // Where the TCP connection goes, and how messages name it (built only for a message).
  auto const& host = proxy != nullptr ? proxy->host : origin.host;
  auto const port = proxy != nullptr ? proxy->port : origin.port;
  auto const peer = [&] { return proxy != nullptr ? "proxy " + proxy->display : origin.to_string(); };
  auto const host_named = [&] { return proxy != nullptr ? "proxy host " + host : host; };

  tcp::resolver::results_type endpoints;
  auto ec = co_await resolve(host, port, endpoints);
  result.time_namelookup = Clock::now() - fetch_start;
  if (cancelled) co_return OpenedConnection{nullptr, "cancelled"};
  if (deadline.expired()) {
    co_return OpenedConnection{nullptr, describe_timeout(connect_deadline, "resolving " + host_named())};
  }
  if (ec) {
    co_return OpenedConnection{nullptr, fmt::format("cannot resolve {}: {}", host_named(), ec.message())};
  }

  std::unique_ptr<Connection> connection;
  try {
    auto* const tls = origin.is_https() ? &tls_context() : nullptr;
    connection = std::make_unique<Connection>(io.get_executor(), tls, route);
  } catch (const UsageError& error) {
    // Only reached on a redirect to https or after a reload: the run has begun, so the broken
    // trust store fails the fetch rather than the run.
    co_return OpenedConnection{nullptr, error.what()};
  }
  in_flight = connection.get();
  std::string tunnel_failure;
  ec = co_await connection->connect(endpoints);
  if (!ec) {
    result.time_connect = Clock::now() - fetch_start;
    if (route.tunnelled()) tunnel_failure = co_await open_tunnel(*connection);
    if (origin.is_https() && tunnel_failure.empty()) {
      if (auto const saved = tls_sessions->take(origin)) connection->offer_tls_session(saved.get());
      ec = co_await connection->handshake();
      result.time_appconnect = Clock::now() - fetch_start;
      result.tls_resumed = !ec && connection->tls_resumed();
    }
  }
  in_flight = nullptr;
  if (cancelled) co_return OpenedConnection{nullptr, "cancelled"};
  if (deadline.expired()) {
    co_return OpenedConnection{nullptr, describe_timeout(connect_deadline, "connecting to " + peer())};
  }
  if (!tunnel_failure.empty()) co_return OpenedConnection{nullptr, std::move(tunnel_failure)};
  if (ec && proxy != nullptr && ec.category() != net::error::get_ssl_category()) {
    co_return OpenedConnection{nullptr, fmt::format("connect to {}: {}", peer(), ec.message())};
  }
  if (ec) co_return OpenedConnection{nullptr, connection->describe_open_error(ec)};
  deadline.set(fetch_deadline);
  if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("connected to {}{} ({}) in {}{}", peer(),
                  route.tunnelled() ? ", tunnel to " + origin.authority() : std::string(),
                  connection->remote_ip(), format_duration(Clock::now() - started),
                  result.tls_resumed ? ", TLS session resumed" : "");
  }
  co_return OpenedConnection{std::move(connection), {}};
}

// HTTPS through a proxy: CONNECT, then TLS end to end through the tunnel. Returns why the tunnel
// could not be had, empty once it is open.
net::awaitable<std::string> HttpClient::Impl::open_tunnel(Connection& connection) {
  auto const& proxy = *connection.route().proxy;
  auto const tunnel_to = connection.origin().authority();
  std::string connect_request;
  request_formatter.format_connect(connection.origin(), proxy, connect_request);
  unsigned status = 0;
  std::string reason;
  auto const ec = co_await connection.open_tunnel(connect_request, status, reason);
  if (ec == http::error::unexpected_body) {
    co_return fmt::format("proxy {} sent data after opening the tunnel to {}", proxy.display, tunnel_to);
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof) {
    co_return fmt::format("proxy {} closed the connection instead of answering CONNECT {}",
                          proxy.display, tunnel_to);
  }
  if (ec) co_return fmt::format("proxy {}: CONNECT {} failed: {}", proxy.display, tunnel_to, ec.message());
  if (status / 100 != 2) {
    co_return fmt::format("proxy {} refused the tunnel to {}: {} {}", proxy.display, tunnel_to, status,
                          escape_control_characters(reason));
  }
  co_return std::string();
}

net::awaitable<error_code> HttpClient::Impl::resolve(const std::string& host, std::uint16_t port,
                                                     tcp::resolver::results_type& endpoints) {
  auto const service = std::to_string(port);
  if (auto found = resolve_overrides.find({host, port}); found != resolve_overrides.end()) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(found->second, port), host, service);
    co_return error_code{};
  }
  error_code ec;
  auto const literal = net::ip::make_address(host, ec);
  if (!ec) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(literal, port), host, service);
    co_return error_code{};
  }
  // getaddrinfo cannot be interrupted; at the deadline, cancelling the resolver abandons its
  // answer instead.
  auto [resolve_ec, results] = co_await resolver.async_resolve(host, service, use_tuple);
  endpoints = std::move(results);
  co_return resolve_ec;
}

std::string HttpClient::Impl::describe_timeout(Deadline connect_deadline,
                                               const std::string& during) const {
  if (connect_deadline == fetch_deadline) {
    return fmt::format("timed out after --max-time {} while {}", format_duration(options.max_time),
                       during);
  }
  return fmt::format("timed out after --connect-timeout {} while {}",
                     format_duration(options.connect_timeout), during);
}

// How far the response had come when the exchange failed: a timeout or a reset says little
// without it (a server that never answered, or one that stalled mid-body?).
std::string HttpClient::Impl::response_progress() const {
  if (!parser || !parser->got_some()) {
    if (interim_status != 0) {
      return fmt::format("after an interim response ({}), while waiting for the final one",
                         interim_status);
    }
    return "while waiting for the response";
  }
  if (!parser->is_header_done()) return "while reading the response header";
  auto const received = parser->get().body().received;  // off the wire, as Content-Length counts
  if (auto const length = parser->content_length()) {
    return fmt::format("while reading the body ({} of {} bytes received)", received, *length);
  }
  return fmt::format("while reading the body ({} bytes received)", received);
}

std::string HttpClient::Impl::describe_exchange_error(const error_code& ec) const {
  if (deadline.expired()) {
    return fmt::format("timed out after --max-time {} {}", format_duration(options.max_time),
                       response_progress());
  }
  if (ec == http::error::body_limit) {
    return fmt::format("body larger than --max-filesize ({} bytes)", options.max_filesize);
  }
  if (ec == bad_compressed_body()) return "bad compressed body: " + decoder.message();
  if (ec == boost::system::errc::not_enough_memory) return "out of memory " + response_progress();
  if (ec == chunk_framing_too_long()) {
    return fmt::format("malformed response: a chunk header or trailer larger than {} KiB",
                       header_limit / 1024);
  }
  if (ec == http::error::header_limit) {
    return fmt::format("response header larger than {} KiB", header_limit / 1024);
  }
  if (ec == http::error::end_of_stream) return "server closed the connection without a response";
  if (ec == http::error::partial_message) {
    return "connection closed by the server " + response_progress();
  }
  if (ec == net::error::connection_reset) {
    return "connection reset by the server " + response_progress();
  }
  // A TLS connection closed without close_notify, before the response was whole.
  if (ec == net::ssl::error::stream_truncated) {
    return "connection closed by the server without a TLS close_notify " + response_progress();
  }
  if (ec.category() == make_error_code(http::error::end_of_stream).category()) {
    return fmt::format("malformed response: {}", ec.message());
  }
  return ec.message();
}

HttpClient::HttpClient(net::io_context& io, const Options& options, bool https_listed)
    : impl_(std::make_unique<Impl>(io, options)) {
  // A trust store that does not load is a usage error, reported before the first request.
  if (https_listed || options.cacert) impl_->tls_context();
}

HttpClient::~HttpClient() = default;

net::awaitable<FetchResult> HttpClient::fetch(const Target& target, std::uint64_t round) {
  if (impl_->cancelled) {
    FetchResult result;
    result.target = &target;
    result.round = round;
    result.cancelled = true;
    co_return result;
  }
  co_return co_await impl_->fetch(target, round);
}

void HttpClient::cancel() {
  impl_->cancelled = true;
  impl_->deadline.shutdown();
  impl_->abort_in_flight();
}

void HttpClient::keep_only(const std::vector<Target>& targets) {
  std::set<Route> listed;
  for (auto const& target : targets) {
    listed.insert(Route::to(target.origin, impl_->proxies.for_origin(target.origin)));
  }
  impl_->pool.close_unless([&](const Route& route) { return listed.contains(route); });
}

void HttpClient::shutdown() {
  impl_->deadline.shutdown();
  impl_->pool.close_all();
}

}  // namespace poller
