#include "terminal_hangup.hpp"

#include <poll.h>
#include <unistd.h>

namespace poller {

TerminalHangup::TerminalHangup() {
  for (int const fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::isatty(fd) == 1) terminals_.push_back(fd);
  }
}

bool TerminalHangup::happened() const {
  for (int const fd : terminals_) {
    // No events asked for: POLLHUP is reported whatever is asked, and nothing is read.
    pollfd terminal{fd, 0, 0};
    if (::poll(&terminal, 1, 0) == 1 && (terminal.revents & POLLHUP) != 0) return true;
  }
  return false;
}

}  // namespace poller
