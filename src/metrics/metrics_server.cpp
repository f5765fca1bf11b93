#include "poller/metrics/metrics_server.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <list>
#include <optional>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/base/asio_defaults.hpp"
#include "poller/metrics/metrics.hpp"
#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Scrapers are few (a Prometheus or two, a curl by hand). At the limit, a new connection takes
// the place of the one that has waited longest for a request (as a server low on connections
// drops idle keep-alive ones first), so that idle or trickling clients cannot lock a scraper out;
// when every connection is busy answering, the new one is closed at once.
constexpr std::size_t max_scrape_connections = 16;
// A request head larger than this is refused with 431; a GET of /metrics needs a few hundred bytes.
constexpr std::uint32_t header_limit = 8 * 1024;
// For a whole request head (and so the keep-alive idle time), and for each write: a client that
// connects and sends nothing, or stops reading, is dropped after this.
constexpr auto io_timeout = std::chrono::seconds(10);
// Bytes per chunk written: between two chunks the rounds get their turn. Larger chunks slowed
// the rounds under back-to-back scrapes and made no lone scrape faster (bench/RESULTS.md).
constexpr std::size_t chunk_budget = 4 * 1024;
constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

// A request head that does not parse, as opposed to a peer that went away or timed out.
bool is_malformed_request(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// The path of a request target: "/metrics" of "/metrics?x=1", and of the absolute form
// "http://host:9100/metrics" that RFC 9112 3.2.2 says a server must accept too.
std::string_view path_of(std::string_view target) {
  if (auto const scheme = target.find("://"); !target.starts_with('/') && scheme != target.npos) {
    auto const slash = target.find('/', scheme + 3);
    target = slash == target.npos ? std::string_view("/") : target.substr(slash);
  }
  return target.substr(0, target.find_first_of("?#"));
}

// GET /: as exporters do, a page that says what this is and links to the metrics.
constexpr std::string_view index_page =
    "<html><head><title>poller</title></head><body><h1>poller</h1>"
    "<p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

// What escapes a coroutine of the server (std::bad_alloc, say) is logged, never rethrown into
// the io_context, where it would end the run.
void report_unexpected(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::warn("metrics: {}", e.what());
  } catch (...) {
    spdlog::warn("metrics: unknown error");
  }
}

struct ScrapeConnection {
  explicit ScrapeConnection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  // Since when it has waited for (the rest of) a request head; unset while it is answered, and
  // once it has been closed to make room.
  std::optional<std::chrono::steady_clock::time_point> waiting_since;
};

}  // namespace

struct MetricsServer::Impl {
  using Connections = std::list<ScrapeConnection>;

  Impl(net::io_context& io, const ResultStore& store, const ListenAddress& address);

  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(Connections::iterator connection);
  net::awaitable<void> serve_requests(ScrapeConnection& connection);
  bool close_longest_waiting();
  net::awaitable<error_code> write_metrics(beast::tcp_stream& stream,
                                           const http::request_header<>& request, bool keep_alive);
  net::awaitable<error_code> write_error(beast::tcp_stream& stream, http::status status,
                                         unsigned version, bool head, bool keep_alive);
  net::awaitable<error_code> write_text(beast::tcp_stream& stream, http::status status,
                                        unsigned version, bool head, bool keep_alive,
                                        std::string_view content_type, std::string_view body);
  net::awaitable<void> close_gracefully(beast::tcp_stream& stream);

  net::io_context& io;
  const ResultStore& store;
  tcp::acceptor acceptor;
  Connections connections;
  bool stopped = false;
};

MetricsServer::Impl::Impl(net::io_context& io, const ResultStore& store,
                          const ListenAddress& address)
    : io(io), store(store), acceptor(io) {
  error_code ec;
  auto const ip = net::ip::make_address(address.address, ec);
  tcp::endpoint const endpoint(ip, address.port);
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  // ":PORT" listens on [::] for IPv4 too, whatever net.ipv6.bindv6only says.
  if (!ec && ip.is_v6() && ip.is_unspecified())
    acceptor.set_option(net::ip::v6_only(false), ec);
  // A restart finds the port free even with connections of the last run in TIME_WAIT.
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw UsageError(fmt::format("cannot listen on {}: {}", address.to_string(), ec.message()));
}

