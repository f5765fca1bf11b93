#include "board_terminal.hpp"

#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include <curses.h>

#include "poller/base/encoding.hpp"
#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

// Colour pairs; 0 is the terminal's own.
constexpr short failing_pair = 1, warning_pair = 2;

// The terminal on standard output, for reading keys; null if it cannot be opened.
std::FILE* open_keyboard() {
  char const* const name = ttyname(STDOUT_FILENO);
  if (name == nullptr) return nullptr;
  int const fd = ::open(name, O_RDONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  std::FILE* const file = fdopen(fd, "r");
  if (file == nullptr) ::close(fd);
  return file;
}

}  // namespace

BoardTerminal::BoardTerminal(bool color) {
  // LC_CTYPE only, for ncursesw to write UTF-8: LC_NUMERIC would change how numbers print.
  std::setlocale(LC_CTYPE, "");
  unicode_ = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
  // Keys from standard output's terminal: stdin may be the URL list (`-`).
  input_ = open_keyboard();
  // No terminal description for TERM is a usage error, as no terminal at all is: the board
  // cannot be drawn, and nothing has been fetched yet.
  if (newterm(nullptr, stdout, input_ != nullptr ? input_ : stdout) == nullptr) {
    if (input_ != nullptr) std::fclose(input_);
    input_ = nullptr;
    char const* const term = std::getenv("TERM");
    throw UsageError(
        term == nullptr || *term == '\0'
            ? std::string("--format board: TERM is not set; it must name the terminal's type "
                          "(such as xterm-256color)")
            : "--format board: no terminal description for TERM=" +
                  escape_control_characters(term) +
                  "; set TERM to the terminal's type (such as xterm-256color)");
  }
  open_ = true;
  // Keys one at a time, as typed, without waiting for one; Ctrl-C still sends SIGINT.
  cbreak();
  noecho();
  nodelay(stdscr, TRUE);
  keypad(stdscr, TRUE);
  curs_set(0);
  if (color && has_colors()) {
    start_color();
    use_default_colors();
    init_pair(failing_pair, COLOR_RED, -1);
    init_pair(warning_pair, COLOR_YELLOW, -1);
  }
}

BoardTerminal::~BoardTerminal() { close(); }

void BoardTerminal::resize() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0) {
    resizeterm(size.ws_row, size.ws_col);
  }
}

std::size_t BoardTerminal::lines() const { return static_cast<std::size_t>(std::max(LINES, 0)); }
std::size_t BoardTerminal::columns() const { return static_cast<std::size_t>(std::max(COLS, 0)); }

void BoardTerminal::draw(const std::vector<BoardLine>& screen) {
  werase(stdscr);
  for (std::size_t i = 0; i < screen.size() && i < lines(); ++i) {
    attr_t attributes = A_NORMAL;
    switch (screen[i].style) {
      case BoardLine::Style::title:
        attributes = A_BOLD;
        break;
      case BoardLine::Style::heading:
        attributes = A_UNDERLINE;
        break;
      case BoardLine::Style::failing:
        attributes = A_BOLD | COLOR_PAIR(failing_pair);
        break;
      case BoardLine::Style::warning:
        attributes = COLOR_PAIR(warning_pair);
        break;
      case BoardLine::Style::plain:
        break;
    }
    wattrset(stdscr, attributes);
    // The line fits the width: writing the last column of the last line does not scroll, as
    // scrollok is off; curses just reports it could not move the cursor on.
    mvwaddstr(stdscr, static_cast<int>(i), 0, screen[i].text.c_str());
  }
  wattrset(stdscr, A_NORMAL);
  wrefresh(stdscr);
}

BoardTerminal::Keys BoardTerminal::read_keys() {
  Keys read;
  if (!open_ || input_ == nullptr) return read;
  // The keys the board knows; others are dropped.
  static constexpr std::pair<int, BoardKey> known[] = {
      {'q', BoardKey::quit},          {'Q', BoardKey::quit},
      {'f', BoardKey::failing_only},  {'F', BoardKey::failing_only},
      {KEY_UP, BoardKey::up},         {KEY_DOWN, BoardKey::down},
      {KEY_PPAGE, BoardKey::page_up}, {KEY_NPAGE, BoardKey::page_down},
      {KEY_HOME, BoardKey::home},     {KEY_END, BoardKey::end},
  };
  for (int key = wgetch(stdscr); key != ERR; key = wgetch(stdscr)) {
    for (auto const& [code, meaning] : known) {
      if (key == code) read.keys.push_back(meaning);
    }
  }
  if (read.keys.empty()) {
    // Readable yet nothing to read: has the terminal gone? Else it would wake us for ever.
    pollfd terminal{fileno(input_), POLLIN, 0};
    read.ended = ::poll(&terminal, 1, 0) == 1 &&
                 (terminal.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
  }
  return read;
}

void BoardTerminal::close() {
  if (!open_) return;
  open_ = false;
  curs_set(1);
  endwin();
  std::fflush(stdout);
  if (input_ != nullptr) std::fclose(input_);
  input_ = nullptr;
}

}  // namespace poller
