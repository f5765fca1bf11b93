#include "support/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace poller::test {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Every descriptor we create is close-on-exec, so a child spawned from another test thread can
// never inherit (and keep open) the pipes of this one.
void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void close_descriptors_from(int first, int last) {
  if (first > last) return;
  if (::close_range(static_cast<unsigned>(first), static_cast<unsigned>(last), 0) == 0) return;
  const long max_fd = std::min<long>(::sysconf(_SC_OPEN_MAX), last);
  for (long fd = first; fd <= max_fd; ++fd) ::close(static_cast<int>(fd));
}

// Runs in the child between fork and exec: async-signal-safe calls only (the parent has other
// threads, e.g. a TestServer, whose locks may be held at the moment of the fork).
[[noreturn]] void exec_child(char* const* argv, int stdin_fd, int stdout_fd, int stderr_fd,
                             int error_fd, pid_t parent) {
  // Dies with the test instead of lingering (an nginx orphan would keep running forever).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  // Its own process group, so a timeout kill reaches grandchildren (`sh -c ...`) too, and a
  // terminal's Ctrl-C goes to the test runner only.
  ::setpgid(0, 0);
  // Ignored signals survive exec: the test runner may ignore SIGPIPE, the child must not
  // (`poller | head` relies on it).
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  if (::dup2(stdin_fd, 0) < 0 || ::dup2(stdout_fd, 1) < 0 || ::dup2(stderr_fd, 2) < 0) {
    const int err = errno;
    [[maybe_unused]] auto n = ::write(error_fd, &err, sizeof err);
    ::_exit(127);
  }
  // Asio opens sockets without close-on-exec; a child holding a TestServer connection open
  // would stop the server's close() from reaching the client.
  close_descriptors_from(3, error_fd - 1);
  close_descriptors_from(error_fd + 1, ~0U >> 1);
  ::execve(argv[0], argv, environ);
  const int err = errno;
  [[maybe_unused]] auto n = ::write(error_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

struct Process::Impl {
  pid_t pid = -1;
  std::string stdin_text;
  // Owned by the I/O thread once it runs.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int wake_read = -1;
  int wake_write = -1;

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::string out;
  std::string err;
  bool stdout_done = false;  // end of file, read error or closed by us
  bool stderr_done = false;
  bool close_stdout_requested = false;
  bool stdout_paused = false;
  bool stop_requested = false;

  bool reaped = false;
  int status = 0;  // from waitpid, once reaped
  bool have_result = false;
  ProcessResult result;
  std::thread io_thread;

  void spawn(const std::vector<std::string>& argv);
  void io_loop();
  void wake() {
    const char byte = 0;
    [[maybe_unused]] auto n = ::write(wake_write, &byte, 1);
  }
  void stop_io_thread();
  bool wait_for(const std::string Impl::*stream, const bool Impl::*done, std::string_view needle,
                std::chrono::milliseconds timeout, std::size_t occurrences);
};

void Process::Impl::spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("Process: empty argv");
  std::vector<char*> c_argv;
  for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);

  int child_stdin = -1;
  if (stdin_text.empty()) {
    child_stdin = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (child_stdin < 0) throw_errno("open /dev/null");
  } else {
    int fds[2];
    make_pipe(fds);
    child_stdin = fds[0];
    stdin_fd = fds[1];
    // Non-blocking so that a child which never reads its stdin cannot stall the drain loop.
    ::fcntl(stdin_fd, F_SETFL, O_NONBLOCK);
  }
  int out_pipe[2], err_pipe[2], error_pipe[2], wake_pipe[2];
  make_pipe(out_pipe);
  make_pipe(err_pipe);
  make_pipe(error_pipe);
  make_pipe(wake_pipe);
  stdout_fd = out_pipe[0];
  stderr_fd = err_pipe[0];
  wake_read = wake_pipe[0];
  wake_write = wake_pipe[1];
  // Non-blocking both ways: wake() never stalls, and the loop drains it without blocking.
  ::fcntl(wake_read, F_SETFL, O_NONBLOCK);
  ::fcntl(wake_write, F_SETFL, O_NONBLOCK);

  const pid_t parent = ::getpid();
  pid = ::fork();
  if (pid == 0)
    exec_child(c_argv.data(), child_stdin, out_pipe[1], err_pipe[1], error_pipe[1], parent);
  const int fork_errno = errno;
  ::close(child_stdin);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(error_pipe[1]);
  if (pid < 0) {
    ::close(error_pipe[0]);
    errno = fork_errno;
    throw_errno("fork");
  }
  // The error pipe is close-on-exec: end of file means exec succeeded, an int means it failed.
  int exec_errno = 0;
  ssize_t n;
  do n = ::read(error_pipe[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    reaped = true;
    errno = exec_errno;
    throw_errno("cannot run " + argv[0]);
  }
  io_thread = std::thread(&Impl::io_loop, this);
}

void Process::Impl::io_loop() {
  // A child that exits without reading its stdin makes our write fail with EPIPE; block the
  // signal in this thread only, so it neither kills the test runner nor needs a global SIG_IGN.
  sigset_t pipe_set;
  ::sigemptyset(&pipe_set);
  ::sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

  std::size_t written = 0;
  char buffer[65536];
  auto drain = [&](int& fd, std::string& sink, bool& done) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    std::lock_guard lock(mutex);
    if (n > 0) {
      sink.append(buffer, static_cast<std::size_t>(n));
    } else {
      close_fd(fd);
      done = true;
    }
    changed.notify_all();
  };

  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (close_stdout_requested && stdout_fd >= 0) {
        close_fd(stdout_fd);
        stdout_done = true;
        changed.notify_all();
      }
      if (stop_requested || (stdout_fd < 0 && stderr_fd < 0 && stdin_fd < 0)) break;
    }
    pollfd fds[4];
    nfds_t count = 0;
    fds[count++] = {wake_read, POLLIN, 0};
    const auto add = [&](int fd, short events) -> pollfd* {
      if (fd < 0) return nullptr;
      fds[count] = {fd, events, 0};
      return &fds[count++];
    };
    bool paused;
    {
      std::lock_guard lock(mutex);
      paused = stdout_paused;
    }
    const pollfd* out_poll = paused ? nullptr : add(stdout_fd, POLLIN);
    const pollfd* err_poll = add(stderr_fd, POLLIN);
    const pollfd* in_poll = add(stdin_fd, POLLOUT);
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      char discard[64];
      while (::read(wake_read, discard, sizeof discard) > 0) {
      }
    }
    if (out_poll && out_poll->revents != 0) drain(stdout_fd, out, stdout_done);
    if (err_poll && err_poll->revents != 0) drain(stderr_fd, err, stderr_done);
    if (in_poll && in_poll->revents != 0) {
      const std::size_t chunk = std::min<std::size_t>(stdin_text.size() - written, 65536);
      const ssize_t n = ::write(stdin_fd, stdin_text.data() + written, chunk);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (written == stdin_text.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close_fd(stdin_fd);
        if (n < 0 && errno == EPIPE) {
          // Consume the SIGPIPE now pending on this thread.
          const timespec zero{};
          ::sigtimedwait(&pipe_set, nullptr, &zero);
        }
      }
    }
  }
  std::lock_guard lock(mutex);
  close_fd(stdin_fd);
  close_fd(stdout_fd);
  close_fd(stderr_fd);
  stdout_done = stderr_done = true;
  changed.notify_all();
}

