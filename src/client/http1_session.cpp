#include "http1_session.hpp"

#include <algorithm>
#include <new>
#include <tuple>
#include <utility>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <fmt/format.h>

#include "read_buffer.hpp"

namespace poller {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::uint32_t header_limit = 64 * 1024;

// The final response's fields, copied off the session's arena, which ends with the fetch.
class ParsedHeaders final : public ResponseHeaders {
 public:
  explicit ParsedHeaders(const ResponseFields& fields) : fields_(fields) {}
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

Http1Session::Http1Session(const RequestConfig& config, bool digest_body,
                           beast::flat_buffer read_buffer, DeferredPermit* body_place)
    : config_(config), read_buffer_(std::move(read_buffer)), body_place_(body_place) {
  if (config_.compressed) decoder_ = std::make_unique<BodyDecoder>();
  if (digest_body) digest_ = std::make_unique<BodyDigest>();
}

Http1Session::~Http1Session() = default;

void Http1Session::abort() {
  aborted_ = true;
  body_place_wait_.cancel();
}

net::awaitable<error_code> Http1Session::exchange(ByteStream& stream, std::string_view request,
                                                  bool head) {
  head_ = head;
  fresh_parser();
  read_buffer_.clear();
  response_begun_ = false;
  request_begun_ = false;
  interim_status_ = 0;
  first_byte_.reset();
  header_bytes_ = 0;
  if (auto ec = co_await stream.write(net::buffer(request), request_begun_)) co_return ec;
  // header_bytes_: taken in so far of the response's headers, interim ones included: an endless
  // run of 1xx responses is bounded like one endless header.
  bool header_counted = false;  // the current header's last bytes are in header_bytes_
  for (;;) {
    std::size_t parsed = 0;
    auto const ec = co_await read_some(stream, parsed);
    if (parsed != 0 || read_buffer_.size() != 0) response_begun_ = true;
    if (ec) co_return ec;
    if (!first_byte_) first_byte_ = Clock::now();
    if (!parser_->is_header_done()) {
      // Beast holds header_limit against the unparsed rest of each read only, and keeps the
      // whole fields it has already taken in: a header that arrives in pieces could grow without
      // bound. So what has been parsed, and what waits unparsed, count against the limit here.
      header_bytes_ += parsed;
      if (header_bytes_ + read_buffer_.size() > header_limit) co_return http::error::header_limit;
      parser_->header_limit(static_cast<std::uint32_t>(header_limit - header_bytes_));
      continue;
    }
    // The parser stops at the end of a header, so the read that ended it parsed nothing more.
    if (!header_counted) header_bytes_ += parsed;
    header_counted = true;
    auto const status = parser_->get().result_int();
    if (status / 100 == 1 && status != 101) {
      // An interim response (100 Continue, 103 Early Hints): the final one follows.
      interim_status_ = status;
      header_counted = false;
      fresh_parser();
      auto const left = header_limit - std::min<std::size_t>(header_bytes_, header_limit);
      parser_->header_limit(static_cast<std::uint32_t>(left));
      continue;
    }
    if (parser_->is_done()) co_return error_code{};
    if (body_place_ != nullptr && !body_place_->held()) {
      // -Z: the body is read in one of the --parallel-max places, held (by the caller, past this
      // fetch) until its result is written; a server that never answers, or answers without a
      // body, holds none. The caller's deadline and abort() end the wait.
      waiting_for_body_place_ = true;
      bool const placed = co_await body_place_->acquire(body_place_wait_);
      // Woken with a place just as the deadline passed or a cancel came: the abort found no wait.
      if (!placed || aborted_) co_return net::error::operation_aborted;
      waiting_for_body_place_ = false;
    }
    // Body bytes are taken in as they come: what waits unparsed is a chunk's size line or the
    // trailer, which Beast (1.81) reads whole with no limit of its own. Held to the header's.
    if (read_buffer_.size() > header_limit) co_return chunk_framing_too_long();
  }
}

// http::async_read_some, spelled out: Beast's version goes on reading for as long as the parser
// needs more, so a header arriving in pieces would be read whole before the caller could hold it
// to a limit (Beast 1.81 applies header_limit to each piece's unparsed rest, not to the header).
// This one reads from the stream once at most; `parsed` is set to the bytes the parser took in,
// and what it could not take yet stays in the read buffer.
net::awaitable<error_code> Http1Session::read_some(ByteStream& stream, std::size_t& parsed) {
  auto& parser = *parser_;
  auto& buffer = read_buffer_;
  parsed = 0;
  for (bool have_read = false;; have_read = true) {
    if (buffer.size() != 0) {
      error_code ec;
      std::size_t used = 0;
      try {
        used = parser.put(buffer.data(), ec);
      } catch (const std::bad_alloc&) {
        // The body grows as it arrives, up to --max-filesize: memory may run out first. That
        // fails this fetch (its connection is dropped), never the run.
        co_return make_error_code(boost::system::errc::not_enough_memory);
      }
      buffer.consume(used);
      parsed += used;
      if (ec != http::error::need_more) co_return ec;
      if (used != 0 || have_read) co_return error_code{};
    }
    auto const room = read_buffer::next_room(buffer.capacity(), buffer.size());
    auto [ec, n] = co_await stream.read_some(buffer.prepare(room));
    buffer.commit(n);
    buffer.reserve(read_buffer::capacity_after_read(buffer.capacity(), room, n));
    if (ec == net::error::eof) {
      if (!parser.got_some()) co_return http::error::end_of_stream;
      error_code eof_ec;
      parser.put_eof(eof_ec);
      co_return eof_ec;
    }
    if (ec) co_return ec;
  }
}

ResponseParser& Http1Session::fresh_parser() {
  if (parser_) body_ = std::move(parser_->get().body().text);
  body_.clear();  // keeps the capacity
  parser_.reset();
  fields_memory_.release();  // the fields on it went with the parser
  parser_.emplace(std::piecewise_construct, std::make_tuple(),
                  std::make_tuple(ResponseFields::allocator_type(&fields_memory_)));
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
  if (head_) parser_->skip(true);
  return *parser_;
}

std::string_view Http1Session::location() const {
  auto const location = parser_->get()[http::field::location];
  return {location.data(), location.size()};
}

std::string_view Http1Session::field(std::string_view name) const {
  auto const value = parser_->get()[boost::beast::string_view(name.data(), name.size())];
  return {value.data(), value.size()};
}

void Http1Session::drop_body() { std::string().swap(parser_->get().body().text); }

void Http1Session::hand_over(FetchResult& result, bool keep_headers) {
  if (!parser_) return;
  auto& response = parser_->get();
  if (result.status && keep_headers) {
    result.headers = std::make_shared<ParsedHeaders>(response.base());
  }
  if (!result.ok()) return;
  result.bytes = response.body().decoded;  // the body may not have been kept
  result.body = std::move(response.body().text);
  if (digest_) result.body_sha256 = digest_->value();
}

// A timeout or a reset says little without it: a server that never answered, or one that
// stalled mid-body?
std::string Http1Session::progress() const {
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

FetchError Http1Session::describe_failure(const error_code& ec) const {
  using enum FetchErrorKind;
  if (ec == http::error::body_limit) {
    return {too_large,
            fmt::format("body larger than --max-filesize ({} bytes)", config_.max_filesize)};
  }
  if (ec == bad_compressed_body()) return {protocol, "bad compressed body: " + decoder_->message()};
  if (ec == boost::system::errc::not_enough_memory) {
    return {out_of_memory, "out of memory " + progress()};
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
    return {connection, "connection closed by the server " + progress()};
  }
  if (ec == net::error::connection_reset) {
    return {connection, "connection reset by the server " + progress()};
  }
  // A TLS connection closed without close_notify, before the response was whole.
  if (ec == net::ssl::error::stream_truncated) {
    return {connection,
            "connection closed by the server without a TLS close_notify " + progress()};
  }
  if (ec.category() == make_error_code(http::error::end_of_stream).category()) {
    return {protocol, fmt::format("malformed response: {}", ec.message())};
  }
  return {connection, ec.message()};
}

}  // namespace poller
