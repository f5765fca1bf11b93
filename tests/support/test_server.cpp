#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "support/compress.hpp"

namespace poller::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Expected network failures come back as values: `auto [ec, n] = co_await ...`.
using DefaultToken = asio::as_tuple_t<asio::use_awaitable_t<>>;
using Acceptor = DefaultToken::as_default_on_t<tcp::acceptor>;
using TcpStream = DefaultToken::as_default_on_t<beast::tcp_stream>;
using TlsStream = ssl::stream<TcpStream>;
using Timer = DefaultToken::as_default_on_t<asio::steady_timer>;
using Request = http::request<http::string_body>;

constexpr std::chrono::milliseconds idle_close_delay{50};
constexpr std::chrono::seconds handshake_timeout{10};

// What the server shares with its coroutines; they hold it by shared_ptr because their frames
// are destroyed by ~io_context, after the TestServer itself has begun to go away.
struct State {
  bool close_idle_connections = false;
  bool close_on_second_request = false;
  bool connection_close = false;
  std::optional<ssl::context> tls;
  std::chrono::milliseconds tls_answer_delay{0};

  mutable std::mutex mutex;
  std::size_t connections_accepted = 0;
  std::size_t open_connections = 0;
  std::size_t max_open_connections = 0;
  std::size_t tls_handshakes = 0;  // in progress now
  std::size_t max_tls_handshakes = 0;
  std::size_t counter = 0;
  // Requests so far by path: /every-other/NAME, /statuses/LIST.
  std::map<std::string, std::size_t, std::less<>> every_other;
  std::map<std::string, std::size_t, std::less<>> validated;  // /validated requests, by target
  std::vector<RecordedRequest> requests;
  std::vector<RecordedRequest> unanswered_requests;
};

// Misbehaviours, each carried out by act_out() below instead of a regular reply.
enum class Fault {
  none,
  close_after_response,
  reset_mid_body,
  hang_after_headers,
  trickle,
  bad_status_line,
  huge_header,
  endless_chunked,
  interim,
  no_content,
  not_modified,
  silent,
  unrequested_response,
  late_body_after_no_content,
  late_body_after_not_modified,
  early_response,
  switching_protocols,
  continue_then_reset,
  claimed_length,
  endless_chunk_extension,
  endless_trailer,
  endless_interim,
};

// The response a route asks for, as data; the coroutines below only carry it out.
struct Reply {
  unsigned status = 200;
  std::string body;
  std::string location;
  std::string content_encoding;  // said when set; `body` is then already encoded
  std::chrono::milliseconds delay{0};
  std::optional<std::uint64_t> pattern_length;  // streamed /bytes body of this Content-Length
  std::uint64_t pattern_sent = 0;               // ... of which this much is actually sent
  bool hang_up = false;                         // close without replying
  bool close_after = false;                     // hard close after the (partial) reply
  bool connection_close = false;                // say Connection: close, then close
  Fault fault = Fault::none;
  std::uint64_t claimed_length = 0;  // Fault::claimed_length: the Content-Length said
  std::uint64_t filler_header = 0;   // an X-Filler field of this many bytes in the header
  std::vector<std::pair<std::string, std::string>> fields{};  // more header fields, as given
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// RFC 3986 percent-decoding; an invalid escape is kept as it is.
std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2])) &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ec == std::errc()) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::string> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return percent_decode(eq == std::string_view::npos ? std::string_view{}
                                                         : pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::map<std::string, std::string> lower_case_headers(const Request& request) {
  std::map<std::string, std::string> headers;
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = headers.try_emplace(std::move(name), field.value());
    if (!inserted) (it->second += ", ") += field.value();
  }
  return headers;
}

