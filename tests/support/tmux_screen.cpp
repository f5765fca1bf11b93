#include "support/tmux_screen.hpp"

#include <signal.h>

#include <cstdlib>

#include <charconv>
#include <stdexcept>
#include <thread>

namespace poller::test {
namespace {

using namespace std::chrono_literals;

// As one word for bash: in single quotes, each ' as '\''.
std::string shell_quoted(std::string_view word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

constexpr std::string_view exit_marker = "[exit ";

}  // namespace

TmuxScreen::TmuxScreen(const std::vector<std::string>& argv, unsigned columns, unsigned lines,
                       const std::vector<std::string>& environment)
    : socket_(dir_.path() + "/tmux.socket") {
  // The command runs in the background of a non-interactive bash, so that its pid can be
  // written down for a signal by id; it stays in the terminal's foreground process group, so
  // C-c reaches it. bash itself ignores SIGINT, to report the exit status and keep the pane.
  std::string script = "trap '' INT; unset NO_COLOR; export LANG=C.UTF-8 TZ=UTC TERM=screen";
  for (auto const& variable : environment) script += " " + shell_quoted(variable);
  script += "; ";
  for (auto const& word : argv) script += shell_quoted(word) + " ";
  script += "& echo $! >" + shell_quoted(dir_.path() + "/pid") + "; wait $!; echo \"" +
            std::string(exit_marker) + "$?]\"; exec sleep 600";
  // Several words: tmux runs them without a shell of its own.
  std::vector<std::string> args{
      "new-session", "-d", "-x",  std::to_string(columns), "-y", std::to_string(lines),
      "/bin/bash",   "-c", script};
  auto const started = tmux(args);
  if (started.exit_code != 0) throw std::runtime_error("tmux new-session failed: " + started.err);
}

TmuxScreen::~TmuxScreen() {
  // kill-server hangs up the pane, which ends poller; but a poller that missed it (the bug
  // TerminalHangup tests) would go on polling its test's ports, which later tests' servers get
  // (seen in CI: servers counting requests nobody in their test made). Cleaning up does not rest
  // on what is under test: the pane's processes are killed first.
  auto const pane_pid = std::atoi(tmux({"display-message", "-p", "#{pane_pid}"}).out.c_str());
  if (pane_pid > 0) ::kill(-pane_pid, SIGKILL);  // the pane's process group: the shell and poller
  tmux({"kill-server"});
}

ProcessResult TmuxScreen::tmux(std::vector<std::string> args) const {
  // -f /dev/null: none of the user's settings; -u: UTF-8 whatever the test's locale.
  std::vector<std::string> argv{"/usr/bin/tmux", "-u", "-f", "/dev/null", "-S", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {}, 10s);
}

std::string TmuxScreen::capture(bool escapes) const {
  std::vector<std::string> args{"capture-pane", "-p"};
  if (escapes) args.push_back("-e");
  return tmux(args).out;
}

bool TmuxScreen::wait_until(const std::function<bool(const std::string&)>& holds,
                            std::chrono::milliseconds bound, bool escapes) const {
  auto const deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (holds(capture(escapes))) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // tmux offers no event for "the screen changed" to a detached client: poll, briefly.
    std::this_thread::sleep_for(20ms);
  }
}

bool TmuxScreen::wait_for_text(std::string_view text, std::chrono::milliseconds bound) const {
  return wait_until(
      [&](const std::string& screen) { return screen.find(text) != std::string::npos; }, bound);
}

int TmuxScreen::wait_for_exit(std::chrono::milliseconds bound) const {
  std::string screen;
  if (!wait_until(
          [&](const std::string& now) {
            screen = now;
            return now.find(exit_marker) != std::string::npos;
          },
          bound)) {
    return -1;
  }
  auto const at = screen.find(exit_marker) + exit_marker.size();
  int status = -1;
  std::from_chars(screen.data() + at, screen.data() + screen.size(), status);
  return status;
}

void TmuxScreen::resize(unsigned columns, unsigned lines) const {
  tmux({"resize-window", "-x", std::to_string(columns), "-y", std::to_string(lines)});
}

void TmuxScreen::send_keys(const std::string& keys) const { tmux({"send-keys", keys}); }

std::string TmuxScreen::pane_format(const std::string& format) const {
  auto out = tmux({"display-message", "-p", format}).out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void TmuxScreen::hang_up() const { tmux({"kill-server"}); }

int TmuxScreen::command_pid() const {
  auto const text = read_text_file(dir_.path() + "/pid");
  int pid = 0;
  std::from_chars(text.data(), text.data() + text.size(), pid);
  return pid;
}

}  // namespace poller::test
