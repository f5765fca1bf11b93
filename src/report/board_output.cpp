#include "poller/report/board_output.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "board_terminal.hpp"
#include "poller/base/asio_defaults.hpp"
#include "poller/report/board_model.hpp"
#include "poller/report/color.hpp"
#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

// Log lines kept while the board is up; past this many, the oldest go (and a line says so).
constexpr std::size_t most_held_lines = 10'000;
// A round of many URLs writes a result every few microseconds: draw at most this often, and
// once more when the round goes quiet.
constexpr auto redraw_every = 100ms;
// ...and spend at most about 1/20 of the time drawing: a redraw of a screen of many rows is slow
// enough under a terminal multiplexer that ten a second would slow the rounds (bench/RESULTS.md).
constexpr int idle_per_draw = 20;
// For the title's "next in Ns", and for results that came in since the last draw.
constexpr auto tick_every = 250ms;

// Holds the run's log lines while the board owns the terminal, and gives them to the logger's
// own sinks once it is gone, in order and with their times.
class HeldLog final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  void replay_to(const std::vector<spdlog::sink_ptr>& sinks) {
    if (dropped_ > 0) {
      std::string const note = std::to_string(dropped_) + " earlier log line(s) dropped";
      spdlog::details::log_msg const message("poller", spdlog::level::warn, note);
      for (auto const& sink : sinks) sink->log(message);
    }
    for (auto const& line : lines_) {
      spdlog::details::log_msg const message(line.time, {}, "poller", line.level, line.text);
      for (auto const& sink : sinks) sink->log(message);
    }
    for (auto const& sink : sinks) sink->flush();
    lines_.clear();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (lines_.size() == most_held_lines) {
      lines_.pop_front();
      ++dropped_;
    }
    lines_.push_back(
        {message.time, message.level, std::string(message.payload.data(), message.payload.size())});
  }
  void flush_() override {}

 private:
  struct Line {
    spdlog::log_clock::time_point time;
    spdlog::level::level_enum level;
    std::string text;
  };
  std::deque<Line> lines_;
  std::size_t dropped_ = 0;
};

class BoardSink final : public OutputSink {
 public:
  BoardSink(const OutputConfig& config, net::any_io_executor executor, std::function<void()> quit)
      : model_(config.rounds),
        color_(color_wanted(config.color, STDOUT_FILENO)),
        quit_(std::move(quit)),
        // Ours before ncurses looks: it leaves a handled SIGWINCH alone.
        resized_(executor, SIGWINCH),
        ticker_(executor),
        keyboard_(executor) {}

  ~BoardSink() override { close(); }

  void round_started(std::uint64_t round,
                     std::optional<std::chrono::steady_clock::time_point> next_tick) override {
    model_.round_started(round, next_tick);
    if (!terminal_) {
      open();
      draw();
    } else {
      draw_soon();
    }
  }

  net::awaitable<void> write(const FetchResult& result, const Verdict& verdict,
                             const UrlState& state) override {
    model_.record(result, verdict, state);
    draw_soon();
    co_return;
  }

  void list_reloaded(std::size_t size,
                     const std::function<bool(std::size_t entry)>& stays) override {
    model_.reloaded(size, stays);
    draw_soon();
  }

  void close() override {
    if (!terminal_) return;
    resized_.cancel();
    ticker_.cancel();
    // The descriptor is a copy (dup): curses keeps its own, and closes it with the terminal.
    boost::system::error_code ignored;
    keyboard_.close(ignored);
    terminal_->close();
    terminal_.reset();
    restore_log();
    // For -v, and for measuring what the board costs the rounds (docs/ARCHITECTURE.md, "Why
    // single-threaded").
    spdlog::debug("board: {} redraws, {:.1f} ms in all", redraws_,
                  std::chrono::duration<double, std::milli>(drawing_).count());
  }

 private:
  // At the first round, not in the constructor: the run's SIGINT and SIGTERM handlers are in
  // place by then, so ncurses leaves those signals alone.
  void open() {
    terminal_.emplace(color_);
    hold_log();
    wait_for_resize();
    tick();
    if (terminal_->input() >= 0) {
      int const input = ::dup(terminal_->input());
      if (input >= 0) {
        keyboard_.assign(input);
        wait_for_keys();
      }
    }
  }

  // Now if the last redraw was long enough ago, else at a tick.
  void draw_soon() {
    if (std::chrono::steady_clock::now() - drawn_ >= gap()) {
      draw();
    } else {
      dirty_ = true;
    }
  }

