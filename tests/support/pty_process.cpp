#include "support/pty_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace poller::test {

using Clock = std::chrono::steady_clock;

PtyProcess::PtyProcess(const std::vector<std::string>& argv) {
  int slave = -1;
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 80;
  int err_pipe[2];
  if (::openpty(&master_, &slave, nullptr, nullptr, &size) != 0 ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("PtyProcess: cannot open a pseudo-terminal or a pipe");
  }
  std::vector<char*> args;
  for (auto const& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setsid();  // no controlling terminal: the slave is inherited, never opened, so none is got
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int const null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    ::dup2(slave, STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::close(master_);
    ::execve(args[0], args.data(), environ);
    ::_exit(127);
  }
  ::close(slave);
  ::close(err_pipe[1]);
  stderr_ = err_pipe[0];
  if (pid_ < 0) throw std::runtime_error("PtyProcess: fork failed");
}

PtyProcess::~PtyProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (master_ >= 0) ::close(master_);
  if (stderr_ >= 0) ::close(stderr_);
}

void PtyProcess::pump(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{master_, POLLIN, 0}, {stderr_, POLLIN, 0}};
  if (::poll(fds, 2, static_cast<int>(timeout.count())) <= 0) return;
  char buffer[4096];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    auto const n = ::read(fds[i].fd, buffer, sizeof buffer);
    auto& out = i == 0 ? result_.out : result_.err;
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
    } else {  // EOF, or EIO from a master whose slave is closed by all
      int& fd = i == 0 ? master_ : stderr_;
      ::close(fd);
      fd = -1;
    }
  }
}

bool PtyProcess::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) {
  auto const until = Clock::now() + timeout;
  while (result_.out.find(needle) == std::string::npos) {
    if (master_ < 0 || Clock::now() >= until) return false;
    pump(std::chrono::milliseconds(20));
  }
  return true;
}

void PtyProcess::hang_up() {
  if (master_ >= 0) ::close(master_);
  master_ = -1;
}

ProcessResult PtyProcess::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return result_;
  auto const until = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    pump(std::chrono::milliseconds(10));
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    if (Clock::now() >= until) {
      result_.timed_out = true;
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
  }
  reaped_ = true;
  while (stderr_ >= 0) pump(std::chrono::milliseconds(100));
  if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result_.term_signal = WTERMSIG(status);
  return result_;
}

}  // namespace poller::test
