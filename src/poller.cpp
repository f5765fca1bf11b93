#include "poller/poller.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include "poller/checks.hpp"
#include "poller/http_client.hpp"
#include "poller/log.hpp"
#include "poller/metrics.hpp"
#include "poller/metrics_server.hpp"
#include "poller/output.hpp"
#include "poller/schedule.hpp"
#include "poller/shard.hpp"
#include "poller/sources.hpp"
#include "poller/stats.hpp"
#include "poller/url_list.hpp"

namespace poller {
namespace {

namespace net = boost::asio;
using error_code = boost::system::error_code;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// --shard: this instance's part of the list. An empty part is no error: a SIGHUP may bring URLs
// of this shard, and until then the instance idles.
std::vector<Target> take_shard(std::vector<Target> targets, const std::optional<Shard>& shard,
                               std::string_view when) {
  if (!shard) return targets;
  auto const urls = targets.size(), origins = count_origins(targets);
  auto kept = keep_shard(std::move(targets), *shard);
  if (kept.empty()) {
    spdlog::warn(
        "{}shard {}/{}: none of the {} URL(s) on {} origin(s) falls in this shard; "
        "idle until a SIGHUP brings some",
        when, shard->index, shard->count, urls, origins);
  } else {
    spdlog::info("{}shard {}/{}: {} of {} URL(s), {} of {} origin(s)", when, shard->index,
                 shard->count, kept.size(), urls, count_origins(kept), origins);
  }
  return kept;
}

class Poller {
 public:
  Poller(const Options& options, SourceList sources, UrlList list)
      : options_(options),
        sources_(std::move(sources)),
        targets_(std::make_shared<const std::vector<Target>>(std::move(list.targets))),
        client_(io_, options,
                std::any_of(targets_->begin(), targets_->end(),
                            [](const Target& target) { return target.origin.is_https(); })),
        stdout_(io_.get_executor()),
        sink_(make_output_sink(options, stdout_)),
        round_timer_(io_),
        signals_(io_, SIGINT, SIGTERM, SIGHUP) {
    signals_.add(SIGUSR1);
    if (options.metrics_listen) {
      metrics_ = std::make_unique<MetricsRegistry>();
      if (options.shard) metrics_->set_shard(*options.shard);
      metrics_server_ = std::make_unique<MetricsServer>(io_, *metrics_, *options.metrics_listen);
    }
  }

  int run() {
    wait_for_signal();
    // A reader that goes away while poller waits between rounds (`| head -c 1`) should end the
    // run now, not at the next write.
    stdout_.watch_reader([this] { stop(); });
    if (metrics_server_) {
      metrics_server_->start();
      spdlog::info("serving metrics at http://{}/metrics", metrics_server_->local_address());
    }
    net::co_spawn(io_, run_rounds(), [this](std::exception_ptr error) {
      signals_.cancel();
      if (metrics_server_) metrics_server_->stop();
      stdout_.close();
      if (error) std::rethrow_exception(error);
    });
    io_.run();
    if (options_.verbosity == Verbosity::verbose) print_summary();
    if (stdout_.reader_gone()) return exit_ok;
    if (stopped_by_signal_ && !options_.count) return exit_ok;
    return failures_ > 0 ? exit_fetch_failed : exit_ok;
  }

 private:
  net::awaitable<void> run_rounds() {
    auto scheduled_start = RoundSchedule::Clock::now();
    RoundSchedule schedule(scheduled_start, options_.interval);
    for (std::uint64_t round = 1;; ++round) {
      if (reload_requested_) reload();
      stats_.round_started();
      if (metrics_) metrics_->record_round(RoundSchedule::Clock::now() - scheduled_start);
      co_await run_round(round);
      if (stopping() || (options_.count && round >= *options_.count)) break;

      auto const next = schedule.next(RoundSchedule::Clock::now());
      if (next.overran) {
        spdlog::warn("round {} took longer than the {} interval; starting the next at once{}", round,
                     format_duration(options_.interval),
                     next.skipped_ticks == 0 ? std::string()
                                             : fmt::format(", {} tick(s) skipped", next.skipped_ticks));
      }
      scheduled_start = next.start;
      round_timer_.expires_at(next.start);
      co_await round_timer_.async_wait(use_tuple);
      if (stopping()) break;
    }
    client_.shutdown();
  }

  net::awaitable<void> run_round(std::uint64_t round) {
    // A reload between rounds replaces targets_; this round keeps the list it started with.
    auto const targets = targets_;
    for (std::size_t entry = 0; entry < targets->size(); ++entry) {
      auto const& target = (*targets)[entry];
      auto result = co_await client_.fetch(target, round);
      result.entry = entry;
      if (result.cancelled) co_return;
      apply_checks(options_.checks, result, std::chrono::system_clock::now());
      stats_.record(result);
      if (metrics_) metrics_->record(result);
      if (!result.ok) {
        ++failures_;
        spdlog::error("{}: {}", target.display_url, result.error);
      } else if (spdlog::should_log(spdlog::level::debug)) {
        // Checked first: the arguments would be formatted even with the line switched off.
        spdlog::debug("{}: {} {} bytes in {}{}", result.url_effective, *result.status, result.bytes,
                      format_duration(result.time_total), result.reused ? " (reused connection)" : "");
      }
      co_await sink_->write(result);
      if (stdout_.reader_gone()) {
        stop();
        co_return;
      }
    }
  }