Reply route(const RecordedRequest& request, State& state) {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  const auto number_after = [&](std::string_view prefix) -> std::optional<std::uint64_t> {
    if (!path.starts_with(prefix)) return std::nullopt;
    return parse_number(path.substr(prefix.size()));
  };
  const auto text = [](unsigned status, std::string body) {
    Reply reply;
    reply.status = status;
    reply.body = std::move(body);
    return reply;
  };

  if (path.starts_with("/status/")) {
    const auto status = number_after("/status/");
    if (!status || *status < 200 || *status > 999) return text(400, "bad status\n");
    const auto code = static_cast<unsigned>(*status);
    const bool bodiless = code == 204 || code == 304;
    return text(code, bodiless ? "" : "status " + std::to_string(code) + "\n");
  }
  if (const auto size = number_after("/bytes/")) {
    Reply reply;
    reply.pattern_length = reply.pattern_sent = *size;
    return reply;
  }
  // A 20 KB header (a long X-Filler field), then /bytes/N's body.
  if (const auto size = number_after("/header-and-bytes/")) {
    Reply reply;
    reply.filler_header = 20000;
    reply.pattern_length = reply.pattern_sent = *size;
    return reply;
  }
  if (const auto size = number_after("/truncate/")) {
    Reply reply;
    reply.pattern_length = *size;
    reply.pattern_sent = *size / 2;
    reply.close_after = true;
    return reply;
  }
  if (const auto ms = number_after("/sleep/")) {
    Reply reply = text(200, "slept " + std::to_string(*ms) + "\n");
    reply.delay = std::chrono::milliseconds(*ms);
    return reply;
  }
  if (const auto hops = number_after("/redirect/")) {
    if (*hops == 0) return text(200, "redirected\n");
    Reply reply = text(302, "redirect " + std::to_string(*hops) + "\n");
    reply.location = "/redirect/" + std::to_string(*hops - 1);
    return reply;
  }
  if (path == "/redirect-to") {
    const auto url = query_parameter(query, "url");
    if (!url) return text(400, "missing url parameter\n");
    const auto status = parse_number(query_parameter(query, "status").value_or("302"));
    if (!status || *status < 300 || *status > 399) return text(400, "bad status\n");
    Reply reply = text(static_cast<unsigned>(*status), "redirect to " + *url + "\n");
    reply.location = *url;
    return reply;
  }
  if (path == "/headers") {
    std::string body;
    for (const auto& [name, value] : request.headers) body += name + ": " + value + "\n";
    return text(200, std::move(body));
  }
  if (path == "/anything" || path.starts_with("/anything/")) {
    std::string body = "method: " + request.method + "\ntarget: " + request.target + "\n";
    for (const auto& [name, value] : request.headers) body += name + ": " + value + "\n";
    return text(200, body + "\n" + request.body);
  }
  if (path == "/counter") {
    std::lock_guard lock(state.mutex);
    return text(200, "count " + std::to_string(++state.counter) + "\n");
  }
  if (path == "/retry-after") {
    const auto status = parse_number(query_parameter(query, "status").value_or("429"));
    if (!status || *status < 200 || *status > 999) return text(400, "bad status\n");
    Reply reply = text(static_cast<unsigned>(*status), "retry later\n");
    if (auto value = query_parameter(query, "value"))
      reply.fields.emplace_back("Retry-After", *value);
    return reply;
  }
  if (path == "/validated") {
    auto etag = query_parameter(query, "etag");
    const auto last_modified = query_parameter(query, "last-modified");
    const auto every = parse_number(query_parameter(query, "version-every").value_or("0"));
    std::size_t requests = 0;
    {
      std::lock_guard lock(state.mutex);
      requests = ++state.validated[request.target];
    }
    const auto version = every && *every > 0 ? (requests - 1) / *every + 1 : 1;
    const auto suffix = "-v" + std::to_string(version);
    if (etag && every && *every > 0) {
      // Inside the closing quote: "abc" becomes "abc-v2".
      if (etag->ends_with('"'))
        etag->insert(etag->size() - 1, suffix);
      else
        *etag += suffix;
    }
    const auto field = [&](const char* name) -> std::string {
      const auto found = request.headers.find(name);
      return found == request.headers.end() ? std::string() : found->second;
    };
    const auto if_none_match = field("if-none-match");
    const bool unchanged = !if_none_match.empty()
                               ? etag && if_none_match == *etag
                               : last_modified && field("if-modified-since") == *last_modified;
    Reply reply = unchanged ? text(304, "") : text(200, "validated" + suffix + "\n");
    if (etag) reply.fields.emplace_back("ETag", *etag);
    if (last_modified) reply.fields.emplace_back("Last-Modified", *last_modified);
    return reply;
  }
  if (const auto length = number_after("/long-etag/")) {
    Reply reply = text(200, "long etag\n");
    const auto quoted = *length - std::min<std::uint64_t>(*length, 2);
    reply.fields.emplace_back("ETag", "\"" + std::string(quoted, 'x') + "\"");
    return reply;
  }
  if (path.starts_with("/every-other/")) {
    std::lock_guard lock(state.mutex);
    const auto n = ++state.every_other[std::string(path)];
    return text(200, "v" + std::to_string((n + 1) / 2) + "\n");
  }
  // /statuses/503,503,200: the Nth request to that path answers with the Nth status of the list,
  // and every later one with the last: an outage and a recovery, as the test writes them.
  if (path.starts_with("/statuses/")) {
    std::size_t n = 0;
    {
      std::lock_guard lock(state.mutex);
      n = state.every_other[std::string(path)]++;
    }
    std::string_view list = path.substr(std::string_view("/statuses/").size());
    for (; n > 0 && list.find(',') != std::string_view::npos; --n)
      list.remove_prefix(list.find(',') + 1);
    const auto status = parse_number(list.substr(0, list.find(',')));
    if (!status || *status < 200 || *status > 999) return text(400, "bad status\n");
    return text(static_cast<unsigned>(*status), "status " + std::to_string(*status) + "\n");
  }
  if (path == "/binary") {
    std::string every_byte(256, '\0');
    for (int i = 0; i < 256; ++i) every_byte[static_cast<std::size_t>(i)] = static_cast<char>(i);
    return text(200, std::move(every_byte));
  }
  // --compressed: a body encoded as the path says, with the matching Content-Encoding.
  const auto compressed = [&](std::string_view encoding, std::string body) {
    Reply reply = text(200, std::move(body));
    reply.content_encoding = std::string(encoding);
    return reply;
  };
  if (path.starts_with("/gzip/")) {
    return compressed("gzip", compress(Compression::gzip, path.substr(6)));
  }
  if (path.starts_with("/deflate/")) {
    return compressed("deflate", compress(Compression::zlib, path.substr(9)));
  }
  if (path.starts_with("/raw-deflate/")) {
    return compressed("deflate", compress(Compression::raw_deflate, path.substr(13)));
  }
  if (const auto mib = number_after("/gzip-bomb/")) {
    static const std::string zeros(1024 * 1024, '\0');
    return compressed("gzip", compress(Compression::gzip, zeros, *mib));
  }
  if (path == "/gzip-corrupt") return compressed("gzip", "this is not gzip\n");
  if (path == "/close") {
    Reply reply;
    reply.hang_up = true;
    return reply;
  }
  if (path == "/fault/redirect-loop") {
    Reply reply = text(302, "redirect loop\n");
    reply.location = std::string(path);
    return reply;
  }
  static const std::map<std::string_view, Fault> faults = {
      {"/fault/close-after-response", Fault::close_after_response},
      {"/fault/reset-mid-body", Fault::reset_mid_body},
      {"/fault/hang-after-headers", Fault::hang_after_headers},
      {"/fault/trickle", Fault::trickle},
      {"/fault/bad-status-line", Fault::bad_status_line},
      {"/fault/huge-header", Fault::huge_header},
      {"/fault/endless-chunked", Fault::endless_chunked},
      {"/fault/interim", Fault::interim},
      {"/fault/no-content", Fault::no_content},
      {"/fault/not-modified", Fault::not_modified},
      {"/fault/silent", Fault::silent},
      {"/fault/unrequested-response", Fault::unrequested_response},
      {"/fault/late-body-after-204", Fault::late_body_after_no_content},
      {"/fault/late-body-after-304", Fault::late_body_after_not_modified},
      {"/fault/early-response", Fault::early_response},
      {"/fault/switching-protocols", Fault::switching_protocols},
      {"/fault/continue-then-reset", Fault::continue_then_reset},
      {"/fault/endless-chunk-extension", Fault::endless_chunk_extension},
      {"/fault/endless-trailer", Fault::endless_trailer},
      {"/fault/endless-interim", Fault::endless_interim},
  };
  if (const auto claimed = number_after("/fault/claimed-length/")) {
    Reply reply;
    reply.fault = Fault::claimed_length;
    reply.claimed_length = *claimed;
    return reply;
  }
  if (const auto fault = faults.find(path); fault != faults.end()) {
    Reply reply;
    reply.fault = fault->second;
    return reply;
  }
  return text(200, std::string(target) + "\n");
}

