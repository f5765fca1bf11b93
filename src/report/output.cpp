#include "poller/report/output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "poller/base/asio_defaults.hpp"
#include "poller/report/board_output.hpp"
#include "poller/report/color.hpp"
#include "poller/report/json_record.hpp"
#include "poller/report/line_format.hpp"
#include "poller/input/target.hpp"
#include "poller/report/write_out.hpp"

namespace poller {
namespace {

// One part of a record: the body, the JSON line, the -w text.
class RecordPart {
 public:
  virtual ~RecordPart() = default;
  // Appends to `out` what may refer to the result's body: it is written before the next fetch.
  virtual void render(const FetchResult& result, const Verdict& verdict, const UrlState& state,
                      Record& out) = 0;
};

// --format body: the body byte for byte, nothing added; nothing for a failed fetch.
class BodyPart final : public RecordPart {
 public:
  void render(const FetchResult& result, const Verdict& verdict, const UrlState&,
              Record& out) override {
    if (verdict.pass()) out.append_view(result.body);
  }
};

// --format json: one NDJSON line per fetch, failed ones included.
class JsonPart final : public RecordPart {
 public:
  void render(const FetchResult& result, const Verdict& verdict, const UrlState& state,
              Record& out) override {
    append_json_record(result, verdict, &state, out);
    out.append("\n");
  }
};

// --format line: one aligned line per fetch, failed ones included; on a terminal, a failure's
// cause is cut to the terminal's width (as it is now: it may have been resized).
class LinePart final : public RecordPart {
 public:
  explicit LinePart(bool color) : color_(color), terminal_(::isatty(STDOUT_FILENO) == 1) {}
  void render(const FetchResult& result, const Verdict& verdict, const UrlState&,
              Record& out) override {
    append_fetch_line(result, verdict, color_, width(), out);
  }

 private:
  std::optional<std::size_t> width() const {
    winsize size{};
    if (!terminal_ || ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) {
      return std::nullopt;
    }
    return size.ws_col;
  }

  bool color_;
  bool terminal_;
};

class WriteOutPart final : public RecordPart {
 public:
  explicit WriteOutPart(WriteOutTemplate format) : format_(std::move(format)) {}
  void render(const FetchResult& result, const Verdict& verdict, const UrlState& state,
              Record& out) override {
    format_.render(result, verdict, &state, out);
  }

 private:
  WriteOutTemplate format_;
};

class RecordSink final : public OutputSink {
 public:
  RecordSink(StdoutWriter& out, std::vector<std::unique_ptr<RecordPart>> parts)
      : out_(out), parts_(std::move(parts)) {}

  net::awaitable<void> write(const FetchResult& result, const Verdict& verdict,
                             const UrlState& state) override {
    record_.clear();
    for (auto& part : parts_) part->render(result, verdict, state, record_);
    if (!record_.empty()) co_await out_.write(record_);
  }

 private:
  StdoutWriter& out_;
  std::vector<std::unique_ptr<RecordPart>> parts_;
  Record record_;
};

// --on-change: passes a result on only when its body differs from the last passing one of the
// same list entry (its UrlState keeps the digest: by entry, not by URL, so a URL listed twice,
// or `#one` and `#two` of one URL, each have a first print). Failures and state changes always
// pass: they are news, a recovery with the body it had before too.
class OnChangeFilter final : public OutputSink {
 public:
  explicit OnChangeFilter(std::unique_ptr<OutputSink> next) : next_(std::move(next)) {}

  net::awaitable<void> write(const FetchResult& result, const Verdict& verdict,
                             const UrlState& state) override {
    if (verdict.pass() && !state.body_changed && !state.changed) {
      spdlog::debug("{}: body unchanged", result.target->display_url);
      return nothing();
    }
    return next_->write(result, verdict, state);
  }

 private:
  static net::awaitable<void> nothing() { co_return; }
  std::unique_ptr<OutputSink> next_;
};

}  // namespace

std::unique_ptr<OutputSink> make_output_sink(const OutputConfig& config, StdoutWriter& out,
                                             net::any_io_executor executor,
                                             std::function<void()> quit) {
  // Every fetch is news on the board: --on-change does not filter it.
  if (config.format == OutputFormat::board) {
    return make_board_sink(config, std::move(executor), std::move(quit));
  }
  std::vector<std::unique_ptr<RecordPart>> parts;
  switch (config.format) {
    case OutputFormat::body:
      parts.push_back(std::make_unique<BodyPart>());
      break;
    case OutputFormat::json:
      parts.push_back(std::make_unique<JsonPart>());
      break;
    case OutputFormat::line:
      parts.push_back(std::make_unique<LinePart>(color_wanted(config.color, 1)));
      break;
    case OutputFormat::none:
    case OutputFormat::board:
      break;
  }
  if (config.write_out) parts.push_back(std::make_unique<WriteOutPart>(*config.write_out));
  std::unique_ptr<OutputSink> sink = std::make_unique<RecordSink>(out, std::move(parts));
  if (config.on_change) sink = std::make_unique<OnChangeFilter>(std::move(sink));
  return sink;
}

bool output_prints_bodies(const OutputConfig& config) {
  auto const prints_bodies =
      config.format == OutputFormat::body || config.format == OutputFormat::json;
  return prints_bodies || (config.write_out && config.write_out->uses_body());
}

}  // namespace poller
