#pragma once
// The response body type of the client's parser: Beast's string_body, plus --compressed
// decoding as the bytes arrive.
// Private to the client: only the client's translation units include this (it pulls in Beast).
//
// Why a body type and not the parser's callbacks: on_chunk_body sees chunked bodies only, while a
// body type's reader gets every body byte (Content-Length, chunked, or up to EOF) and the
// response header before the first of them. Decoding there keeps the memory bound simple: the
// parser's body_limit bounds the compressed bytes read off the wire, and the reader appends no
// decoded byte past the same limit. Neither side is ever held whole beyond --max-filesize.

#include <algorithm>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>

#include "body_growth.hpp"
#include "poller/base/body_digest.hpp"
#include "decoder.hpp"

namespace poller {

// The error a reader reports for a body that does not decode; the decoder's message() says why.
const boost::system::error_category& body_decode_category();
inline boost::system::error_code bad_compressed_body() { return {1, body_decode_category()}; }

// The fields of a response the client reads, on memory the session lends them (its arena,
// http1_session.hpp) rather than one allocation per field.
using ResponseFields = boost::beast::http::basic_fields<std::pmr::polymorphic_allocator<char>>;

struct DecodedBody {
  // The most room reserved ahead for a body from its Content-Length.
  static constexpr std::uint64_t reserved_at_most = 64 * 1024;

  struct value_type {
    std::string text;             // the body as decoded (as received without a decoder)
    std::uint64_t received = 0;   // bytes of body read off the wire
    // Set for --compressed: decodes per the response's Content-Encoding, up to `limit` bytes.
    BodyDecoder* decoder = nullptr;
    std::uint64_t limit = 0;
    // Store or discard: without `keep` the body is counted (and digested) as it streams and
    // then dropped, so --format none holds no body at all, whatever its size.
    bool keep = true;
    BodyDigest* digest = nullptr;  // --on-change: the body's SHA-256, taken as it streams
    std::uint64_t decoded = 0;     // bytes of body as decoded (as received), kept or not
  };

  static std::uint64_t size(const value_type& body) { return body.text.size(); }

  // Beast makes the reader with the parser, before any header has arrived: the encoding is read
  // from the header in init(), which comes once the header is complete.
  class reader {
   public:
    // Any Fields for Beast's type check (is_body_reader); made with ResponseFields only.
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>& header, value_type& body)
        : fields_(header), body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
      ec = {};
      if (body_.decoder != nullptr) {
        auto const encoding = fields_[boost::beast::http::field::content_encoding];
        decoding_ = true;
        if (!body_.decoder->reset(std::string_view(encoding.data(), encoding.size()))) {
          ec = bad_compressed_body();
        }
        return;
      }
      // Content-Length is the server's claim, not bytes received: room is reserved for a first
      // slice of it at most, and the string grows toward it as the bytes come (body_growth.hpp).
      // A claim of 60 GB followed by 3 bytes must not cost 60 GB (or a failed allocation). A
      // decoded body's size is not known ahead, so only a body passed through, and kept, gets
      // room reserved.
      if (length && body_.keep) {
        body_.text.reserve(static_cast<std::size_t>(std::min(*length, reserved_at_most)));
        declared_ = *length;
      }
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
      ec = {};
      std::size_t taken = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::const_buffer const buffer = *it;
        std::string_view const bytes(static_cast<const char*>(buffer.data()), buffer.size());
        body_.received += bytes.size();
        taken += bytes.size();
        if (!decoding_) {
          took(bytes);
          if (body_.keep) keep(bytes);
          continue;
        }
        // A body not kept is decoded a small slice at a time, each slice's output dropped
        // before the next: 1 KiB inflates to about 1 MiB at most (zlib's ratio is ~1032:1).
        auto const step = body_.keep ? bytes.size() : std::size_t{1024};
        for (std::size_t at = 0; at < bytes.size() && !ec; at += step) {
          auto const start = body_.text.size();
          auto const result = body_.decoder->feed(bytes.substr(at, step), body_.text,
                                                  start + (body_.limit - body_.decoded));
          if (result == DecodeResult::too_large) ec = boost::beast::http::error::body_limit;
          if (result == DecodeResult::bad_input) ec = bad_compressed_body();
          took(std::string_view(body_.text).substr(start));
          if (!body_.keep) body_.text.clear();
        }
        if (ec) return taken;
      }
      return taken;
    }

    void finish(boost::system::error_code& ec) {
      ec = {};
      took({});  // a body without bytes has a digest too
      // finish() also ends a message without a body (204, 304), where init() never ran.
      if (decoding_ && body_.decoder->finish() != DecodeResult::ok) {
        ec = bad_compressed_body();
      }
    }

   private:
    // Appends to the kept body, its string grown in the steps body_growth.hpp gives (the
    // parser's body_limit bounds what arrives).
    void keep(std::string_view bytes) {
      auto& text = body_.text;
      auto const needed = text.size() + bytes.size();
      if (needed > text.capacity()) {
        text.reserve(static_cast<std::size_t>(
            body_growth::next_capacity(text.capacity(), needed, declared_)));
      }
      text.append(bytes);
    }

    // Counts and digests body bytes (decoded ones when decoding). The digest starts over with
    // each message read, interim and redirect responses included.
    void took(std::string_view bytes) {
      body_.decoded += bytes.size();
      if (body_.digest == nullptr) return;
      if (!digest_started_) body_.digest->reset();
      digest_started_ = true;
      body_.digest->update(bytes);
    }

    const ResponseFields& fields_;
    value_type& body_;
    bool decoding_ = false;
    bool digest_started_ = false;
    std::optional<std::uint64_t> declared_;  // Content-Length of a body passed through and kept
  };
};

}  // namespace poller