// The response header, written by hand: Beast's serializer and composed read/write operations,
// instantiated once per stream type, doubled this file's compile time for no gain here.
std::string response_header(const Reply& reply, const Request& request, std::uint64_t length,
                            bool keep_alive) {
  std::string_view reason = http::obsolete_reason(static_cast<http::status>(reply.status));
  if (reason == "<unknown-status>") reason = "Whatever";
  std::string header = (request.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ") +
                       std::to_string(reply.status) + " " + std::string(reason) + "\r\n";
  header += "Server: poller-test-server\r\nContent-Type: text/plain\r\n";
  header += "Content-Length: " + std::to_string(length) + "\r\n";
  if (!reply.location.empty()) header += "Location: " + reply.location + "\r\n";
  if (reply.filler_header != 0)
    header += "X-Filler: " + std::string(reply.filler_header, 'x') + "\r\n";
  for (const auto& [name, value] : reply.fields) header += name + ": " + value + "\r\n";
  if (!reply.content_encoding.empty()) {
    header += "Content-Encoding: " + reply.content_encoding + "\r\n";
  }
  // Only what differs from the version's default is said, as most servers do.
  if (!keep_alive && request.version() >= 11) header += "Connection: close\r\n";
  if (keep_alive && request.version() == 10) header += "Connection: keep-alive\r\n";
  return header + "\r\n";
}

// The body of /bytes/N without holding N bytes: chunks that each start at a multiple of 26.
template <class AsyncStream>
asio::awaitable<bool> write_pattern(AsyncStream& stream, std::uint64_t length) {
  static const std::string chunk = [] {
    std::string s(26 * 2048, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
  }();
  for (std::uint64_t sent = 0; sent < length;) {
    const auto size =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), length - sent));
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(chunk.data(), size));
    if (ec) co_return false;
    sent += n;
  }
  co_return true;
}

