#pragma once
// A child whose standard output is a pseudo-terminal, in a session of its own (setsid) that has
// no controlling terminal: closing the master side hangs the terminal up without any SIGHUP, as
// a closed window does to a program started with setsid (or whose SIGHUP was lost).

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "support/subprocess.hpp"

namespace poller::test {

class PtyProcess {
 public:
  // Stdin is /dev/null, stdout the terminal (80 x 24), stderr a pipe; argv[0] is a path.
  explicit PtyProcess(const std::vector<std::string>& argv);
  ~PtyProcess();  // SIGKILL + reap if still running
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  // True once the terminal has shown `needle` (everything it showed is kept).
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout);
  // Closes the master side: the terminal is gone.
  void hang_up();
  // Waits for the exit (SIGKILL on timeout, then timed_out is set); `out` is what the terminal
  // showed, `err` the child's stderr.
  ProcessResult wait(std::chrono::milliseconds timeout);

 private:
  // Reads what is ready on the master and the stderr pipe, waiting up to `timeout` for some.
  void pump(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int master_ = -1;
  int stderr_ = -1;
  bool reaped_ = false;
  ProcessResult result_{};
};

}  // namespace poller::test
