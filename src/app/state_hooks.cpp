#include "state_hooks.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/base/encoding.hpp"
#include "poller/input/target.hpp"
#include "poller/report/json_record.hpp"

extern char** environ;

namespace poller {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t hooks_at_once = 4;
// Events waiting for a hook: bounded, so that entries flapping faster than the hooks end cannot
// grow poller without limit. Past it the oldest waiting event is dropped, with a warning.
constexpr std::size_t most_queued = 1000;
constexpr auto kill_after_term = 2s;
constexpr std::size_t longest_line = 4096;  // a longer line is logged in pieces

}  // namespace

// A hook process: its id, a pidfd that becomes readable when it exits, the read end of the pipe
// that is its stdout and stderr.
struct StateHooks::Child {
  pid_t pid = -1;
  int exited = -1;
  int output = -1;
};

namespace {

// Spawned in a process group of its own, with the signal mask and dispositions a shell expects
// (poller blocks SIGHUP and ignores SIGPIPE).
std::optional<StateHooks::Child> spawn_shell(const std::string& command,
                                 const std::vector<std::string>& environment, std::string& error) {
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) {
    error = fmt::format("pipe: {}", std::strerror(errno));
    return std::nullopt;
  }
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&files, pipe_ends[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&files, pipe_ends[1], STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  sigaddset(&signals, SIGPIPE);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  posix_spawnattr_setsigdefault(&attributes, &signals);

  std::vector<char*> argv{const_cast<char*>("sh"), const_cast<char*>("-c"),
                          const_cast<char*>(command.c_str()), nullptr};
  std::vector<char*> envp;
  for (auto const& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int const failed = posix_spawn(&pid, "/bin/sh", &files, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  ::close(pipe_ends[1]);
  if (failed != 0) {
    ::close(pipe_ends[0]);
    error = fmt::format("/bin/sh: {}", std::strerror(failed));
    return std::nullopt;
  }
  // glibc 2.36's <sys/pidfd.h> has no C++ linkage for it: the system call itself.
  int const exited = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (exited < 0) {
    // Without a pidfd (a kernel before 5.3) the hook cannot be waited for without blocking.
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(pipe_ends[0]);
    error = fmt::format("pidfd_open: {}", std::strerror(errno));
    return std::nullopt;
  }
  return StateHooks::Child{pid, exited, pipe_ends[0]};
}

// Logs each line the hook prints, prefixed with `label`, until the pipe's last writer closes it.
// Escaped as the list's text is: a hook's \r or terminal escape never reaches the log as such.
net::awaitable<void> log_output(net::posix::stream_descriptor& output, const std::string& label) {
  net::streambuf buffer(longest_line);
  for (;;) {
    auto [ec, size] = co_await net::async_read_until(output, buffer, '\n', use_tuple);
    // No newline: a line over longest_line (logged in pieces), or the output's unended end.
    if (size == 0 && ec) size = buffer.size();
    if (size == 0) co_return;
    std::string_view const data(static_cast<const char*>(buffer.data().data()), size);
    auto const line = data.ends_with('\n') ? data.substr(0, data.size() - 1) : data;
    spdlog::info("{}: --on-state: {}", label, escape_control_characters(line));
    buffer.consume(size);
  }
}

net::awaitable<void> wait_exit(net::posix::stream_descriptor& exited) {
  co_await exited.async_wait(net::posix::stream_descriptor::wait_read, use_tuple);
}

// Past `timeout`, ends the hook's process group: SIGTERM, SIGKILL later. Returns only once the
// group had time to go after SIGKILL (a process that left the group may hold the pipe open).
net::awaitable<void> end_after(Duration timeout, pid_t group) {
  net::steady_timer timer(co_await net::this_coro::executor, timeout);
  co_await timer.async_wait(net::use_awaitable);
  ::kill(-group, SIGTERM);
  timer.expires_after(kill_after_term);
  co_await timer.async_wait(net::use_awaitable);
  ::kill(-group, SIGKILL);
  timer.expires_after(kill_after_term);
  co_await timer.async_wait(net::use_awaitable);
}

std::string seconds_between(std::chrono::system_clock::time_point from,
                            std::chrono::system_clock::time_point to) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(to - from).count());
}

}  // namespace

StateHooks::StateHooks(net::any_io_executor executor, std::string command, Duration timeout)
    : executor_(std::move(executor)),
      command_(std::move(command)),
      timeout_(timeout),
      idle_(executor_, net::steady_timer::time_point::max()) {}

