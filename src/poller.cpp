#include "poller/poller.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/http_client.hpp"
#include "poller/log.hpp"
#include "poller/output.hpp"
#include "poller/schedule.hpp"
#include "poller/url_list.hpp"

namespace poller {
namespace {

namespace net = boost::asio;
using error_code = boost::system::error_code;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

class Poller {
 public:
  Poller(const Options& options, UrlList list)
      : options_(options),
        targets_(std::make_shared<const std::vector<Target>>(std::move(list.targets))),
        client_(io_, options),
        sink_(make_output_sink(options, stdout_)),
        round_timer_(io_),
        signals_(io_, SIGINT, SIGTERM, SIGHUP) {}

  int run() {
    wait_for_signal();
    net::co_spawn(io_, run_rounds(), [this](std::exception_ptr error) {
      signals_.cancel();
      if (error) std::rethrow_exception(error);
    });
    io_.run();
    if (stdout_.reader_gone()) return exit_ok;
    if (stopped_by_signal_ && !options_.count) return exit_ok;
    return failures_ > 0 ? exit_fetch_failed : exit_ok;
  }

 private:
  net::awaitable<void> run_rounds() {
    RoundSchedule schedule(RoundSchedule::Clock::now(), options_.interval);
    for (std::uint64_t round = 1;; ++round) {
      if (reload_requested_) reload();
      co_await run_round(round);
      if (stopping() || (options_.count && round >= *options_.count)) break;

      auto const next = schedule.next(RoundSchedule::Clock::now());
      if (next.overran) {
        spdlog::warn("round {} took longer than the {} interval; starting the next at once{}", round,
                     format_duration(options_.interval),
                     next.skipped_ticks == 0 ? std::string()
                                             : fmt::format(", {} tick(s) skipped", next.skipped_ticks));
      }
      round_timer_.expires_at(next.start);
      co_await round_timer_.async_wait(use_tuple);
      if (stopping()) break;
    }
    client_.close_idle_connections();
  }

  net::awaitable<void> run_round(std::uint64_t round) {
    // A reload between rounds replaces targets_; this round keeps the list it started with.
    auto const targets = targets_;
    for (auto const& target : *targets) {
      auto const result = co_await client_.fetch(target, round);
      if (result.cancelled) co_return;
      if (!result.ok) {
        ++failures_;
        spdlog::error("{}: {}", target.display_url, result.error);
      } else {
        spdlog::debug("{}: {} {} bytes in {}{}", result.url_effective, *result.status, result.bytes,
                      format_duration(result.time_total), result.reused ? " (reused connection)" : "");
      }
      sink_->write(result);
      if (stdout_.reader_gone()) {
        stop();
        co_return;
      }
    }
  }

  void reload() {
    reload_requested_ = false;
    if (options_.url_file == "-") {
      spdlog::info("SIGHUP: the URL list was read from standard input; nothing to re-read");
      return;
    }
    auto list = load_url_list(options_.url_file);
    if (!list.ok()) {
      for (auto const& error : list.errors) spdlog::error("{}", error);
      spdlog::error("SIGHUP: {} has errors; keeping the previous list of {} URL(s)",
                    options_.url_file, targets_->size());
      return;
    }
    spdlog::info("SIGHUP: reloaded {}: {} URL(s)", options_.url_file, list.targets.size());
    client_.keep_only(list.targets);
    targets_ = std::make_shared<const std::vector<Target>>(std::move(list.targets));
  }

  void wait_for_signal() {
    signals_.async_wait([this](error_code ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload_requested_ = true;
      } else {
        spdlog::info("{}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
        stopped_by_signal_ = true;
        stop();
      }
      wait_for_signal();
    });
  }

  void stop() {
    stopping_ = true;
    client_.cancel();
    round_timer_.cancel();
  }

  bool stopping() const { return stopping_; }

  const Options& options_;
  net::io_context io_{1};
  std::shared_ptr<const std::vector<Target>> targets_;
  HttpClient client_;
  StdoutWriter stdout_;
  std::unique_ptr<OutputSink> sink_;
  net::steady_timer round_timer_;
  net::signal_set signals_;

  std::uint64_t failures_ = 0;
  bool reload_requested_ = false;
  bool stopping_ = false;
  bool stopped_by_signal_ = false;
};

}  // namespace

int run(const Options& options) {
  setup_logging(options.verbosity);

  auto list = load_url_list(options.url_file);
  if (!list.ok()) {
    for (auto const& error : list.errors) std::cerr << error << '\n';
    return exit_usage;
  }

  // A reader that goes away must end the run quietly (EPIPE), not kill it.
  std::signal(SIGPIPE, SIG_IGN);
  if (options.insecure) spdlog::warn("--insecure: TLS certificates and host names are not verified");

  Poller poller(options, std::move(list));
  return poller.run();
}

}  // namespace poller
