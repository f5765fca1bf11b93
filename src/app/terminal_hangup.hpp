#pragma once
// A terminal that goes away (its window closed, its ssh session dropped) sends SIGHUP to the
// programs in it: the signal poller takes as "re-read the list". A reload there would leave
// poller polling for nobody, for ever. The two are told apart by the terminal itself: once it
// has hung up, the kernel makes every descriptor of it report POLLHUP, while a `kill -HUP`
// leaves it as it was.

#include <vector>

namespace poller {

class TerminalHangup {
 public:
  // Notes which of standard input, output and error are terminals. Construct at start: a
  // terminal that has hung up no longer answers isatty().
  TerminalHangup();

  // Whether one of those terminals has hung up.
  bool happened() const;

 private:
  std::vector<int> terminals_;
};

}  // namespace poller
