#include "exchange.hpp"

#include <algorithm>
#include <new>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/base/encoding.hpp"
#include "poller/base/usage_error.hpp"
#include "request.hpp"

namespace poller {
namespace {

constexpr std::uint32_t header_limit = 64 * 1024;
constexpr std::size_t read_buffer_size = 64 * 1024;

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The final response's fields, moved out of the parser that read them.
class ParsedHeaders final : public ResponseHeaders {
 public:
  explicit ParsedHeaders(http::fields fields) : fields_(std::move(fields)) {}
  std::string_view get(std::string_view name) const override {
    auto found = fields_.find(beast::string_view(name.data(), name.size()));
    if (found == fields_.end()) return {};
    return {found->value().data(), found->value().size()};
  }

 private:
  http::fields fields_;
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

// Declared in decoded_body.hpp, whose parser reports a body the decoder refused with it.
const boost::system::error_category& body_decode_category() {
  static const BodyDecodeCategory category;
  return category;
}

Exchange::Exchange(ClientState& client, const Target& listed, const RequestConfig& config,
                   std::uint64_t round, DeferredPermit* body_place)
    : client_(client),
      config_(config),
      listed_(listed),
      read_buffer_(client.take_read_buffer()),
      request_bytes_(client.take_request_buffer()),
      method_(RequestFormatter(config).first_method()),
      body_place_(body_place),
      deadline_(client.deadlines, [this] { abort_io(); }) {
  result_.target = &listed;
  result_.round = round;
  if (config_.compressed) decoder_ = std::make_unique<BodyDecoder>();
  if (client.config.digest_body) digest_ = std::make_unique<BodyDigest>();
  client_.in_flight.push_back(this);
}

Exchange::~Exchange() {
  auto& in_flight = client_.in_flight;
  in_flight.erase(std::find(in_flight.begin(), in_flight.end(), this));
  client_.give_back(std::move(read_buffer_), std::move(request_bytes_));
}

void Exchange::abort() {
  deadline_.clear();
  abort_io();
}

void Exchange::abort_io() {
  if (resolver_) resolver_->cancel();
  if (in_flight_ != nullptr) in_flight_->cancel();
  tls_slot_wait_.cancel();
  body_place_wait_.cancel();
}

std::optional<FetchError> Exchange::cancelled() const {
  if (!client_.cancelled) return std::nullopt;
  return fetch_cancelled();
}

net::awaitable<FetchResult> Exchange::run() {
  result_.started = std::chrono::system_clock::now();
  start_ = Clock::now();
  // 0 means no limit, as in curl.
  fetch_deadline_ =
      config_.max_time == Duration::zero() ? Deadline::max() : start_ + config_.max_time;
  deadline_.set(fetch_deadline_);

  const Target* current = &listed_;
  std::optional<Target> redirected;
  for (;;) {
    result_.url_effective = current->display_url;
    result_.status.reset();
    result_.cert_expiry.reset();
    try {
      result_.error = co_await request(*current, current->origin == listed_.origin);
    } catch (const std::bad_alloc&) {
      // Whatever ran out of memory, the fetch fails and the run goes on; the connection it used
      // was closed as the exception left the request.
      in_flight_ = nullptr;
      result_.error = FetchError{FetchErrorKind::out_of_memory, "out of memory"};
    }
    if (auto const stop = cancelled()) result_.error = stop;
    if (result_.error) break;

    auto const& response = parser_->get();
    result_.status = response.result_int();
    result_.http_version = response.version() == 10 ? "1.0" : "1.1";
    auto const location = response[http::field::location];
    if (!config_.follow_redirects || !is_redirect(*result_.status) || location.empty()) break;
    if (result_.redirects == config_.max_redirects) {
      result_.error = FetchError{
          FetchErrorKind::redirect,
          fmt::format("maximum number of redirects ({}) followed", config_.max_redirects)};
      break;
    }
    auto next = resolve_redirect(*current, location);
    if (!next.target) {
      result_.error = FetchError{FetchErrorKind::redirect, std::move(next.error)};
      break;
    }
    ++result_.redirects;
    follow_redirect(*current, *next.target);
    redirected = std::move(*next.target);
    current = &*redirected;
  }
  deadline_.clear();
  take_response();
  result_.time_total = Clock::now() - start_;
  co_return std::move(result_);
}

// The method of the request to `to`, as the redirect's status makes it.
void Exchange::follow_redirect(const Target& from, const Target& to) {
  auto const previous = method_;
  method_ = after_redirect(method_, *result_.status);
  if (!spdlog::should_log(spdlog::level::debug)) return;
  spdlog::debug("{}: redirected ({}) to {}{}", from.display_url, *result_.status, to.display_url,
                method_ == previous
                    ? std::string()
                    : fmt::format(", {} becomes {} without the body", previous.name, method_.name));
}

// The final response's headers and, when the fetch succeeded, its body go into the result.
void Exchange::take_response() {
  if (!parser_) return;
  auto& response = parser_->get();
  if (result_.status && client_.config.keep_headers) {
    result_.headers = std::make_shared<ParsedHeaders>(std::move(response.base()));
  }
  if (!result_.ok()) return;
  result_.bytes = response.body().decoded;  // the body may not have been kept
  result_.body = std::move(response.body().text);
  if (digest_) result_.body_sha256 = digest_->value();
}

// One request and its final response, over the origin's pooled connection or a new one. A pooled
// connection that the server closed while it sat idle fails before any byte of a response; that
// earns one retry on a fresh connection, as cpp-httplib does, when it is safe: for an idempotent
// method (RFC 9110 9.2.2), or when not one byte of the request was written. A POST the server
// may have acted on before it closed is never sent twice.
net::awaitable<std::optional<FetchError>> Exchange::request(const Target& target,
                                                            bool to_listed_origin) {
  auto const* const proxy = client_.proxies.for_origin(target.origin);
  auto const route = Route::to(target.origin, proxy);
  RequestFormatter(config_).format(target, method_, to_listed_origin,
                                   route.tunnelled() ? nullptr : proxy, request_bytes_);
  auto connection = client_.pool.take(route);
  bool reused = connection != nullptr;
  for (int attempt = 0;; ++attempt) {
    if (!connection) {
      auto opened = co_await open(route);
      if (!opened.connection) co_return std::move(opened.error);
      connection = std::move(opened.connection);
      reused = false;
      ++result_.connects;
    } else if (spdlog::should_log(spdlog::level::debug)) {
      // Checked first, here and below: the arguments are built even with debug lines off.
      spdlog::debug("{}: reusing the connection to {}", target.display_url,
                    proxy != nullptr ? proxy->display : target.origin.to_string());
    }
    result_.reused = reused;
    result_.remote_ip = connection->remote_ip();
    result_.cert_expiry = connection->certificate_expiry();

    in_flight_ = connection.get();
    auto const ec = co_await send_and_receive(*connection);
    in_flight_ = nullptr;
    if (auto stop = cancelled()) co_return stop;

    if (!ec) {
      if (!reused) connection->return_session_to(client_.tls_sessions);
      // After a 101 the server speaks another protocol on this connection; it is closed here.
      if (parser_->get().result() == http::status::switching_protocols) {
        co_return FetchError{FetchErrorKind::protocol,
                             "the server switched protocols (101 Switching Protocols); poller "
                             "speaks HTTP/1.1 only, and closed the connection"};
      }
      // Bytes beyond the response mean the stream is out of step: never reuse it.
      if (parser_->keep_alive() && read_buffer_.size() == 0)
        client_.pool.put(std::move(connection));
      co_return std::nullopt;
    }
    bool const stale = reused && !response_begun_ && !deadline_.expired();
    if (stale && attempt == 0 && request_begun_ && !is_idempotent(method_.name)) {
      co_return not_retried(ec);
    }
    if (stale && attempt == 0) {
      spdlog::debug(
          "{}: pooled connection to {} was closed by the server ({}); retrying on a new one",
          target.display_url, target.origin.to_string(), ec.message());
      connection.reset();
      continue;
    }
    // What the body took stays with this failed fetch: the memory goes back now.
    if (ec == boost::system::errc::not_enough_memory)
      std::string().swap(parser_->get().body().text);
    co_return describe_exchange_error(ec);
  }
}

net::awaitable<error_code> Exchange::send_and_receive(Connection& connection) {
  fresh_parser();
  read_buffer_.clear();
  response_begun_ = false;
  request_begun_ = false;
  interim_status_ = 0;
  if (auto ec = co_await connection.write(request_bytes_, request_begun_)) co_return ec;
  bool first_bytes = true;
  // Taken in so far of the response's headers, interim ones included: an endless run of 1xx
  // responses is bounded like one endless header.
  std::size_t header_bytes = 0;
  for (;;) {
    std::size_t parsed = 0;
    auto const ec = co_await connection.read_some(*parser_, read_buffer_, parsed);
    if (parsed != 0 || read_buffer_.size() != 0) response_begun_ = true;
    if (ec) co_return ec;
    if (first_bytes) {
      result_.time_starttransfer = Clock::now() - start_;
      first_bytes = false;
    }
    if (!parser_->is_header_done()) {
      // Beast holds header_limit against the unparsed rest of each read only, and keeps the
      // whole fields it has already taken in: a header that arrives in pieces could grow without
      // bound. So what has been parsed, and what waits unparsed, count against the limit here.
      header_bytes += parsed;
      if (header_bytes + read_buffer_.size() > header_limit) co_return http::error::header_limit;
      parser_->header_limit(static_cast<std::uint32_t>(header_limit - header_bytes));
      continue;
    }
    auto const status = parser_->get().result_int();
    if (status / 100 == 1 && status != 101) {
      // An interim response (100 Continue, 103 Early Hints): the final one follows.
      interim_status_ = status;
      header_bytes += parsed;  // the end of the interim header
      fresh_parser();
      auto const left = header_limit - std::min<std::size_t>(header_bytes, header_limit);
      parser_->header_limit(static_cast<std::uint32_t>(left));
      continue;
    }
    if (parser_->is_done()) co_return error_code{};
    if (body_place_ != nullptr && !body_place_->held()) {
      // -Z: the body is read in one of the --parallel-max places, held (by the caller, past this
      // fetch) until its result is written; a server that never answers, or answers without a
      // body, holds none. The deadline and abort_io() end the wait.
      waiting_for_body_place_ = true;
      bool const placed = co_await body_place_->acquire(body_place_wait_);
      // Woken with a place just as the deadline passed or a cancel came: the abort found no wait.
      if (!placed || cancelled() || deadline_.expired()) co_return net::error::operation_aborted;
      waiting_for_body_place_ = false;
    }
    // Body bytes are taken in as they come: what waits unparsed is a chunk's size line or the
    // trailer, which Beast (1.81) reads whole with no limit of its own. Held to the header's.
    if (read_buffer_.size() > header_limit) co_return chunk_framing_too_long();
  }
}

ResponseParser& Exchange::fresh_parser() {
  if (parser_) body_ = std::move(parser_->get().body().text);
  body_.clear();  // keeps the capacity
  parser_.emplace();
  auto& response_body = parser_->get().body();
  response_body.text = std::move(body_);
  // --compressed: the decoded size is what --max-filesize limits, and body_limit below still
  // bounds the compressed bytes read (see decoded_body.hpp).
  response_body.decoder = decoder_.get();
  response_body.limit = config_.max_filesize;
  response_body.keep = config_.keep_body;
  response_body.digest = digest_.get();
  parser_->body_limit(config_.max_filesize);
  parser_->header_limit(header_limit);
  // A response to HEAD has the header of a GET's, Content-Length included, and no body.
  if (method_.name == "HEAD") parser_->skip(true);
  return *parser_;
}

// A new connection for `route`: resolve, TCP connect, the CONNECT tunnel through a proxy to an
// https origin, and the TLS handshake, all within --connect-timeout.
net::awaitable<Exchange::OpenedConnection> Exchange::open(const Route& route) {
  auto const connect_deadline =
      config_.connect_timeout == Duration::zero()
          ? fetch_deadline_
          : std::min(fetch_deadline_, Clock::now() + config_.connect_timeout);
  deadline_.set(connect_deadline);
  auto const started = Clock::now();
  auto const& origin = route.origin;
  const Proxy* const proxy = route.proxy;
  // Where the TCP connection goes, and how messages name it (built only for a message).
  auto const& host = proxy != nullptr ? proxy->host : origin.host;
  auto const port = proxy != nullptr ? proxy->port : origin.port;
  auto const peer = [&] {
    return proxy != nullptr ? "proxy " + proxy->display : origin.to_string();
  };
  auto const host_named = [&] { return proxy != nullptr ? "proxy host " + host : host; };

  tcp::resolver::results_type endpoints;
  auto ec = co_await resolve(host, port, endpoints);
  result_.time_namelookup = Clock::now() - start_;
  if (auto stop = cancelled()) co_return OpenedConnection{nullptr, stop};
  if (deadline_.expired()) {
    co_return OpenedConnection{nullptr, timeout(connect_deadline, "resolving " + host_named())};
  }
  if (ec) {
    co_return OpenedConnection{
        nullptr, FetchError{FetchErrorKind::resolve,
                            fmt::format("cannot resolve {}: {}", host_named(), ec.message())}};
  }

  std::unique_ptr<Connection> connection;
  try {
    auto* const tls = origin.is_https() ? &client_.tls_context() : nullptr;
    connection = std::make_unique<Connection>(client_.io.get_executor(), tls, route);
  } catch (const UsageError& error) {
    // Only reached on a redirect to https or after a reload: the run has begun, so the broken
    // trust store fails the fetch rather than the run.
    co_return OpenedConnection{nullptr, FetchError{FetchErrorKind::tls, error.what()}};
  }
  in_flight_ = connection.get();
  std::optional<FetchError> tunnel_failure;
  bool had_tls_slot = true;
  bool tls_server_silent = false;
  ec = co_await connection->connect(endpoints);
  if (!ec) {
    result_.time_connect = Clock::now() - start_;
    if (route.tunnelled()) tunnel_failure = co_await open_tunnel(*connection);
    if (origin.is_https() && !tunnel_failure) {
      ec = co_await handshake_in_slot(*connection, had_tls_slot, tls_server_silent);
      result_.time_appconnect = Clock::now() - start_;
      result_.tls_resumed = !ec && connection->tls_resumed();
    }
  }
  in_flight_ = nullptr;
  if (auto stop = cancelled()) co_return OpenedConnection{nullptr, stop};
  if (deadline_.expired()) {
    // The limit is the client's own: say so, or the origin would be blamed for a wait that was
    // the other origins' handshakes.
    auto const during =
        !had_tls_slot ? fmt::format(
                            "waiting to start the TLS handshake with {} ({} others, the most at "
                            "once, were in progress)",
                            origin.to_string(), max_tls_handshakes_at_once)
        : tls_server_silent
            ? fmt::format("waiting for {} to answer the TLS handshake", origin.to_string())
            : "connecting to " + peer();
    co_return OpenedConnection{nullptr, timeout(connect_deadline, during)};
  }
  if (tunnel_failure) co_return OpenedConnection{nullptr, std::move(tunnel_failure)};
  bool const tls_failed = ec.category() == net::error::get_ssl_category();
  if (ec && proxy != nullptr && !tls_failed) {
    co_return OpenedConnection{
        nullptr,
        FetchError{FetchErrorKind::proxy, fmt::format("connect to {}: {}", peer(), ec.message())}};
  }
  if (ec) {
    co_return OpenedConnection{
        nullptr, FetchError{tls_failed ? FetchErrorKind::tls : FetchErrorKind::connect,
                            connection->describe_open_error(ec)}};
  }
  deadline_.set(fetch_deadline_);
  if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("connected to {}{} ({}) in {}{}", peer(),
                  route.tunnelled() ? ", tunnel to " + origin.authority() : std::string(),
                  connection->remote_ip(), format_duration(Clock::now() - started),
                  result_.tls_resumed ? ", TLS session resumed" : "");
  }
  co_return OpenedConnection{std::move(connection), std::nullopt};
}

// The TLS handshake in one of the client's slots (tls_handshake_limit.hpp), waited for first:
// abort_io() ends the wait. A server slow to take its turn (tls_handshake_patience) is waited
// for without a slot, which goes to the next waiter, and a slot is taken again once it has
// answered. `had_slot` is set false when a wait for a slot ended without one (the deadline, a
// cancel); `server_silent` while the server is waited for without one.
net::awaitable<error_code> Exchange::handshake_in_slot(Connection& connection, bool& had_slot,
                                                       bool& server_silent) {
  auto& slots = client_.tls_handshakes;
  std::optional<SemaphorePermit> slot;
  for (bool begun = false;;) {
    if (!slot) {
      if (cancelled() || deadline_.expired()) co_return net::error::operation_aborted;
      had_slot = co_await slots.acquire(tls_slot_wait_);
      if (!had_slot) co_return net::error::operation_aborted;
      slot.emplace(slots);
      // Woken with a slot just as the deadline passed or a cancel came: the abort found no wait.
      if (cancelled() || deadline_.expired()) co_return net::error::operation_aborted;
    }
    if (!begun) {
      if (auto const saved = client_.tls_sessions->take(connection.origin())) {
        connection.offer_tls_session(saved.get());
      }
      begun = true;
    }
    auto ec = co_await connection.handshake();
    if (ec != net::error::would_block) co_return ec;
    // The server's turn: with the slot for a while, then without it until the server answers.
    ec = co_await connection.wait_for_server(Clock::now() + tls_handshake_patience);
    if (ec == net::error::timed_out) {
      slot.reset();
      server_silent = true;
      spdlog::debug("{}: no answer to the TLS handshake within {}; waiting for it without a slot",
                    connection.origin().to_string(), format_duration(tls_handshake_patience));
      ec = co_await connection.wait_for_server(Deadline::max());
      if (!ec) server_silent = false;
    }
    if (ec) co_return ec;
  }
}

// HTTPS through a proxy: CONNECT, then TLS end to end through the tunnel. Returns why the tunnel
// could not be had, nothing once it is open.
net::awaitable<std::optional<FetchError>> Exchange::open_tunnel(Connection& connection) {
  auto const& proxy = *connection.route().proxy;
  auto const tunnel_to = connection.origin().authority();
  std::string connect_request;
  RequestFormatter(config_).format_connect(connection.origin(), proxy, connect_request);
  unsigned status = 0;
  std::string reason;
  auto const ec = co_await connection.open_tunnel(connect_request, status, reason);
  auto const fail = [](std::string message) {
    return FetchError{FetchErrorKind::proxy, std::move(message)};
  };
  if (ec == http::error::unexpected_body) {
    co_return fail(
        fmt::format("proxy {} sent data after opening the tunnel to {}", proxy.display, tunnel_to));
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == net::error::eof) {
    co_return fail(fmt::format("proxy {} closed the connection instead of answering CONNECT {}",
                               proxy.display, tunnel_to));
  }
  if (ec) {
    co_return fail(
        fmt::format("proxy {}: CONNECT {} failed: {}", proxy.display, tunnel_to, ec.message()));
  }
  if (status / 100 != 2) {
    co_return fail(fmt::format("proxy {} refused the tunnel to {}: {} {}", proxy.display, tunnel_to,
                               status, escape_control_characters(reason)));
  }
  co_return std::nullopt;
}

net::awaitable<error_code> Exchange::resolve(const std::string& host, std::uint16_t port,
                                             tcp::resolver::results_type& endpoints) {
  auto const service = std::to_string(port);
  auto const& overrides = client_.resolve_overrides;
  if (auto found = overrides.find({host, port}); found != overrides.end()) {
    endpoints =
        tcp::resolver::results_type::create(tcp::endpoint(found->second, port), host, service);
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
  if (!resolver_) resolver_.emplace(client_.io);
  auto [resolve_ec, results] = co_await resolver_->async_resolve(host, service, use_tuple);
  endpoints = std::move(results);
  co_return resolve_ec;
}

FetchError Exchange::timeout(Deadline connect_deadline, const std::string& during) const {
  if (connect_deadline == fetch_deadline_) {
    return {FetchErrorKind::timeout, fmt::format("timed out after --max-time {} while {}",
                                                 format_duration(config_.max_time), during)};
  }
  return {FetchErrorKind::timeout, fmt::format("timed out after --connect-timeout {} while {}",
                                               format_duration(config_.connect_timeout), during)};
}

// How far the response had come when the exchange failed: a timeout or a reset says little
// without it (a server that never answered, or one that stalled mid-body?).
std::string Exchange::response_progress() const {
  if (!parser_ || !parser_->got_some()) {
    if (interim_status_ != 0) {
      return fmt::format("after an interim response ({}), while waiting for the final one",
                         interim_status_);
    }
    return "while waiting for the response";
  }
  if (!parser_->is_header_done()) return "while reading the response header";
  if (waiting_for_body_place_) {
    return "after the response header, while waiting for a --parallel-max place to read the body";
  }
  auto const received = parser_->get().body().received;  // off the wire, as Content-Length counts
  if (auto const length = parser_->content_length()) {
    return fmt::format("while reading the body ({} of {} bytes received)", received, *length);
  }
  return fmt::format("while reading the body ({} bytes received)", received);
}

// What a failed request's error code means, as a kind and a message. (Connect and TLS failures
// are told apart in open(); the status policy and the checks are the report layer's.)
FetchError Exchange::describe_exchange_error(const error_code& ec) const {
  using enum FetchErrorKind;
  if (deadline_.expired()) {
    return {timeout, fmt::format("timed out after --max-time {} {}",
                                 format_duration(config_.max_time), response_progress())};
  }
  if (ec == http::error::body_limit) {
    return {too_large,
            fmt::format("body larger than --max-filesize ({} bytes)", config_.max_filesize)};
  }
  if (ec == bad_compressed_body()) return {protocol, "bad compressed body: " + decoder_->message()};
  if (ec == boost::system::errc::not_enough_memory) {
    return {out_of_memory, "out of memory " + response_progress()};
  }
  if (ec == chunk_framing_too_long()) {
    return {protocol,
            fmt::format("malformed response: a chunk header or trailer larger than {} KiB",
                        header_limit / 1024)};
  }
  if (ec == http::error::header_limit) {
    return {too_large, fmt::format("response header larger than {} KiB", header_limit / 1024)};
  }
  if (ec == http::error::end_of_stream)
    return {connection, "server closed the connection without a response"};
  if (ec == http::error::partial_message) {
    return {connection, "connection closed by the server " + response_progress()};
  }
  if (ec == net::error::connection_reset) {
    return {connection, "connection reset by the server " + response_progress()};
  }
  // A TLS connection closed without close_notify, before the response was whole.
  if (ec == net::ssl::error::stream_truncated) {
    return {connection,
            "connection closed by the server without a TLS close_notify " + response_progress()};
  }
  if (ec.category() == make_error_code(http::error::end_of_stream).category()) {
    return {protocol, fmt::format("malformed response: {}", ec.message())};
  }
  return {connection, ec.message()};
}

// A reused connection failed after the request was written, before any response: the server
// may have closed it as the request arrived, or may have acted on it first. Retrying would be
// safe for an idempotent method only.
FetchError Exchange::not_retried(const error_code& ec) const {
  auto error = describe_exchange_error(ec);
  error.message += fmt::format(
      " (a reused connection, after the {0} was sent; not retried: {0} is not idempotent)",
      method_.name);
  return error;
}

}  // namespace poller