net::awaitable<void> MetricsServer::Impl::accept_loop() {
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (stopped || ec == net::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors, say: pause rather than spin on an error that persists.
      spdlog::debug("metrics: accept: {}", ec.message());
      net::steady_timer pause(io, std::chrono::milliseconds(100));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (connections.size() >= max_scrape_connections && !close_longest_waiting()) {
      spdlog::debug("metrics: {} scrape connections busy already; closing a new one",
                    connections.size());
      socket.close(ec);
      continue;
    }
    auto const connection = connections.emplace(connections.end(), std::move(socket));
    net::co_spawn(io, serve(connection), report_unexpected);
  }
}

// Closes the connection that has waited longest for a request, if one is waiting: its coroutine
// then ends and frees the place. Connections closed so, and not yet gone, count: a burst of
// accepts cannot push the list past twice the limit.
bool MetricsServer::Impl::close_longest_waiting() {
  if (connections.size() >= 2 * max_scrape_connections) return false;
  ScrapeConnection* longest = nullptr;
  for (auto& connection : connections) {
    if (connection.waiting_since &&
        (longest == nullptr || *connection.waiting_since < *longest->waiting_since)) {
      longest = &connection;
    }
  }
  if (longest == nullptr) return false;
  spdlog::debug("metrics: {} scrape connections open; closing the one idle longest",
                connections.size());
  longest->waiting_since.reset();
  longest->stream.close();
  return true;
}

// The connection lives in `connections` (so stop() can close it) until this returns.
net::awaitable<void> MetricsServer::Impl::serve(Connections::iterator connection) {
  std::exception_ptr error;
  try {
    co_await serve_requests(*connection);
    co_await close_gracefully(connection->stream);
  } catch (...) {
    error = std::current_exception();
  }
  report_unexpected(error);
  connection->stream.close();
  connections.erase(connection);
}

net::awaitable<void> MetricsServer::Impl::serve_requests(ScrapeConnection& connection) {
  auto& stream = connection.stream;
  // Bounded as well, so that a head that arrives in pieces cannot grow past the parser's limit.
  beast::flat_buffer buffer(2 * header_limit);
  for (;;) {
    // A fresh parser per request, with its limits, as Beast's servers do.
    http::request_parser<http::empty_body> parser;
    parser.header_limit(header_limit);
    stream.expires_after(io_timeout);
    connection.waiting_since = std::chrono::steady_clock::now();
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    connection.waiting_since.reset();
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      co_await write_error(stream, http::status::request_header_fields_too_large, 11, false, false);
      co_return;
    }
    if (is_malformed_request(ec)) {
      spdlog::debug("metrics: bad request: {}", ec.message());
      co_await write_error(stream, http::status::bad_request, 11, false, false);
      co_return;
    }
    if (ec) {
      // The scraper went away, or sent nothing in time: nothing to answer.
      if (ec != http::error::end_of_stream) spdlog::debug("metrics: {}", ec.message());
      co_return;
    }

    auto const& request = parser.get();
    bool const head = request.method() == http::verb::head;
    auto const path = path_of(request.target());
    bool const get_metrics = path == "/metrics" && request.method() == http::verb::get;
    // No request here has a body: one that comes with a body is answered, and its connection
    // closed rather than the body read. An HTTP/1.0 response to GET /metrics ends with the
    // connection (it cannot be chunked).
    bool const keep_alive =
        request.keep_alive() && parser.is_done() && !(get_metrics && request.version() < 11);
    if (path == "/" && (head || request.method() == http::verb::get)) {
      ec = co_await write_text(stream, http::status::ok, request.version(), head, keep_alive,
                               "text/html; charset=utf-8", index_page);
    } else if (path != "/metrics") {
      ec = co_await write_error(stream, http::status::not_found, request.version(), head,
                                keep_alive);
    } else if (!get_metrics && !head) {
      ec = co_await write_error(stream, http::status::method_not_allowed, request.version(), head,
                                keep_alive);
    } else {
      ec = co_await write_metrics(stream, request, keep_alive);
    }
    if (ec) spdlog::debug("metrics: writing a response: {}", ec.message());
    if (ec || !keep_alive) co_return;
  }
}

