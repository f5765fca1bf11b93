#pragma once
// A real terminal for screen tests: a command in a detached tmux session (its own server, on a
// socket in a temporary directory), read back with `capture-pane` as a person would see it.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "support/subprocess.hpp"

namespace poller::test {

class TmuxScreen {
 public:
  // Runs argv (no shell) in a pane of `columns` x `lines`, with LANG=C.UTF-8, TZ=UTC and
  // TERM=screen, plus `environment` ("NAME=value"). When the command ends, the pane shows
  // "[exit N]" and stays (see wait_for_exit).
  TmuxScreen(const std::vector<std::string>& argv, unsigned columns, unsigned lines,
             const std::vector<std::string>& environment = {});
  ~TmuxScreen();  // kills the tmux server, and the command with it
  TmuxScreen(const TmuxScreen&) = delete;
  TmuxScreen& operator=(const TmuxScreen&) = delete;

  // What the screen shows, a line per row (trailing blanks trimmed, as tmux does); with
  // `escapes`, with the SGR sequences of colours and attributes.
  std::string capture(bool escapes = false) const;
  // Polls the screen until `holds` is true of it; false after `bound`.
  bool wait_until(const std::function<bool(const std::string&)>& holds,
                  std::chrono::milliseconds bound, bool escapes = false) const;
  bool wait_for_text(std::string_view text, std::chrono::milliseconds bound) const;
  // Waits for the command to end; its exit status, or -1 after `bound`.
  int wait_for_exit(std::chrono::milliseconds bound) const;

  void resize(unsigned columns, unsigned lines) const;
  void send_keys(const std::string& keys) const;  // tmux key names: "C-c"
  // A tmux format about the pane: "#{cursor_flag}", "#{alternate_on}".
  std::string pane_format(const std::string& format) const;
  // The pid the command got (written by the pane's shell before it ran the command).
  int command_pid() const;
  // The terminal goes away, as a closed window or a dropped ssh session: tmux's server is killed
  // and its pane hung up, which sends SIGHUP to the programs in it. Nothing is killed here.
  void hang_up() const;

 private:
  ProcessResult tmux(std::vector<std::string> args) const;
  TempDir dir_;
  std::string socket_;
};

}  // namespace poller::test
