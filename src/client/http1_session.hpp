#pragma once
// HTTP/1.1 framing for one fetch: writes each request whole over a connection's stream and reads
// its response with Beast's parser, interim responses skipped, bounded (header_limit below, the
// body by --max-filesize). One per fetch, so that the responses of a fetch (interim, redirects)
// reuse one parser's body string and one read buffer; another protocol would be another
// session. Private to the client (it pulls in Beast).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "byte_stream.hpp"
#include "decoded_body.hpp"
#include "poller/base/body_digest.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/client/async_semaphore.hpp"
#include "poller/client/client_config.hpp"

namespace poller {

using ResponseParser =
    boost::beast::http::response_parser<DecodedBody, ResponseFields::allocator_type>;

class Http1Session {
 public:
  using Clock = std::chrono::steady_clock;

  // `read_buffer`: lent by the client for the fetch (read_buffer() gives it back). `body_place`
  // (-Z): the --parallel-max place to take before reading a body, held by the caller until the
  // result is written; null: none to take.
  Http1Session(const RequestConfig& config, bool digest_body,
               boost::beast::flat_buffer read_buffer, DeferredPermit* body_place);
  ~Http1Session();
  Http1Session(const Http1Session&) = delete;
  Http1Session& operator=(const Http1Session&) = delete;

  // Sends `request` over `stream` and reads the final response's header and body (none after a
  // HEAD). Fails with the stream's errors, the parser's, or the bounds' (describe_failure()).
  net::awaitable<error_code> exchange(ByteStream& stream, std::string_view request, bool head);

  // Ends a wait for the body place, now and from then on (the caller cancels the stream).
  void abort();

  // The last exchange() wrote a byte of its request; had a byte of response, interim ones
  // included; when its first byte of response came.
  bool request_begun() const { return request_begun_; }
  bool response_begun() const { return response_begun_; }
  const std::optional<Clock::time_point>& first_byte() const { return first_byte_; }
  // Of the last exchange(): the bytes of its response headers read, interim ones included.
  std::size_t header_bytes() const { return header_bytes_; }

  // The final response of a successful exchange().
  unsigned status() const { return parser_->get().result_int(); }
  unsigned version() const { return parser_->get().version(); }
  std::string_view location() const;
  // A field of the final response by name (case-insensitive); empty when absent.
  std::string_view field(std::string_view name) const;
  // Whether the connection may carry the next request: the server keeps it open, and no byte
  // beyond the response came (the stream would be out of step).
  bool reusable() const { return parser_->keep_alive() && read_buffer_.size() == 0; }

  // What a failed exchange()'s error means, as a kind and a message. (A timeout is the
  // caller's to tell, with progress().)
  FetchError describe_failure(const error_code& ec) const;
  // How far the response had come when the exchange failed.
  std::string progress() const;

  // Out of memory: what the body took goes back now.
  void drop_body();
  // The final response's headers (with `keep_headers`) and, when the fetch succeeded, its body
  // and digest go into `result`.
  void hand_over(FetchResult& result, bool keep_headers);

  boost::beast::flat_buffer& read_buffer() { return read_buffer_; }

 private:
  net::awaitable<error_code> read_some(ByteStream& stream, std::size_t& parsed);
  ResponseParser& fresh_parser();

  const RequestConfig& config_;
  // The fields of the response being read, on an arena rather than one allocation each: most
  // headers fit in its inline part, and what does not takes a few growing blocks. Emptied with
  // each fresh parser; declared before the parser, which must go first.
  alignas(std::max_align_t) std::array<std::byte, 2048> fields_space_;
  std::pmr::monotonic_buffer_resource fields_memory_{fields_space_.data(), fields_space_.size()};
  // The response being read. Its body string is handed back and forth with `body_`, so that the
  // responses of one fetch (interim, redirects) reuse one allocation.
  std::optional<ResponseParser> parser_;
  std::string body_;
  std::unique_ptr<BodyDecoder> decoder_;   // --compressed only
  std::unique_ptr<BodyDigest> digest_;     // --on-change only
  boost::beast::flat_buffer read_buffer_;  // bytes read but not parsed yet
  bool head_ = false;                      // the request under way is a HEAD
  // The request under way has written a byte to the connection: one that is not idempotent is
  // then never sent again.
  bool request_begun_ = false;
  // The request under way has had a byte of response, interim responses included: a request
  // that may have been acted on is never sent again (the parser, fresh after a 1xx, forgets).
  bool response_begun_ = false;
  unsigned interim_status_ = 0;  // the last interim (1xx) response, 0 if none
  std::optional<Clock::time_point> first_byte_;
  std::size_t header_bytes_ = 0;
  DeferredPermit* body_place_;     // -Z: see the constructor
  SemaphoreWait body_place_wait_;  // what abort() must end, while it waits for it
  bool waiting_for_body_place_ = false;
  bool aborted_ = false;
};

}  // namespace poller