void Process::Impl::stop_io_thread() {
  if (!io_thread.joinable()) return;
  {
    std::lock_guard lock(mutex);
    stop_requested = true;
  }
  wake();
  io_thread.join();
}

bool Process::Impl::wait_for(const std::string Impl::*stream, const bool Impl::*done,
                             std::string_view needle, std::chrono::milliseconds timeout,
                             std::size_t occurrences) {
  if (needle.empty()) return true;
  std::unique_lock lock(mutex);
  // Scans only what arrived since the last wake-up, so a large output stays linear.
  std::size_t seen = 0;
  std::size_t scanned_up_to = 0;
  const auto found = [&] {
    const std::string_view text = this->*stream;
    for (auto pos = text.find(needle, scanned_up_to); pos != std::string_view::npos;
         pos = text.find(needle, pos + needle.size())) {
      ++seen;
      scanned_up_to = pos + needle.size();
    }
    if (text.size() + 1 > needle.size())
      scanned_up_to = std::max(scanned_up_to, text.size() + 1 - needle.size());
    return seen >= occurrences;
  };
  changed.wait_for(lock, timeout, [&] { return found() || this->*done; });
  return seen >= occurrences;
}

Process::Process(const std::vector<std::string>& argv, std::string_view stdin_text)
    : impl_(std::make_unique<Impl>()) {
  impl_->stdin_text = std::string(stdin_text);
  try {
    impl_->spawn(argv);
  } catch (...) {
    close_fd(impl_->stdin_fd);
    close_fd(impl_->stdout_fd);
    close_fd(impl_->stderr_fd);
    close_fd(impl_->wake_read);
    close_fd(impl_->wake_write);
    throw;
  }
}

