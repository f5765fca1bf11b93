#include "poller.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include "alertmanager.hpp"
#include "connection_budget.hpp"
#include "engine.hpp"
#include "line_options.hpp"
#include "log.hpp"
#include "politeness_log.hpp"
#include "result_log.hpp"
#include "poller/base/asio_defaults.hpp"
#include "poller/client/http_client.hpp"
#include "poller/input/shard.hpp"
#include "poller/input/sources.hpp"
#include "poller/input/url_list.hpp"
#include "poller/metrics/metrics_server.hpp"
#include "poller/report/checks.hpp"
#include "poller/report/color.hpp"
#include "poller/report/output.hpp"
#include "poller/report/result_store.hpp"
#include "poller/report/stats.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"
#include "schedule.hpp"
#include "state_hooks.hpp"
#include "terminal_hangup.hpp"
#include "url_settings.hpp"

namespace poller {
namespace {

// How long a stopped run waits for --on-state hooks (SPEC "State and alerts").
constexpr Duration hook_grace = std::chrono::seconds(5);

// The output's settings, with the number of rounds the board shows progress against.
OutputConfig output_config(const Options& options) {
  OutputConfig output = options.output;
  output.rounds = options.count;
  return output;
}

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

// The signals that poller takes as requests (re-read the list, print a summary) and whose default
// action would kill it: held from the start of main() until the run's handler is in place.
sigset_t held_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  return signals;
}

void release_held_signals() {
  auto const signals = held_signals();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

// The run is over: a signal that comes now (the second of two sent at once, a moment late) must
// not kill poller by its default action once the handler is gone, nor change its exit status.
void ignore_signals_from_now_on() {
  sigset_t signals = held_signals();
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

// Whether --format line writes to the terminal the log writes to: then a failure is shown once,
// as its line (which says why), and not logged as well (SPEC "Output", rev. 4).
bool failures_shown_on_the_log_terminal(const Options& options) {
  if (options.output.format != OutputFormat::line) return false;
  if (::isatty(STDOUT_FILENO) != 1 || ::isatty(STDERR_FILENO) != 1) return false;
  struct stat out = {}, err = {};
  return ::fstat(STDOUT_FILENO, &out) == 0 && ::fstat(STDERR_FILENO, &err) == 0 &&
         out.st_rdev == err.st_rdev;
}

// A reloaded list entry that is what it was: its state goes on.
bool same_entry(const Target& was, const Target& is) {
  auto const given = [](const Target& target) {
    return target.settings ? std::string_view(target.settings->given) : std::string_view();
  };
  return was.url == is.url && was.name == is.name && given(was) == given(is);
}

// The idle connections the run keeps for `targets` (connection_budget.hpp), with what the
// descriptor limit leaves for them.
ConnectionBudget plan_connections(const std::vector<Target>& targets, const Options& options,
                                  std::size_t descriptor_limit) {
  auto const reserved =
      reserved_descriptors(descriptor_limit, options.parallel, options.parallel_max);
  auto const room = descriptor_limit > reserved ? descriptor_limit - reserved : 0;
  return connection_budget(
      connections_needed(targets, options.parallel, options.parallel_max_host),
      options.max_connections, options.parallel, options.parallel_max_host, room);
}

class Poller {
 public:
  // `request` is the command line's (a copy of client.request) and `https_listed` whether the
  // list has an https URL: given apart, so that no member is built from another one.
  Poller(const Options& options, RequestConfig request, ClientConfig client, bool https_listed,
         SourceList sources, UrlList list, ConnectionBudget budget, std::size_t descriptor_limit)
      : options_(options),
        descriptor_limit_(descriptor_limit),
        budget_(budget),
        sources_(std::move(sources)),
        targets_(std::make_shared<const std::vector<Target>>(std::move(list.targets))),
        request_(std::move(request)),
        client_(io_, std::move(client), https_listed),
        stdout_(io_.get_executor()),
        sink_(make_output_sink(output_config(options), stdout_, io_.get_executor(),
                               [this] { quit_from_board(); })),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        store_(options.metrics_listen ? ResultStore::Metrics::on : ResultStore::Metrics::off),
        states_(options.output.on_change, targets_->size(), options.max_retry_after),
        engine_(
            io_,
            EngineSettings{options.interval, options.count, options.parallel, options.parallel_max,
                           options.parallel_max_host, options.spread},
            EngineHooks{[this](const Target& target, std::size_t entry, std::uint64_t round,
                               DeferredPermit* place) {
                          auto const& request = request_for(target);
                          return client_.fetch(target, request, round, place,
                                               validators_for(request, target, entry));
                        },
                        [this](FetchResult& result) { return judge_result(result); },
                        [this](const FetchResult& result, const Verdict& verdict) {
                          return deliver(result, verdict);
                        },
                        [this] { return reader_still_there(); },
                        [this](std::uint64_t round, Duration lateness,
                               RoundSchedule::Clock::time_point next_tick) {
                          round_started(round, lateness, next_tick);
                        },
                        [this](const Target& target, std::size_t entry) {
                          return skip_fetch(target, entry);
                        }}) {
    signals_.add(SIGUSR1);
    if (options.on_state) {
      hooks_ = std::make_unique<StateHooks>(io_.get_executor(), *options.on_state,
                                            options.on_state_timeout);
      listeners_.push_back([this](const FetchResult& result, const Verdict& verdict,
                                  const UrlState& state) { (*hooks_)(result, verdict, state); });
    }
    if (!options.alertmanagers.empty()) {
      alertmanager_ = std::make_unique<Alertmanager>(io_.get_executor(), client_,
                                                     options.alertmanagers, options.alert_instance);
      listeners_.push_back([this](const FetchResult& result, const Verdict& verdict,
                                  const UrlState& state) {
        (*alertmanager_)(result, verdict, state);
      });
    }
    if (options.metrics_listen) {
      if (options.shard) store_.set_shard(*options.shard);
      metrics_server_ = std::make_unique<MetricsServer>(io_, store_, *options.metrics_listen);
    }
  }

  int run() {
    wait_for_signal();
    // Held since main() began: a SIGHUP or SIGUSR1 sent meanwhile is taken now, by the handler.
    release_held_signals();
    // A reader that goes away while poller waits between rounds (`| head -c 1`) should end the
    // run now, not at the next write.
    stdout_.watch_reader([this] { stop(); });
    if (metrics_server_) {
      metrics_server_->start();
      spdlog::info("serving metrics at http://{}/metrics", metrics_server_->local_address());
    }
    if (alertmanager_) net::co_spawn(io_, alertmanager_->run(), net::detached);
    net::co_spawn(io_, run_engine(), [this](std::exception_ptr error) {
      run_ended_ = true;
      ignore_signals_from_now_on();
      signals_.cancel();
      if (metrics_server_) metrics_server_->stop();
      sink_->close();
      stdout_.close();
      if (error) std::rethrow_exception(error);
    });
    io_.run();
    // As ping's statistics: for the person at the terminal, or whoever asked with -v.
    if (options_.verbosity == Verbosity::verbose ||
        (options_.verbosity == Verbosity::normal && ::isatty(STDERR_FILENO) == 1))
      print_summary();
    if (stdout_.reader_gone()) return exit_ok;
    if (stopped_by_signal_ && !options_.count) return exit_ok;
    return store_.failures() > 0 ? exit_fetch_failed : exit_ok;
  }

 private:
  net::awaitable<void> run_engine() {
    co_await engine_.run(targets_);
    // A stopped run gives the hooks a grace; one that did its rounds waits for them.
    if (hooks_) co_await hooks_->finish(stopped_ ? std::optional(hook_grace) : std::nullopt);
    if (alertmanager_) alertmanager_->stop();
    client_.shutdown();
  }

  // The first lane to start a round counts it (the summary's rounds, the board's progress).
  void round_started(std::uint64_t round, Duration lateness,
                     RoundSchedule::Clock::time_point next_tick) {
    if (round <= rounds_started_) {
      store_.record_lateness(lateness);
      return;
    }
    rounds_started_ = round;
    store_.record_round(lateness);
    bool const last = options_.count && round >= *options_.count;
    sink_->round_started(round, last ? std::nullopt : std::optional(next_tick));
  }

  // --conditional: what the entry's last 200 said, for its next request to send back.
  std::shared_ptr<const Validators> validators_for(const RequestConfig& request,
                                                  const Target& target, std::size_t entry) const {
    if (!request.conditional) return nullptr;
    auto const* state = states_.find(entry, target);
    return state != nullptr ? state->polite.validators : nullptr;
  }

  // Retry-After: the entry's server asked for a pause that is not over.
  bool skip_fetch(const Target& target, std::size_t entry) {
    // Whose state it is (a hash of the URL) and the clock are looked at only for an entry that
    // has been asked to pause: this runs before every fetch.
    auto const* paused = states_.find(entry);
    if (paused == nullptr || !paused->polite.skip_until) return false;
    auto const* state = states_.find(entry, target);
    if (state == nullptr || !state->polite.skips(std::chrono::system_clock::now())) return false;
    store_.record_skip(target);
    return true;
  }

  // After a result is written: false, and the run stops, once stdout's reader has gone.
  bool reader_still_there() {
    if (!stdout_.reader_gone()) return true;
    stop();
    return false;
  }

  // The verdict on a result by its checks: its list line's, else the command line's.
  Verdict judge_result(FetchResult& result) const {
    auto const& settings = result.target->settings;
    auto verdict = judge(settings ? settings->checks : options_.checks, result,
                         std::chrono::system_clock::now());
    drop_refused_body(verdict, result);
    return verdict;
  }

  // A judged result goes to each listener in turn, then to the output. Not a coroutine itself:
  // it hands back the sink's write for the engine to await at once (with `result` and `verdict`
  // alive in its frame), which saves a coroutine frame per fetch.
  net::awaitable<void> deliver(const FetchResult& result, const Verdict& verdict) {
    auto const& state = states_.record(result, verdict, state_rules_for(*result.target));
    for (auto const& listener : listeners_) listener(result, verdict, state);
    return sink_->write(result, verdict, state);
  }

  const StateRules& state_rules_for(const Target& target) const {
    return target.settings ? target.settings->state_rules : options_.state_rules;
  }

  // What `target`'s fetch asks for: its list line's settings, else the command line's.
  const RequestConfig& request_for(const Target& target) const {
    return target.settings ? target.settings->request : request_;
  }

  void reload() {
    std::vector<std::string> not_reread;
    UrlList list;
    try {
      list = sources_.reload(not_reread);
    } catch (const std::exception& error) {
      // Whatever stops the reading (memory, a file) stops the reload, never the run.
      spdlog::error("SIGHUP: reading {} failed: {}; keeping the previous list of {} URL(s)",
                    sources_.files(), error.what(), targets_->size());
      return;
    }
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
    resize_pool(list.targets);
    store_.expose_only(list.targets);
    auto const stays = [&](std::size_t entry) {
      return entry < targets_->size() && same_entry((*targets_)[entry], list.targets[entry]);
    };
    states_.reload(list.targets.size(), stays);
    sink_->list_reloaded(list.targets.size(), stays);
    targets_ = std::make_shared<const std::vector<Target>>(std::move(list.targets));
  }

  // A reloaded list may need more idle connections, or fewer (unless --max-connections says).
  void resize_pool(const std::vector<Target>& targets) {
    if (options_.max_connections) return;
    auto const budget = plan_connections(targets, options_, descriptor_limit_);
    if (budget.max_connections != budget_.max_connections) {
      client_.set_max_connections(budget.max_connections);
      spdlog::debug("SIGHUP: {}", describe_budget(budget));
    }
    if (budget.short_of_descriptors() && !budget_.short_of_descriptors())
      spdlog::warn("SIGHUP: {}", descriptor_warning(budget, descriptor_limit_));
    budget_ = budget;
  }

  void wait_for_signal() {
    signals_.async_wait([this](error_code ec, int signal) {
      // A signal taken as the run ended (two SIGTERMs from `timeout`) must not wait for another:
      // the loop would never run out of work.
      if (ec || run_ended_) return;
      if (signal == SIGHUP && terminal_hangup_.happened()) {
        // The terminal went away: as a program with no SIGHUP handler would, the run ends.
        spdlog::info("SIGHUP: the terminal hung up: stopping");
        stopped_by_signal_ = true;
        stop();
      } else if (signal == SIGHUP) {
        // Each lane takes the new list at its next round, a new one starts at the next tick.
        reload();
        engine_.update(targets_);
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
    for (auto const& line : summary_lines(store_)) {
      spdlog::details::log_msg const message(logger.name(), spdlog::level::info, line);
      for (auto const& sink : logger.sinks()) sink->log(message);
    }
  }

  // The board's `q`: the run ends as on SIGINT (summary, exit status).
  void quit_from_board() {
    if (run_ended_) return;
    spdlog::info("q: stopping");
    stopped_by_signal_ = true;
    stop();
  }

  void stop() {
    stopped_ = true;
    client_.cancel();
    engine_.stop();
    stdout_.abandon();
  }

  const Options& options_;
  std::size_t const descriptor_limit_;
  ConnectionBudget budget_;  // the idle connections kept, for the list as last loaded
  SourceList sources_;
  net::io_context io_{1};
  std::shared_ptr<const std::vector<Target>> targets_;
  const RequestConfig request_;  // the command line's, with what the output asks of bodies
  HttpClient client_;
  StdoutWriter stdout_;
  std::unique_ptr<OutputSink> sink_;
  net::signal_set signals_;
  TerminalHangup const terminal_hangup_;  // tells a terminal's SIGHUP from a request to reload
  ResultStore store_;
  // With --metrics-listen only. The server renders the store: declared after it, gone before.
  std::unique_ptr<MetricsServer> metrics_server_;
  UrlStates states_;  // by list entry
  // Who takes each judged result with its entry's state, in this order, before the output: the
  // store (summary and /metrics), then the log (failures and recoveries, then Retry-After).
  std::vector<std::function<void(const FetchResult&, const Verdict&, const UrlState&)>> listeners_{
      [this](const FetchResult& result, const Verdict& verdict, const UrlState& state) {
        store_.record(result, verdict, state);
      },
      ResultLog(options_.verbosity == Verbosity::verbose, std::chrono::minutes(10),
                failures_shown_on_the_log_terminal(options_)),
      &log_politeness};
  Engine engine_;
  std::unique_ptr<StateHooks> hooks_;  // --on-state: a listener too
  std::unique_ptr<Alertmanager> alertmanager_;  // --alertmanager: a listener too
  std::uint64_t rounds_started_ = 0;

  bool run_ended_ = false;  // the run's coroutine is over: signals are no longer waited for
  bool stopped_by_signal_ = false;
  bool stopped_ = false;  // by a signal, or stdout's reader gone
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

// The client's settings: the options', what the output and the checks ask of bodies, and the
// idle connections to keep.
ClientConfig client_config(const Options& options, const ConnectionBudget& budget) {
  ClientConfig client = options.client;
  client.request.keep_body = keeps_body(options.output, options.checks);
  client.digest_body = options.output.on_change;
  client.keep_headers = options.output.write_out && options.output.write_out->uses_headers();
  client.max_connections = budget.max_connections;
  return client;
}

}  // namespace

void hold_signals() {
  auto const signals = held_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int run(const Options& options, LineOptions& line_options) {
  // First, before any descriptor is opened: a closed fd 1 would be taken by the next one.
  if (auto const error = claim_standard_streams()) {
    log_startup_error(options.log_format, *error);
    return exit_usage;
  }
  setup_logging(options.verbosity, options.log_format,
                color_wanted(options.output.color, STDERR_FILENO));

  SourceList sources(options.sources, line_options.parser(),
                     [&line_options] { line_options.start_reading(); });
  auto list = sources.load();
  if (!list.ok()) {
    for (auto const& error : list.errors) log_startup_error(options.log_format, error);
    return exit_usage;
  }
  list.targets = take_shard(std::move(list.targets), options.shard, "");

  auto const descriptor_limit = raise_descriptor_limit();
  auto const budget = plan_connections(list.targets, options, descriptor_limit);
  spdlog::debug("{}", describe_budget(budget));
  if (budget.short_of_descriptors()) spdlog::warn("{}", descriptor_warning(budget, descriptor_limit));
  auto client = client_config(options, budget);

  // A reader that goes away must end the run quietly (EPIPE), not kill it.
  std::signal(SIGPIPE, SIG_IGN);
  if (client.tls.insecure)
    spdlog::warn("--insecure: TLS certificates and host names are not verified");

  bool const https_listed =
      std::any_of(list.targets.begin(), list.targets.end(),
                  [](const Target& target) { return target.origin.is_https(); });
  auto request = client.request;
  Poller poller(options, std::move(request), std::move(client), https_listed, std::move(sources),
                std::move(list), budget, descriptor_limit);
  return poller.run();
}

}  // namespace poller