// Returns whether the connection stays open for another request.
template <class AsyncStream>
asio::awaitable<bool> write_reply(AsyncStream& stream, const Request& request, const Reply& reply) {
  if (reply.delay.count() > 0) {
    Timer timer(co_await asio::this_coro::executor, reply.delay);
    co_await timer.async_wait();
  }
  const bool keep_alive = request.keep_alive() && !reply.close_after && !reply.connection_close;
  const bool head = request.method() == http::verb::head;
  const std::uint64_t length = reply.pattern_length.value_or(reply.body.size());
  std::string message = response_header(reply, request, length, keep_alive);
  if (!head && !reply.pattern_length) message += reply.body;
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(message));
  if (ec) co_return false;
  if (!head && reply.pattern_length) {
    const bool sent = co_await write_pattern(stream, reply.pattern_sent);
    if (!sent) co_return false;
  }
  co_return keep_alive;
}

// Reads (and drops) whatever the client sends until it closes the connection: how a server that
// hangs looks from outside, without a timer to outlive the test.
template <class AsyncStream>
asio::awaitable<void> wait_for_client_to_leave(AsyncStream& stream) {
  char scratch[1024];
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch));
    if (ec) co_return;
  }
}

template <class AsyncStream>
asio::awaitable<bool> write_text(AsyncStream& stream, std::string_view text) {
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text.data(), text.size()));
  co_return !ec;
}

// keep_serving_unanswered: the next request was answered before it came, and gets no answer.
// upgraded: the connection left HTTP; whatever request comes next gets an answer that is not its
// own.
enum class AfterFault { keep_serving, keep_serving_unanswered, upgraded, orderly_close, drop };

// A whole response, then (a moment later, so that the client has read the response alone)
// bytes nobody asked for.
template <class AsyncStream>
asio::awaitable<bool> write_then_stray(AsyncStream& stream, std::string_view response,
                                       std::string_view stray) {
  if (!co_await write_text(stream, response)) co_return false;
  Timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
  co_await pause.async_wait();
  co_return co_await write_text(stream, stray);
}

