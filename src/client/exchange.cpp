#include "exchange.hpp"

#include <algorithm>
#include <new>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "request.hpp"

namespace poller {
namespace {

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

Exchange::Exchange(ClientState& client, const Target& listed, const RequestConfig& config,
                   std::uint64_t round, DeferredPermit* body_place,
                   std::shared_ptr<const Validators> validators)
    : client_(client),
      config_(config),
      listed_(listed),
      validators_(std::move(validators)),
      connector_(client, config),
      session_(config, client.config.digest_body, client.take_read_buffer(), body_place),
      request_bytes_(client.take_request_buffer()),
      method_(RequestFormatter(config).first_method()),
      deadline_(client.deadlines, [this] { abort_io(); }) {
  result_.target = &listed;
  result_.round = round;
  client_.in_flight.push_back(this);
}

Exchange::~Exchange() {
  auto& in_flight = client_.in_flight;
  in_flight.erase(std::find(in_flight.begin(), in_flight.end(), this));
  client_.give_back(std::move(session_.read_buffer()), std::move(request_bytes_));
}

void Exchange::abort() {
  deadline_.clear();
  abort_io();
}

void Exchange::abort_io() {
  connect_wait_.cancel();
  connector_.cancel();
  if (in_flight_ != nullptr) in_flight_->cancel();
  session_.abort();
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

    result_.status = session_.status();
    result_.http_version = session_.version() == 10 ? "1.0" : "1.1";
    auto const location = session_.location();
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
    result_.time_redirect = Clock::now() - start_;
    follow_redirect(*current, *next.target);
    redirected_ = std::move(*next.target);
    current = &*redirected_;
  }
  deadline_.clear();
  result_.method = method_.name;
  if (result_.ok()) keep_politeness_fields();
  session_.hand_over(result_, client_.config.keep_headers);
  result_.time_total = Clock::now() - start_;
  co_return std::move(result_);
}

// What the app's politeness reads of the final response: a 429's or 503's Retry-After, and with
// --conditional the validators of a 200 or 304 of the listed URL itself (validators of a
// redirect's target would be sent to the listed URL, which they do not describe).
void Exchange::keep_politeness_fields() {
  auto const status = *result_.status;
  PoliteFields fields;
  auto const kept = [&](std::string_view name) -> std::string {
    auto const value = session_.field(name);
    if (value.size() <= Validators::max_length) return std::string(value);
    spdlog::debug("{}: {} of {} bytes is longer than {}: ignored", listed_.display_url, name,
                  value.size(), Validators::max_length);
    if (name != "Retry-After") fields.validator_too_long = value.size();
    return {};
  };
  bool const asked_to_wait = status == 429 || status == 503;
  bool const validated =
      config_.conditional && result_.redirects == 0 && (status == 200 || status == 304);
  if (!asked_to_wait && !validated) return;  // most fetches: nothing to build
  if (asked_to_wait) fields.retry_after = kept("Retry-After");
  if (validated) {
    fields.validators.etag = kept("ETag");
    fields.validators.last_modified = kept("Last-Modified");
  }
  if (!fields.retry_after.empty() || !fields.validators.empty() || fields.validator_too_long != 0)
    result_.polite = std::make_shared<const PoliteFields>(std::move(fields));
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

// One request and its final response, over the origin's pooled connection or a new one. A pooled
// connection that the server closed while it sat idle fails before any byte of a response; that
// earns one retry on a fresh connection, as cpp-httplib does, when it is safe: for an idempotent
// method (RFC 9110 9.2.2), or when not one byte of the request was written. A POST the server
// may have acted on before it closed is never sent twice.
net::awaitable<std::optional<FetchError>> Exchange::request(const Target& target,
                                                            bool to_listed_origin) {
  auto const* const proxy = client_.proxies.for_origin(target.origin);
  auto const route = RouteKey::to(target.origin, proxy);
  // Validators describe the listed URL's response: not sent after a redirect.
  bool const conditional =
      config_.conditional && result_.redirects == 0 && validators_ && !validators_->empty();
  RequestFormatter(config_).format(target, method_, to_listed_origin,
                                   route.tunnelled() ? nullptr : proxy, request_bytes_,
                                   conditional ? validators_.get() : nullptr);
  result_.conditional = conditional;
  auto connection = client_.pool.take(route);
  if (connection && !connection->of_family(config_.ip_family)) connection.reset();
  if (connection && connection->address_expired()) {
    if (auto stop = co_await keep_if_current(connection)) co_return stop;
  }
  bool reused = connection != nullptr;
  for (int attempt = 0;; ++attempt) {
    if (!connection) {
      auto opened = co_await open(route.route());  // the route copied only for a new one
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
    result_.remote_port = connection->remote_port();
    result_.cert_expiry = connection->certificate_expiry();

    in_flight_ = connection.get();
    result_.time_pretransfer = Clock::now() - start_;
    auto const ec =
        co_await session_.exchange(connection->stream(), request_bytes_, method_.name == "HEAD");
    in_flight_ = nullptr;
    if (session_.request_begun()) result_.request_bytes += request_bytes_.size();
    result_.header_bytes += session_.header_bytes();
    if (auto const first_byte = session_.first_byte()) {
      result_.time_starttransfer = *first_byte - start_;
    }
    if (auto stop = cancelled()) co_return stop;

    if (!ec) {
      if (!reused) connection->return_session_to(client_.tls_sessions);
      // After a 101 the server speaks another protocol on this connection; it is closed here.
      if (session_.status() == 101) {
        co_return FetchError{FetchErrorKind::protocol,
                             "the server switched protocols (101 Switching Protocols); poller "
                             "speaks HTTP/1.1 only, and closed the connection"};
      }
      if (session_.reusable()) client_.pool.put(std::move(connection));
      co_return std::nullopt;
    }
    bool const stale = reused && !session_.response_begun() && !deadline_.expired();
    if (stale && attempt == 0 && session_.request_begun() && !is_idempotent(method_.name)) {
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
    if (ec == boost::system::errc::not_enough_memory) session_.drop_body();
    co_return describe_exchange_error(ec);
  }
}

Exchange::Deadline Exchange::connect_deadline() const {
  return config_.connect_timeout == Duration::zero()
             ? fetch_deadline_
             : std::min(fetch_deadline_, Clock::now() + config_.connect_timeout);
}

// A pooled connection whose host's DNS answer has expired: kept only if its peer is still one of
// the host's addresses, so a service moved by DNS is checked where it now is. The lookup is
// bounded as a new connection's would be.
net::awaitable<std::optional<FetchError>> Exchange::keep_if_current(
    std::unique_ptr<Connection>& connection) {
  auto const connect_deadline = this->connect_deadline();
  deadline_.set(connect_deadline);
  bool const current = co_await connector_.still_current(*connection);
  if (auto stop = cancelled()) co_return stop;
  if (deadline_.expired()) co_return timeout(connect_deadline, connector_.stopped_while(connection->route()));
  deadline_.set(fetch_deadline_);
  if (!current) connection.reset();
  co_return std::nullopt;
}

// A new connection for `route`, all its steps (connector.hpp) within --connect-timeout, once
// the client's connect window (connect_window.hpp) has a place for it. That wait is the
// client's own pace, not the server's: neither --connect-timeout nor --max-time runs meanwhile.
net::awaitable<Exchange::OpenedConnection> Exchange::open(const Route& route) {
  auto const wait_began = Clock::now();
  deadline_.clear();
  auto const ticket = co_await client_.connects.enter(connect_wait_);
  ConnectPlace const place(client_.connects, ticket);
  if (auto stop = cancelled()) co_return OpenedConnection{nullptr, stop};
  if (ticket == 0) co_return OpenedConnection{nullptr, fetch_cancelled()};
  if (fetch_deadline_ != Deadline::max()) fetch_deadline_ += Clock::now() - wait_began;
  auto const connect_deadline = this->connect_deadline();
  deadline_.set(connect_deadline);
  auto opened = co_await connector_.open(route);
  if (opened.resolved) result_.time_namelookup = *opened.resolved - start_;
  if (opened.connected) result_.time_connect = *opened.connected - start_;
  if (opened.secured) result_.time_appconnect = *opened.secured - start_;
  if (opened.tls_resumed) result_.tls_resumed = *opened.tls_resumed;
  if (auto stop = cancelled()) co_return OpenedConnection{nullptr, stop};
  if (deadline_.expired()) {
    co_return OpenedConnection{nullptr, timeout(connect_deadline, connector_.stopped_while(route))};
  }
  if (!opened.connection) co_return OpenedConnection{nullptr, std::move(opened.error)};
  deadline_.set(fetch_deadline_);
  co_return OpenedConnection{std::move(opened.connection), std::nullopt};
}

FetchError Exchange::timeout(Deadline connect_deadline, const std::string& during) const {
  if (connector_.was_resolving()) {
    bool const by_fetch = connect_deadline == fetch_deadline_;
    return {FetchErrorKind::timeout,
            fmt::format("name server did not answer for {} within {} ({}; asked {})",
                        connector_.looked_up(),
                        format_duration(by_fetch ? config_.max_time : config_.connect_timeout),
                        by_fetch ? "--max-time" : "--connect-timeout",
                        connector_.name_servers())};
  }
  if (connect_deadline == fetch_deadline_) {
    return {FetchErrorKind::timeout, fmt::format("timed out after --max-time {} while {}",
                                                 format_duration(config_.max_time), during)};
  }
  return {FetchErrorKind::timeout, fmt::format("timed out after --connect-timeout {} while {}",
                                               format_duration(config_.connect_timeout), during)};
}

// What a failed request's error code means: the deadline's, else the session's reading of it.
// (Connection set-up failures are told apart by the connector; the status policy and the checks
// are the report layer's.)
FetchError Exchange::describe_exchange_error(const error_code& ec) const {
  if (deadline_.expired()) {
    return {FetchErrorKind::timeout, fmt::format("timed out after --max-time {} {}",
                                                 format_duration(config_.max_time),
                                                 session_.progress())};
  }
  return session_.describe_failure(ec);
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
