#include "poller/output.hpp"

#include <array>
#include <cerrno>
#include <map>
#include <system_error>
#include <vector>

#include <openssl/evp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>

#include "poller/json_record.hpp"
#include "poller/write_out.hpp"

namespace poller {

bool StdoutWriter::write(std::span<const std::string_view> parts) {
  std::vector<iovec> pending;
  for (auto part : parts) {
    if (!part.empty()) pending.push_back({const_cast<char*>(part.data()), part.size()});
  }
  std::size_t first = 0;
  while (!reader_gone_ && first < pending.size()) {
    ssize_t n = ::writev(fd_, pending.data() + first, static_cast<int>(pending.size() - first));
    if (n < 0) {
      if (errno == EPIPE) {
        reader_gone_ = true;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // stdout shared with a non-blocking reader of ours: wait until it drains.
        pollfd ready{fd_, POLLOUT, 0};
        ::poll(&ready, 1, -1);
      } else if (errno != EINTR) {
        // A full disk or a revoked terminal: nothing a later round could fix.
        throw std::system_error(errno, std::generic_category(), "writing to standard output");
      }
      continue;
    }
    // Skip what was written: whole parts, then the start of a part.
    while (first < pending.size() && static_cast<std::size_t>(n) >= pending[first].iov_len) {
      n -= static_cast<ssize_t>(pending[first].iov_len);
      ++first;
    }
    if (first < pending.size()) {
      pending[first].iov_base = static_cast<char*>(pending[first].iov_base) + n;
      pending[first].iov_len -= static_cast<std::size_t>(n);
    }
  }
  return !reader_gone_;
}

namespace {

// One part of a record: the body, the JSON line, the -w text.
class RecordPart {
 public:
  virtual ~RecordPart() = default;
  // Adds views that stay valid until the next call.
  virtual void render(const FetchResult& result, std::vector<std::string_view>& parts) = 0;
};

// --format body: the body byte for byte, nothing added; nothing for a failed fetch.
class BodyPart final : public RecordPart {
 public:
  void render(const FetchResult& result, std::vector<std::string_view>& parts) override {
    if (result.ok) parts.push_back(result.body);
  }
};

// --format json: one NDJSON line per fetch, failed ones included.
class JsonPart final : public RecordPart {
 public:
  void render(const FetchResult& result, std::vector<std::string_view>& parts) override {
    line_ = to_json_record(result);
    line_ += '\n';
    parts.push_back(line_);
  }

 private:
  std::string line_;
};

class WriteOutPart final : public RecordPart {
 public:
  explicit WriteOutPart(WriteOutTemplate format) : format_(std::move(format)) {}
  void render(const FetchResult& result, std::vector<std::string_view>& parts) override {
    text_ = format_.render(result);
    parts.push_back(text_);
  }

 private:
  WriteOutTemplate format_;
  std::string text_;
};

class RecordSink final : public OutputSink {
 public:
  RecordSink(StdoutWriter& out, std::vector<std::unique_ptr<RecordPart>> parts)
      : out_(out), parts_(std::move(parts)) {}

  void write(const FetchResult& result) override {
    views_.clear();
    for (auto& part : parts_) part->render(result, views_);
    if (!views_.empty()) out_.write(views_);
  }

 private:
  StdoutWriter& out_;
  std::vector<std::unique_ptr<RecordPart>> parts_;
  std::vector<std::string_view> views_;
};

// --on-change: passes a result on only when the URL's body differs from the previous round's.
// Only a SHA-256 digest of each body is kept, not the body. Failures always pass: they are news.
class OnChangeFilter final : public OutputSink {
 public:
  explicit OnChangeFilter(std::unique_ptr<OutputSink> next) : next_(std::move(next)) {}

  void write(const FetchResult& result) override {
    if (!result.ok) {
      next_->write(result);
      return;
    }
    Digest digest{};
    unsigned int size = 0;
    EVP_Digest(result.body.data(), result.body.size(), digest.data(), &size, EVP_sha256(), nullptr);
    auto [previous, first_time] = last_digest_.try_emplace(result.target->url, digest);
    if (!first_time && previous->second == digest) {
      spdlog::debug("{}: body unchanged", result.target->display_url);
      return;
    }
    previous->second = digest;
    next_->write(result);
  }

 private:
  using Digest = std::array<unsigned char, 32>;
  std::unique_ptr<OutputSink> next_;
  std::map<std::string, Digest, std::less<>> last_digest_;  // by URL as listed
};

}  // namespace

std::unique_ptr<OutputSink> make_output_sink(const Options& options, StdoutWriter& out) {
  std::vector<std::unique_ptr<RecordPart>> parts;
  switch (options.format) {
    case OutputFormat::body:
      parts.push_back(std::make_unique<BodyPart>());
      break;
    case OutputFormat::json:
      parts.push_back(std::make_unique<JsonPart>());
      break;
    case OutputFormat::none:
      break;
  }
  if (options.write_out) parts.push_back(std::make_unique<WriteOutPart>(*options.write_out));
  std::unique_ptr<OutputSink> sink = std::make_unique<RecordSink>(out, std::move(parts));
  if (options.on_change) sink = std::make_unique<OnChangeFilter>(std::move(sink));
  return sink;
}

}  // namespace poller