  // The least time between two redraws.
  std::chrono::steady_clock::duration gap() const {
    return std::max<std::chrono::steady_clock::duration>(redraw_every, idle_per_draw * last_cost_);
  }

  void draw() {
    if (!terminal_) return;
    drawn_ = std::chrono::steady_clock::now();
    dirty_ = false;
    view_.scroll =
        std::min(view_.scroll, model_.most_scroll(terminal_->lines(), view_.failing_only));
    terminal_->draw(model_.render(terminal_->columns(), terminal_->lines(),
                                  {drawn_, std::chrono::system_clock::now()},
                                  terminal_->unicode(), view_));
    last_cost_ = std::chrono::steady_clock::now() - drawn_;
    ++redraws_;
    drawing_ += last_cost_;
  }

  void wait_for_resize() {
    resized_.async_wait([this](boost::system::error_code ec, int) {
      if (ec || !terminal_) return;
      terminal_->resize();
      draw();
      wait_for_resize();
    });
  }

  void wait_for_keys() {
    keyboard_.async_wait(net::posix::descriptor_base::wait_read, [this](error_code ec) {
      if (ec || !terminal_) return;
      auto const read = terminal_->read_keys();
      for (auto const key : read.keys) {
        take(key);
        if (!terminal_) return;  // `q` ended the run, and the board with it
      }
      if (!read.keys.empty()) draw();
      if (!read.ended) wait_for_keys();
    });
  }

  void take(BoardKey key) {
    auto const lines = terminal_->lines();
    auto const page = std::max<std::size_t>(BoardModel::page(lines), 1);
    // From where the screen is: a scroll past the end (End) is clamped at each draw.
    auto& scroll = view_.scroll;
    scroll = std::min(scroll, model_.most_scroll(lines, view_.failing_only));
    switch (key) {
      case BoardKey::quit:
        if (quit_) std::exchange(quit_, nullptr)();
        break;
      case BoardKey::up:
        scroll -= std::min<std::size_t>(scroll, 1);
        break;
      case BoardKey::down:
        ++scroll;
        break;
      case BoardKey::page_up:
        scroll -= std::min(scroll, page);
        break;
      case BoardKey::page_down:
        scroll += page;
        break;
      case BoardKey::home:
        scroll = 0;
        break;
      case BoardKey::end:
        scroll = model_.most_scroll(lines, view_.failing_only);
        break;
      case BoardKey::failing_only:
        view_.failing_only = !view_.failing_only;
        scroll = 0;
        break;
    }
  }

  void tick() {
    ticker_.expires_after(tick_every);
    ticker_.async_wait([this](boost::system::error_code ec) {
      if (ec || !terminal_) return;
      // The title's countdown moves once a second; results wait at most one tick.
      auto const since = std::chrono::steady_clock::now() - drawn_;
      if ((dirty_ && since >= gap()) ||
          since >= std::max<std::chrono::steady_clock::duration>(1s, gap())) {
        draw();
      }
      tick();
    });
  }

  void hold_log() {
    auto& sinks = spdlog::default_logger()->sinks();
    log_sinks_ = sinks;
    sinks.assign({held_});
  }

  void restore_log() {
    spdlog::default_logger()->sinks() = log_sinks_;
    held_->replay_to(log_sinks_);
  }

  BoardModel model_;
  BoardView view_;
  bool color_;
  std::function<void()> quit_;  // called once, at the first `q`
  net::signal_set resized_;
  net::steady_timer ticker_;
  net::posix::stream_descriptor keyboard_;
  std::optional<BoardTerminal> terminal_;
  std::shared_ptr<HeldLog> held_ = std::make_shared<HeldLog>();
  std::vector<spdlog::sink_ptr> log_sinks_;
  std::chrono::steady_clock::time_point drawn_{};
  bool dirty_ = false;
  std::chrono::steady_clock::duration last_cost_{};
  std::uint64_t redraws_ = 0;
  std::chrono::steady_clock::duration drawing_{};
};

}  // namespace

std::unique_ptr<OutputSink> make_board_sink(const OutputConfig& config,
                                            net::any_io_executor executor,
                                            std::function<void()> quit) {
  if (isatty(STDOUT_FILENO) != 1) {
    throw UsageError(
        "--format board needs a terminal on standard output (for a pipe or a file: --format "
        "line or json)");
  }
  if (config.write_out) {
    throw UsageError("--format board takes the whole terminal: -w cannot go with it");
  }
  return std::make_unique<BoardSink>(config, std::move(executor), std::move(quit));
}

}  // namespace poller