Process::~Process() {
  if (!impl_->reaped && impl_->pid > 0) {
    ::kill(-impl_->pid, SIGKILL);
    ::kill(impl_->pid, SIGKILL);
    ::waitpid(impl_->pid, nullptr, 0);
  }
  impl_->stop_io_thread();
  close_fd(impl_->wake_read);
  close_fd(impl_->wake_write);
}

pid_t Process::pid() const { return impl_->pid; }

void Process::send_signal(int sig) {
  // After reaping, the pid may already belong to someone else.
  if (!impl_->reaped) ::kill(impl_->pid, sig);
}

bool Process::running() {
  if (impl_->reaped) return false;
  // WNOWAIT leaves the child a zombie: its pid, hence its process group id, cannot be reused
  // yet, so killing what is left of the group is safe.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(impl_->pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno == EINTR) return true;
    throw_errno("waitid");
  }
  if (info.si_pid == 0) return true;
  // Grandchildren (the `sleep` of `sh -c 'sleep 10'`) would keep our pipes open and outlive
  // the test.
  ::kill(-impl_->pid, SIGKILL);
  while (::waitpid(impl_->pid, &impl_->status, 0) < 0 && errno == EINTR) {
  }
  impl_->reaped = true;
  return false;
}

bool Process::wait_for_stdout(std::string_view needle, std::chrono::milliseconds timeout,
                              std::size_t occurrences) {
  return impl_->wait_for(&Impl::out, &Impl::stdout_done, needle, timeout, occurrences);
}

bool Process::wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout,
                              std::size_t occurrences) {
  return impl_->wait_for(&Impl::err, &Impl::stderr_done, needle, timeout, occurrences);
}

std::string Process::stdout_text() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->out;
}

std::string Process::stderr_text() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->err;
}

void Process::stop_reading_stdout() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stdout_paused = true;
  }
  impl_->wake();
}

void Process::close_stdout_reader() {
  std::unique_lock lock(impl_->mutex);
  if (impl_->stdout_done) return;
  impl_->close_stdout_requested = true;
  lock.unlock();
  impl_->wake();
  lock.lock();
  impl_->changed.wait(lock, [&] { return impl_->stdout_done; });
}

ProcessResult Process::wait(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (impl.have_result) return impl.result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  auto poll_interval = std::chrono::milliseconds(1);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-impl.pid, SIGKILL);
      ::kill(impl.pid, SIGKILL);
      while (::waitpid(impl.pid, &impl.status, 0) < 0 && errno == EINTR) {
      }
      impl.reaped = true;
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(poll_interval);
    poll_interval = std::min(poll_interval * 2, std::chrono::milliseconds(10));
  }
  {
    // The child is gone, but what it wrote last may still be in the pipes; a grandchild that
    // inherited them could keep them open forever, hence the bound.
    std::unique_lock lock(impl.mutex);
    impl.changed.wait_for(lock, std::chrono::seconds(2),
                          [&] { return impl.stdout_done && impl.stderr_done; });
  }
  impl.stop_io_thread();

  ProcessResult& result = impl.result;
  result.timed_out = timed_out;
  if (WIFEXITED(impl.status)) result.exit_code = WEXITSTATUS(impl.status);
  if (WIFSIGNALED(impl.status)) result.term_signal = WTERMSIG(impl.status);
  std::lock_guard lock(impl.mutex);
  result.out = impl.out;
  result.err = impl.err;
  impl.have_result = true;
  return result;
}

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view stdin_text,
                          std::chrono::milliseconds timeout) {
  Process process(argv, stdin_text);
  return process.wait(timeout);
}

TempDir::TempDir() {
  std::error_code ec;
  auto base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "poller-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write_file(std::string_view name, std::string_view content) const {
  while (name.starts_with('/')) name.remove_prefix(1);  // relative to the directory, always
  const std::filesystem::path full = std::filesystem::path(path_) / std::filesystem::path(name);
  std::filesystem::create_directories(full.parent_path());
  std::ofstream file(full, std::ios::binary | std::ios::trunc);
  file.write(content.data(), static_cast<std::streamsize>(content.size()));
  file.close();
  if (!file) throw std::runtime_error("TempDir: cannot write " + full.string());
  return full.string();
}

std::string read_text_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace poller::test
