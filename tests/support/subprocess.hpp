#pragma once
// Child processes and temporary directories for integration tests that run the real `poller`
// binary (and nginx, curl) as subprocesses.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace poller::test {

struct ProcessResult {
  int exit_code = -1;   // -1 unless the child exited normally
  int term_signal = 0;  // the signal that ended it, 0 if it exited
  bool timed_out = false;
  std::string out{};
  std::string err{};
};

// Runs argv (argv[0] is a path, no PATH lookup), writes stdin_text to its stdin then closes it
// (an empty stdin_text means stdin is /dev/null), collects stdout and stderr concurrently; on
// timeout kills it (SIGKILL) and sets timed_out. The child inherits the environment; use
// /usr/bin/env as argv[0] to set or unset variables for it.
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view stdin_text = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A running child, for signal tests and pipes. A background thread drains stdout and stderr all
// the time, so the child never blocks on a full pipe whatever the test does. The child runs in
// its own process group with default signal dispositions, and is SIGKILLed if the thread that
// created this object dies (so a crashed test leaves no stray nginx behind).
class Process {
 public:
  // Stdin is /dev/null when stdin_text is empty, else a pipe that gets stdin_text and is closed.
  explicit Process(const std::vector<std::string>& argv, std::string_view stdin_text = {});
  ~Process();  // SIGKILL (whole process group) + reap if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const;
  // False once the child has exited; what is left of its process group is then killed and the
  // child reaped (wait() still reports how it ended).
  bool running();
  void send_signal(int sig);  // no-op once the child has been reaped

  // True once `needle` occurs `occurrences` times in all the output so far (which is kept);
  // false on timeout or when the stream ended without it.
  bool wait_for_stdout(std::string_view needle, std::chrono::milliseconds timeout,
                       std::size_t occurrences = 1);
  bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout,
                       std::size_t occurrences = 1);

  // Snapshots of what has been read so far, for assertion messages.
  std::string stdout_text() const;
  std::string stderr_text() const;

  // Stops reading the child's stdout but keeps the pipe open, as a stalled reader does: once
  // the pipe is full, the child's writes to stdout wait (or fail with EAGAIN).
  void stop_reading_stdout();

  // Closes our read end of the child's stdout, as `| head` does once it has enough: the child's
  // next write fails with EPIPE / SIGPIPE. Output read before this stays in stdout_text().
  void close_stdout_reader();

  // Waits for exit (SIGKILL to the process group on timeout, then timed_out is set) and returns
  // everything read. Processes the child left behind in its group are killed. Calling it again
  // returns the same result.
  ProcessResult wait(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes (or replaces) path()/name, creating parent directories; returns the full path.
  std::string write_file(std::string_view name, std::string_view content) const;

 private:
  std::string path_;
};

// The whole content of a file; empty when it cannot be read (a log not written yet).
std::string read_text_file(const std::string& path);

}  // namespace poller::test