std::vector<std::string> StateHooks::event_environment(const FetchResult& result,
                                                       const Verdict& verdict,
                                                       const UrlState& state) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!std::string_view(*entry).starts_with("POLLER_")) environment.emplace_back(*entry);
  }
  auto const& target = *result.target;
  bool const up = state.up();
  environment.push_back(fmt::format("POLLER_STATE={}", to_string(state.health)));
  environment.push_back(fmt::format("POLLER_URL={}", target.display_url));
  environment.push_back(fmt::format("POLLER_NAME={}", target.label()));
  environment.push_back(fmt::format("POLLER_REASON={}", up ? "" : verdict.reason));
  environment.push_back(fmt::format(
      "POLLER_STATUS={}", result.status ? std::to_string(*result.status) : std::string()));
  environment.push_back(
      fmt::format("POLLER_SINCE={}", format_rfc3339_utc_seconds(state.ended_since)));
  environment.push_back(
      fmt::format("POLLER_DURATION={}", seconds_between(state.ended_since, result.started)));
  environment.push_back(fmt::format("POLLER_ROUND={}", result.round));
  return environment;
}

void StateHooks::operator()(const FetchResult& result, const Verdict& verdict,
                            const UrlState& state) {
  if (!state.changed || closing_) return;
  if (queue_.size() >= most_queued) {
    // The first drop, then one in a hundred: a warning, not a flood of them.
    if (dropped_++ % 100 == 0) {
      spdlog::warn("--on-state: the hooks cannot keep up: {} event(s) dropped so far, the oldest "
                   "waiting first",
                   dropped_);
    }
    queue_.pop_front();
  }
  queue_.push_back({std::string(result.target->label()), event_environment(result, verdict, state)});
  start_queued();
}

void StateHooks::start_queued() {
  while (!closing_ && running_.size() < hooks_at_once && !queue_.empty()) {
    auto event = std::move(queue_.front());
    queue_.pop_front();
    std::string error;
    auto const child = spawn_shell(command_, event.environment, error);
    if (!child) {
      spdlog::warn("{}: --on-state: could not start: {}", event.label, error);
      continue;
    }
    running_.insert(child->pid);
    auto label = event.label;
    net::co_spawn(executor_, run(*child, std::move(event)),
                  [this, pid = child->pid, label = std::move(label)](std::exception_ptr) {
                    ended(pid, label);
                  });
  }
}

net::awaitable<void> StateHooks::run(Child child, Event event) {
  using namespace net::experimental::awaitable_operators;
  net::posix::stream_descriptor exited(executor_, child.exited);
  net::posix::stream_descriptor output(executor_, child.output);
  co_await ((wait_exit(exited) && log_output(output, event.label)) ||
            end_after(timeout_, child.pid));
}

void StateHooks::ended(int pid, const std::string& label) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  running_.erase(pid);
  if (WIFSIGNALED(status)) {
    spdlog::warn("{}: --on-state: the command was ended by signal {}", label, WTERMSIG(status));
  } else if (WEXITSTATUS(status) != 0) {
    spdlog::warn("{}: --on-state: the command exited with status {}", label,
                 WEXITSTATUS(status));
  }
  start_queued();
  if (idle()) idle_.cancel();
}

net::awaitable<void> StateHooks::finish(std::optional<Duration> grace) {
  using namespace net::experimental::awaitable_operators;
  if (idle()) co_return;
  if (!grace) {
    while (!idle()) {
      idle_.expires_at(net::steady_timer::time_point::max());
      co_await idle_.async_wait(use_tuple);
    }
    co_return;
  }
  net::steady_timer deadline(executor_, *grace);
  auto wait_idle = [this]() -> net::awaitable<void> {
    while (!idle()) {
      idle_.expires_at(net::steady_timer::time_point::max());
      co_await idle_.async_wait(use_tuple);
    }
  };
  co_await (wait_idle() || deadline.async_wait(use_tuple));
  if (idle()) co_return;
  closing_ = true;
  if (!queue_.empty())
    spdlog::warn("--on-state: stopping: {} event(s) not run", queue_.size());
  queue_.clear();
  for (auto const pid : running_) {
    spdlog::warn("--on-state: stopping: ending hook {}", pid);
    ::kill(-pid, SIGKILL);
  }
  // Their coroutines end as the processes do: wait for them, so that none outlives the run.
  while (!running_.empty()) {
    idle_.expires_at(net::steady_timer::time_point::max());
    co_await idle_.async_wait(use_tuple);
  }
}

}  // namespace poller