// A hard close (RST): SO_LINGER 0, then close.
template <class AsyncStream>
void reset_connection(AsyncStream& stream) {
  beast::error_code ignored;
  auto& socket = beast::get_lowest_layer(stream).socket();
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

// Carries out a fault route; returns what becomes of the connection afterwards.
template <class AsyncStream>
asio::awaitable<AfterFault> act_out(AsyncStream& stream, const Reply& reply) {
  using namespace std::chrono_literals;
  auto const executor = co_await asio::this_coro::executor;
  // Framed as a response, so that a client that reads it as one prints the wrong body.
  static constexpr std::string_view stray_response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nnot asked for\n";
  switch (reply.fault) {
    case Fault::none:
      break;
    case Fault::close_after_response:
      co_await write_text(
          stream,
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\n"
          "closed after response\n");
      co_return AfterFault::orderly_close;
    case Fault::reset_mid_body: {
      if (!co_await write_text(
              stream, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(500, 'r')))
        co_return AfterFault::drop;
      // Let the client take in the header and half the body, so the reset lands mid-body.
      Timer pause(executor, 50ms);
      co_await pause.async_wait();
      reset_connection(stream);
      co_return AfterFault::drop;
    }
    case Fault::hang_after_headers:
      if (co_await write_text(stream, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"))
        co_await wait_for_client_to_leave(stream);
      co_return AfterFault::drop;
    case Fault::trickle: {
      static constexpr std::string_view response =
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\ntrickled\n";
      Timer tick(executor);
      for (char byte : response) {
        if (!co_await write_text(stream, std::string_view(&byte, 1))) co_return AfterFault::drop;
        tick.expires_after(1s);
        co_await tick.async_wait();
      }
      co_return AfterFault::orderly_close;
    }
    case Fault::bad_status_line:
      if (co_await write_text(stream, "HTTP/1.1 2OO OK\r\nContent-Length: 4\r\n\r\nbad\n"))
        co_await wait_for_client_to_leave(stream);
      co_return AfterFault::drop;
    case Fault::huge_header: {
      std::string header = "HTTP/1.1 200 OK\r\n";
      for (int i = 0; i < 80; ++i)
        header += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
      header += "Content-Length: 5\r\n\r\nhuge\n";
      if (co_await write_text(stream, header)) co_await wait_for_client_to_leave(stream);
      co_return AfterFault::drop;
    }
    case Fault::endless_chunked: {
      if (!co_await write_text(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
        co_return AfterFault::drop;
      const std::string chunk = "4000\r\n" + std::string(0x4000, 'c') + "\r\n";
      while (co_await write_text(stream, chunk)) {
      }
      co_return AfterFault::drop;
    }
    case Fault::interim: {
      const bool sent = co_await write_text(
          stream,
          "HTTP/1.1 100 Continue\r\n\r\n"
          "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nafter "
          "interim\n");
      co_return sent ? AfterFault::keep_serving : AfterFault::drop;
    }
    case Fault::no_content: {
      const bool sent = co_await write_text(stream, "HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n");
      co_return sent ? AfterFault::keep_serving : AfterFault::drop;
    }
    case Fault::not_modified: {
      const bool sent = co_await write_text(
          stream, "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 5000\r\n\r\n");
      co_return sent ? AfterFault::keep_serving : AfterFault::drop;
    }
    case Fault::silent:
      co_await wait_for_client_to_leave(stream);
      co_return AfterFault::drop;
    case Fault::unrequested_response: {
      const bool sent = co_await write_then_stray(
          stream,
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nasked for\n",
          stray_response);
      co_return sent ? AfterFault::keep_serving : AfterFault::drop;
    }
    case Fault::late_body_after_no_content: {
      const bool sent =
          co_await write_then_stray(stream, "HTTP/1.1 204 No Content\r\n\r\n", stray_response);
      co_return sent ? AfterFault::keep_serving : AfterFault::drop;
    }
    case Fault::late_body_after_not_modified: {
      const bool sent = co_await write_then_stray(
          stream, "HTTP/1.1 304 Not Modified\r\nContent-Length: 14\r\n\r\n", stray_response);
      co_return sent ? AfterFault::keep_serving : AfterFault::drop;
    }
    case Fault::early_response: {
      const bool sent = co_await write_then_stray(
          stream,
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nasked for\n",
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\nanswered "
          "early\n");
      co_return sent ? AfterFault::keep_serving_unanswered : AfterFault::drop;
    }
    case Fault::switching_protocols: {
      const bool sent = co_await write_text(
          stream,
          "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
      co_return sent ? AfterFault::upgraded : AfterFault::drop;
    }
    case Fault::continue_then_reset: {
      if (!co_await write_text(stream, "HTTP/1.1 100 Continue\r\n\r\n")) co_return AfterFault::drop;
      // Let the client take in the interim response, so that the reset comes after it.
      Timer pause(executor, 50ms);
      co_await pause.async_wait();
      reset_connection(stream);
      co_return AfterFault::drop;
    }
    case Fault::endless_chunk_extension:
    case Fault::endless_trailer: {
      // A chunk size line, or a trailer field, that never ends.
      const bool extension = reply.fault == Fault::endless_chunk_extension;
      if (!co_await write_text(
              stream, std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") +
                          (extension ? "5;x=" : "5\r\nhello\r\n0\r\nX-Trailer: ")))
        co_return AfterFault::drop;
      const std::string filler(0x4000, 'x');
      while (co_await write_text(stream, filler)) {
      }
      co_return AfterFault::drop;
    }
    case Fault::endless_interim:
      while (co_await write_text(stream, "HTTP/1.1 100 Continue\r\n\r\n")) {
      }
      co_return AfterFault::drop;
    case Fault::claimed_length: {
      const bool sent = co_await write_text(
          stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                      std::to_string(reply.claimed_length) + "\r\n\r\nabc");
      co_return sent ? AfterFault::orderly_close : AfterFault::drop;
    }
  }
  co_return AfterFault::drop;
}

// http::async_read, spelled out over async_read_some and the parser's synchronous put().
template <class AsyncStream>
asio::awaitable<beast::error_code> read_request(AsyncStream& stream, beast::flat_buffer& buffer,
                                                http::request_parser<http::string_body>& parser) {
  parser.eager(true);
  for (;;) {
    if (buffer.size() > 0) {
      beast::error_code ec;
      buffer.consume(parser.put(buffer.data(), ec));
      if (parser.is_done()) co_return beast::error_code{};
      if (ec && ec != http::error::need_more) co_return ec;
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(16 * 1024));
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

// One request-response exchange per iteration, on a fresh parser, until either side ends it.
// Returns whether the connection ended in an orderly way (worth a TLS close_notify).
template <class AsyncStream>
asio::awaitable<bool> serve_requests(AsyncStream& stream, std::shared_ptr<State> state,
                                     std::size_t connection_id, std::string tls_server_name,
                                     bool tls_session_reused) {
  beast::flat_buffer buffer;
  auto& tcp_stream = beast::get_lowest_layer(stream);
  AfterFault after_last = AfterFault::keep_serving;
  for (bool first = true;; first = false) {
    // A Beast stream timeout closes the socket: exactly a keep-alive timeout's hard close.
    if (state->close_idle_connections && !first)
      tcp_stream.expires_after(idle_close_delay);
    else
      tcp_stream.expires_never();
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(16 * 1024 * 1024);
    const beast::error_code ec = co_await read_request(stream, buffer, parser);
    if (ec) co_return false;
    tcp_stream.expires_never();

    Request request = parser.release();
    RecordedRequest record{connection_id,
                           std::string(request.method_string()),
                           std::string(request.target()),
                           lower_case_headers(request),
                           tls_server_name,
                           tls_session_reused,
                           request.body(),
                           std::chrono::steady_clock::now()};
    if (state->close_on_second_request && !first) {
      std::lock_guard lock(state->mutex);
      state->unanswered_requests.push_back(std::move(record));
      co_return false;
    }
    Reply reply = route(record, *state);
    reply.connection_close = state->connection_close;
    {
      std::lock_guard lock(state->mutex);
      state->requests.push_back(std::move(record));
    }
    if (reply.hang_up) co_return false;
    const AfterFault after_previous = std::exchange(after_last, AfterFault::keep_serving);
    if (after_previous == AfterFault::keep_serving_unanswered) continue;
    if (after_previous == AfterFault::upgraded) {
      // What the upgraded protocol sends next, framed as HTTP so that a client still reading
      // HTTP takes it for the answer to its request.
      if (!co_await write_text(stream,
                               "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                               "16\r\n\r\nupgraded stream\n"))
        co_return false;
      continue;
    }
    if (reply.fault != Fault::none) {
      after_last = co_await act_out(stream, reply);
      if (after_last == AfterFault::orderly_close || after_last == AfterFault::drop)
        co_return after_last == AfterFault::orderly_close;
      continue;
    }
    const bool keep_open = co_await write_reply(stream, request, reply);
    if (!keep_open) co_return !reply.close_after;
  }
}

void shut_down_tcp(TcpStream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

// Counts something (an open connection, a TLS handshake) as in progress while it lives, and
// keeps the most there were at once.
class InProgress {
 public:
  using Count = std::size_t State::*;
  InProgress(std::shared_ptr<State> state, Count now, Count most)
      : state_(std::move(state)), now_(now) {
    std::lock_guard lock(state_->mutex);
    (*state_).*most = std::max((*state_).*most, ++((*state_).*now_));
  }
  ~InProgress() {
    std::lock_guard lock(state_->mutex);
    --((*state_).*now_);
  }
  InProgress(const InProgress&) = delete;
  InProgress& operator=(const InProgress&) = delete;

 private:
  std::shared_ptr<State> state_;
  Count now_;
};

// A connection counts as open for as long as its coroutine runs.
InProgress open_connection(std::shared_ptr<State> state) {
  return {std::move(state), &State::open_connections, &State::max_open_connections};
}

// The server's part of the handshake, counted from the ClientHello's arrival (a client may hold
// a connected socket back before it starts).
asio::awaitable<beast::error_code> tls_handshake(TlsStream& stream,
                                                 const std::shared_ptr<State>& state) {
  auto& socket = beast::get_lowest_layer(stream).socket();
  auto [wait_ec] = co_await socket.async_wait(tcp::socket::wait_read, DefaultToken{});
  if (wait_ec) co_return wait_ec;
  const InProgress counted(state, &State::tls_handshakes, &State::max_tls_handshakes);
  if (state->tls_answer_delay.count() > 0) {
    Timer delay(socket.get_executor(), state->tls_answer_delay);
    co_await delay.async_wait();
  }
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server);
  co_return ec;
}

asio::awaitable<void> serve_plain(TcpStream stream, std::shared_ptr<State> state, std::size_t id) {
  const InProgress open = open_connection(state);
  const bool orderly = co_await serve_requests(stream, state, id, {}, false);
  if (orderly) shut_down_tcp(stream);
}

asio::awaitable<void> serve_tls(TcpStream tcp_stream, std::shared_ptr<State> state,
                                std::size_t id) {
  const InProgress open = open_connection(state);
  TlsStream stream(std::move(tcp_stream), *state->tls);
  beast::get_lowest_layer(stream).expires_after(handshake_timeout);
  if (co_await tls_handshake(stream, state)) co_return;
  const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
  const bool resumed = SSL_session_reused(stream.native_handle()) == 1;
  const bool orderly = co_await serve_requests(stream, state, id, sni ? sni : "", resumed);
  if (!orderly) co_return;
  // close_notify; the client need not answer it, hence the short bound.
  beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(500));
  co_await stream.async_shutdown();  // its error (often stream_truncated) changes nothing here
  shut_down_tcp(beast::get_lowest_layer(stream));
}

asio::awaitable<void> accept_connections(Acceptor acceptor, std::shared_ptr<State> state,
                                         std::chrono::milliseconds pause) {
  asio::steady_timer paused(acceptor.get_executor());
  for (bool first = true;; first = false) {
    if (pause.count() > 0 && !first) {
      paused.expires_after(pause);
      co_await paused.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    auto [ec, socket] = co_await acceptor.async_accept();
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    // Small writes (a header, then a body) must not wait for the client's delayed ACK.
    socket.set_option(tcp::no_delay(true), ec);
    std::size_t id;
    {
      std::lock_guard lock(state->mutex);
      id = ++state->connections_accepted;
    }
    TcpStream stream(std::move(socket));
    if (state->tls)
      asio::co_spawn(acceptor.get_executor(), serve_tls(std::move(stream), state, id),
                     asio::detached);
    else
      asio::co_spawn(acceptor.get_executor(), serve_plain(std::move(stream), state, id),
                     asio::detached);
  }
}

void report_exception(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "TestServer: %s\n", e.what());
  }
}

}  // namespace

struct TestServer::Impl {
  TestServerOptions options;
  std::shared_ptr<State> state = std::make_shared<State>();
  std::uint16_t port = 0;
  asio::io_context io_context{1};  // after `state`: its destruction ends the coroutines first
  std::thread thread;
};

TestServer::TestServer(TestServerOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  impl.options = std::move(options);
  State& state = *impl.state;
  state.close_idle_connections = impl.options.close_idle_connections;
  state.close_on_second_request = impl.options.close_on_second_request;
  state.connection_close = impl.options.connection_close;
  state.tls_answer_delay = impl.options.tls_answer_delay;
  if (impl.options.tls) {
    auto& context = state.tls.emplace(ssl::context::tls_server);
    SSL_CTX* native = context.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    if (const auto max = impl.options.tls_max_version) {
      static constexpr int versions[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
                                         TLS1_3_VERSION};
      SSL_CTX_set_min_proto_version(native, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(native, versions[static_cast<int>(*max)]);
      if (*max < TlsVersion::tls1_2) {
        // OpenSSL 3's default security level 1 disables TLS 1.0 and 1.1 (and their SHA-1
        // signatures): level 0 is the only way to still offer them.
        SSL_CTX_set_security_level(native, 0);
        SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
      }
    }
    context.use_certificate_chain(asio::buffer(impl.options.tls->cert_pem));
    context.use_private_key(asio::buffer(impl.options.tls->key_pem), ssl::context::pem);
  }

  std::vector<std::string> addresses{impl.options.address};
  addresses.insert(addresses.end(), impl.options.extra_addresses.begin(),
                   impl.options.extra_addresses.end());
  for (const auto& address : addresses) {
    Acceptor acceptor(impl.io_context);
    // The first address picks the port (ephemeral unless given); the others share it.
    const tcp::endpoint endpoint(asio::ip::make_address(address),
                                 impl.port != 0 ? impl.port : impl.options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    if (impl.options.backlog > 0)
      acceptor.listen(impl.options.backlog);
    else
      acceptor.listen();
    impl.port = acceptor.local_endpoint().port();
    asio::co_spawn(impl.io_context,
                   accept_connections(std::move(acceptor), impl.state, impl.options.accept_pause),
                   report_exception);
  }
  impl.thread = std::thread([&context = impl.io_context] { context.run(); });
}

TestServer::~TestServer() {
  impl_->io_context.stop();
  impl_->thread.join();
}

std::uint16_t TestServer::port() const { return impl_->port; }

std::string TestServer::url(std::string_view path) const {
  const std::string& address = impl_->options.address;
  const bool ipv6 = address.find(':') != std::string::npos;
  return std::string(impl_->options.tls ? "https://" : "http://") + (ipv6 ? "[" : "") + address +
         (ipv6 ? "]" : "") + ":" + std::to_string(impl_->port) + std::string(path);
}

std::size_t TestServer::connections_accepted() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->connections_accepted;
}

std::size_t TestServer::requests_served() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->requests.size();
}

std::vector<RecordedRequest> TestServer::requests() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->requests;
}

std::vector<RecordedRequest> TestServer::unanswered_requests() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->unanswered_requests;
}

std::size_t TestServer::open_connections() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->open_connections;
}

std::size_t TestServer::max_open_connections() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->max_open_connections;
}

std::size_t TestServer::max_tls_handshakes_at_once() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->max_tls_handshakes;
}

FullBacklogListener::FullBacklogListener(const std::string& address_text, std::uint16_t port) {
  sockaddr_storage address{};
  socklen_t length = 0;
  int family = AF_INET;
  if (address_text.find(':') != std::string::npos) {
    family = AF_INET6;
    auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    if (::inet_pton(AF_INET6, address_text.c_str(), &in6.sin6_addr) != 1)
      throw std::runtime_error("FullBacklogListener: bad address " + address_text);
    length = sizeof in6;
  } else {
    auto& in = reinterpret_cast<sockaddr_in&>(address);
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    if (::inet_pton(AF_INET, address_text.c_str(), &in.sin_addr) != 1)
      throw std::runtime_error("FullBacklogListener: bad address " + address_text);
    length = sizeof in;
  }
  address_ = address_text;
  listener_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (family == AF_INET6) ::setsockopt(listener_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener_, 0) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("FullBacklogListener: cannot listen on " + address_text);
  port_ = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(address).sin6_port
                                   : reinterpret_cast<sockaddr_in&>(address).sin_port);
  // A backlog of 0 holds one connection; the next SYN is dropped. Connect until one hangs.
  for (int attempt = 0; attempt < 8 && !saturated_; ++attempt) {
    const int filler = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (filler < 0) break;
    fillers_.push_back(filler);
    if (::connect(filler, reinterpret_cast<sockaddr*>(&address), length) == 0) continue;
    if (errno != EINPROGRESS) break;
    pollfd done{filler, POLLOUT, 0};
    saturated_ = ::poll(&done, 1, 300) == 0;
  }
}

FullBacklogListener::~FullBacklogListener() {
  for (const int fd : fillers_) ::close(fd);
  if (listener_ >= 0) ::close(listener_);
}

std::string FullBacklogListener::url(std::string_view path) const {
  auto const host = address_.find(':') != std::string::npos ? "[" + address_ + "]" : address_;
  return "http://" + host + ":" + std::to_string(port_) + std::string(path);
}

}  // namespace poller::test
