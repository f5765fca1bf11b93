#pragma once
// The terminal under --format board, through ncurses (terminfo knows what each terminal needs).
// The only file that includes curses.h is board_terminal.cpp: its macros (erase, clear, move,
// timeout, OK...) clash with any other code they meet.

#include <cstddef>
#include <vector>

#include "poller/report/board_model.hpp"

namespace poller {

class BoardTerminal {
 public:
  // Takes over the terminal on standard output (alternate screen, no cursor, no echo). The
  // caller must have set its own SIGINT, SIGTERM and SIGWINCH handlers first: ncurses installs
  // its own for those left at their default, and they would fight the run's.
  explicit BoardTerminal(bool color);
  ~BoardTerminal();  // close()
  BoardTerminal(const BoardTerminal&) = delete;
  BoardTerminal& operator=(const BoardTerminal&) = delete;

  // After SIGWINCH: takes the terminal's new size.
  void resize();
  std::size_t lines() const;
  std::size_t columns() const;
  // Whether the terminal shows UTF-8 (the sparkline's blocks, ✓ and ✗).
  bool unicode() const { return unicode_; }

  // Replaces what is on the screen with `screen` (curses sends only what changed).
  void draw(const std::vector<BoardLine>& screen);

  // Gives the terminal back as it was: cursor, echo, the screen before. Idempotent.
  void close();

 private:
  bool open_ = false;
  bool unicode_ = false;
};

}  // namespace poller