// 200 and the exposition. HTTP/1.1 gets it in chunks, each rendered just before it is written;
// HTTP/1.0 knows no chunks, so its response ends with the connection.
net::awaitable<error_code> MetricsServer::Impl::write_metrics(beast::tcp_stream& stream,
                                                              const http::request_header<>& request,
                                                              bool keep_alive) {
  bool const chunked = request.version() >= 11;
  http::response<http::empty_body> response{http::status::ok, request.version()};
  response.set(http::field::content_type, exposition_content_type);
  response.keep_alive(keep_alive);
  // HEAD: the header alone. No Content-Length: it is not known without rendering.
  if (request.method() != http::verb::head) response.chunked(chunked);
  http::response_serializer<http::empty_body> serializer{response};
  stream.expires_after(io_timeout);
  auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple);
  if (ec || request.method() == http::verb::head) co_return ec;

  // Rendered a piece at a time, each written before the next is made, from a snapshot taken
  // now: the fetches of the rounds go on between the pieces without changing this scrape.
  auto const snapshot = store.snapshot();
  MetricsCursor cursor;
  std::string piece;
  for (bool more = true; more;) {
    piece.clear();
    more = render_metrics_some(snapshot, cursor, piece, chunk_budget);
    if (piece.empty()) continue;  // an empty chunk would end the body
    stream.expires_after(io_timeout);
    if (chunked) {
      std::tie(ec, n) =
          co_await net::async_write(stream, http::make_chunk(net::buffer(piece)), use_tuple);
    } else {
      std::tie(ec, n) = co_await net::async_write(stream, net::buffer(piece), use_tuple);
    }
    if (ec) co_return ec;
  }
  if (!chunked) co_return error_code{};
  stream.expires_after(io_timeout);
  std::tie(ec, n) = co_await net::async_write(stream, http::make_chunk_last(), use_tuple);
  co_return ec;
}

net::awaitable<error_code> MetricsServer::Impl::write_error(beast::tcp_stream& stream,
                                                            http::status status, unsigned version,
                                                            bool head, bool keep_alive) {
  co_return co_await write_text(
      stream, status, version, head, keep_alive, "text/plain; charset=utf-8",
      fmt::format("{} {}\n", static_cast<unsigned>(status), http::obsolete_reason(status)));
}

net::awaitable<error_code> MetricsServer::Impl::write_text(
    beast::tcp_stream& stream, http::status status, unsigned version, bool head, bool keep_alive,
    std::string_view content_type, std::string_view body) {
  http::response<http::string_body> response{status, version};
  response.set(http::field::content_type, content_type);
  if (status == http::status::method_not_allowed) response.set(http::field::allow, "GET, HEAD");
  response.body() = body;
  response.keep_alive(keep_alive);
  response.prepare_payload();
  // HEAD: the Content-Length a GET would get, and no body.
  if (head) response.body().clear();
  stream.expires_after(io_timeout);
  auto [ec, n] = co_await http::async_write(stream, response, use_tuple);
  co_return ec;
}

// Closing a socket with unread bytes in it (the body of a POST, the rest of a bad request) sends
// a reset, which can destroy the response on its way to the client. So, as nginx's lingering
// close does: end our side, then read and discard what is left, for a short while at most.
net::awaitable<void> MetricsServer::Impl::close_gracefully(beast::tcp_stream& stream) {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec && !stopped) {
    std::array<char, 4096> discard;
    stream.expires_after(std::chrono::seconds(1));
    for (std::size_t read = 0; read < 64 * 1024;) {
      auto [read_ec, n] = co_await stream.async_read_some(net::buffer(discard), use_tuple);
      if (read_ec) break;
      read += n;
    }
  }
  stream.close();
}

MetricsServer::MetricsServer(net::io_context& io, const ResultStore& store,
                             const ListenAddress& address)
    : impl_(std::make_unique<Impl>(io, store, address)) {}

MetricsServer::~MetricsServer() = default;

std::string MetricsServer::local_address() const {
  error_code ec;
  auto const endpoint = impl_->acceptor.local_endpoint(ec);
  return ListenAddress{endpoint.address().to_string(), endpoint.port()}.to_string();
}

void MetricsServer::start() { net::co_spawn(impl_->io, impl_->accept_loop(), report_unexpected); }

void MetricsServer::stop() {
  impl_->stopped = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& connection : impl_->connections) connection.stream.close();
}

}  // namespace poller
