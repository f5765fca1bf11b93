#pragma once
// The terminal under --format board, through ncurses (terminfo knows what each terminal needs).
// The only file that includes curses.h is board_terminal.cpp: its macros (erase, clear, move,
// timeout, OK...) clash with any other code they meet.

#include <cstddef>
#include <cstdio>
#include <vector>

#include "poller/report/board_model.hpp"

namespace poller {

// The keys the board takes (curses' key codes stay in board_terminal.cpp).
enum class BoardKey { quit, up, down, page_up, page_down, home, end, failing_only };

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

  // The descriptor keys come from (the terminal on standard output, opened again for reading:
  // standard input may be the URL list), to wait on until it is readable; -1 when there is none.
  int input() const { return input_ != nullptr ? fileno(input_) : -1; }
  // The keys typed since the last call, without waiting; others are dropped.
  struct Keys {
    std::vector<BoardKey> keys;
    bool ended = false;  // the terminal hung up: there will be no more
  };
  Keys read_keys();

  // Gives the terminal back as it was: cursor, echo, the screen before. Idempotent.
  void close();

 private:
  bool open_ = false;
  bool unicode_ = false;
  std::FILE* input_ = nullptr;
};

}  // namespace poller