  void reload() {
    reload_requested_ = false;
    std::vector<std::string> not_reread;
    auto list = sources_.reload(not_reread);
    for (auto const& source : not_reread)
      spdlog::info("SIGHUP: {} is not re-read; its URLs stay", source);
    if (!list.ok()) {
      for (auto const& error : list.errors) spdlog::error("{}", error);
      spdlog::error("SIGHUP: {} has errors; keeping the previous list of {} URL(s)",
                    sources_.files(), targets_->size());
      return;
    }
    if (!sources_.has_files()) {
      if (not_reread.empty()) spdlog::info("SIGHUP: only URL operands, no list file to re-read");
      return;
    }
    spdlog::info("SIGHUP: reloaded {}: {} URL(s)", sources_.files(), list.targets.size());
    list.targets = take_shard(std::move(list.targets), options_.shard, "SIGHUP: ");
    client_.keep_only(list.targets);
    if (metrics_) metrics_->keep_only(list.targets);
    targets_ = std::make_shared<const std::vector<Target>>(std::move(list.targets));
  }

  void wait_for_signal() {
    signals_.async_wait([this](error_code ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload_requested_ = true;
      } else if (signal == SIGUSR1) {
        print_summary();
      } else {
        spdlog::info("{}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
        stopped_by_signal_ = true;
        stop();
      }
      wait_for_signal();
    });
  }

  // Like dd on SIGUSR1: where the run stands, on stderr, as info lines that even -q lets through
  // (the user asked for them).
  void print_summary() {
    auto& logger = *spdlog::default_logger();
    for (auto const& line : stats_.summary_lines()) {
      spdlog::details::log_msg const message(logger.name(), spdlog::level::info, line);
      for (auto const& sink : logger.sinks()) sink->log(message);
    }
  }

  void stop() {
    stopping_ = true;
    client_.cancel();
    round_timer_.cancel();
    stdout_.abandon();
  }

  bool stopping() const { return stopping_; }

  const Options& options_;
  SourceList sources_;
  net::io_context io_{1};
  std::shared_ptr<const std::vector<Target>> targets_;
  HttpClient client_;
  StdoutWriter stdout_;
  std::unique_ptr<OutputSink> sink_;
  net::steady_timer round_timer_;
  net::signal_set signals_;
  RunStats stats_;
  // With --metrics-listen only. The server renders the registry: declared after it, gone before.
  std::unique_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;

  std::uint64_t failures_ = 0;
  bool reload_requested_ = false;
  bool stopping_ = false;
  bool stopped_by_signal_ = false;
};

// Each idle connection holds a descriptor, and a list of thousands of hosts needs more than the
// usual soft limit of 1024: raise it to the hard limit. Returns the limit in force.
std::size_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace

int run(const Options& requested) {
  // First, before any descriptor is opened: a closed fd 1 would be taken by the next one.
  if (auto const error = claim_standard_streams()) {
    log_startup_error(requested.log_format, *error);
    return exit_usage;
  }
  Options options = requested;
  setup_logging(options.verbosity, options.log_format);
  // With --expect-status that list decides which statuses pass: -f would otherwise fail a 404 the
  // list accepts.
  if (options.checks.expect_status) options.fail_on_http_error = false;
  options.keep_body = output_prints_bodies(options) || options.checks.expect_body.has_value();
  options.digest_body = options.on_change;

  SourceList sources(options.sources);
  auto list = sources.load();
  if (!list.ok()) {
    for (auto const& error : list.errors) log_startup_error(options.log_format, error);
    return exit_usage;
  }
  list.targets = take_shard(std::move(list.targets), options.shard, "");

  // Keep descriptors for stdio, the resolver and the connection in use beyond the idle pool.
  constexpr std::size_t reserved_descriptors = 64;
  auto const descriptors = raise_descriptor_limit();
  if (descriptors > reserved_descriptors) {
    options.max_connections = std::min(options.max_connections, descriptors - reserved_descriptors);
  } else {
    options.max_connections = 0;
  }

  // A reader that goes away must end the run quietly (EPIPE), not kill it.
  std::signal(SIGPIPE, SIG_IGN);
  if (options.insecure) spdlog::warn("--insecure: TLS certificates and host names are not verified");

  Poller poller(options, std::move(sources), std::move(list));
  return poller.run();
}

}  // namespace poller
