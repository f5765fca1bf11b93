#include "poller/report/stdout_writer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/base/asio_defaults.hpp"

namespace poller {
namespace {

// How a write to stdout is kept from blocking, by what fd 1 is.
//
// O_NONBLOCK is a flag of the open file description, which fd 1 shares with the shell and every
// other program given the same stdout: set on fd 1 (or on a dup of it, as Asio does for any
// descriptor it waits on), it stays set after poller exits, and in
// `{ poller --once l.txt; other; } | slow_reader` `other` then fails with EAGAIN. So fd 1's flags
// are never changed. Instead:
// - a pipe, FIFO or terminal is opened anew through /proc/self/fd/1: on Linux that gives a new
//   open file description of the same pipe (or terminal), whose flags are ours to set;
// - a socket cannot be reopened, but send() takes MSG_DONTWAIT for one call;
// - a regular file (or a block device) never makes a write wait in the poll() sense: plain
//   writes are as good as non-blocking ones there.
// Where the reopen fails (no /proc, a terminal of another user), writes to fd 1 go on as they
// are; a write may then block the loop while a terminal is stopped (Ctrl-S).
enum class Channel { reopened, socket, plain };

struct Opened {
  Channel channel = Channel::plain;
  int fd = -1;
  bool pipe = false;
  bool reader_gone = false;  // a pipe whose reader went away before we started
  bool terminal = false;
};

Opened open_channel(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return {Channel::plain, fd};
  if (S_ISSOCK(info.st_mode)) return {Channel::socket, fd};
  bool const pipe = S_ISFIFO(info.st_mode);
  if (!pipe && !S_ISCHR(info.st_mode)) return {Channel::plain, fd};
  // A stdout opened for reading only (`1<&0`) is not to be written through a new opening; the
  // first write fails with EBADF instead, as it would have.
  if ((::fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY) return {Channel::plain, fd};
  auto const path = fmt::format("/proc/self/fd/{}", fd);
  int const reopened = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (reopened >= 0) return {Channel::reopened, reopened, pipe, false, ::isatty(reopened) == 1};
  // A pipe opened for writing without blocking fails with ENXIO when no reader is left.
  if (pipe && errno == ENXIO) return {Channel::plain, fd, pipe, true};
  spdlog::debug("standard output: cannot reopen {} ({}); writes to it may block", path,
                std::strerror(errno));
  return {Channel::plain, fd, pipe, false, ::isatty(fd) == 1};
}

// Stopping, a record under way is finished for a reader that keeps taking bytes; one that has
// taken none for this long is given up (SPEC: "Rounds").
constexpr auto stalled_reader_patience = std::chrono::seconds(1);

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

}  // namespace

std::optional<std::string> claim_standard_streams() {
  for (int const fd : {STDIN_FILENO, STDERR_FILENO}) {
    if (is_open(fd)) continue;
    int const null = ::open("/dev/null", O_RDWR);
    if (null >= 0 && null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
  }
  if (!is_open(STDOUT_FILENO)) {
    return "standard output is closed; results need somewhere to go (>/dev/null drops them)";
  }
  return std::nullopt;
}

struct StdoutWriter::Impl {
  Impl(net::any_io_executor executor, int stdout_fd)
      : opened(open_channel(stdout_fd)), retry_timer(executor), patience_timer(executor) {
    reader_gone = opened.reader_gone;
    if (opened.channel == Channel::reopened) descriptor.emplace(executor, opened.fd);
  }

  ssize_t write_some(const iovec* parts, std::size_t count);
  net::awaitable<void> wait_writable(std::chrono::steady_clock::time_point give_up_at);
  // The reader is no more: a closed pipe (EPIPE), or a terminal that hung up (EIO).
  bool reader_went_away(int error) const {
    return error == EPIPE || (error == EIO && opened.terminal);
  }

  Opened opened;
  // The reopened descriptor (ours alone, so Asio may make it non-blocking), to wait on.
  std::optional<net::posix::stream_descriptor> descriptor;
  // For a socket or plain fd 1 that reports EAGAIN: retried on a timer, as no reactor may
  // wait on a description we must not change.
  net::steady_timer retry_timer;
  // Stopping: ends a wait for the reader once it has taken no byte for stalled_reader_patience.
  net::steady_timer patience_timer;
  std::vector<std::string_view> batch;
  std::string scratch;
  std::vector<iovec> pending;
  bool reader_gone = false;
  bool abandoned = false;
  bool gave_up = false;  // a stalled reader made a stopping run drop the rest of a record
};

ssize_t StdoutWriter::Impl::write_some(const iovec* parts, std::size_t count) {
  if (opened.channel == Channel::socket) {
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(parts);
    message.msg_iovlen = count;
    return ::sendmsg(opened.fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  return ::writev(opened.fd, parts, static_cast<int>(count));
}

// Returns when fd 1 may take bytes, or at `give_up_at` (max: no limit), or on abandon().
net::awaitable<void> StdoutWriter::Impl::wait_writable(
    std::chrono::steady_clock::time_point give_up_at) {
  if (descriptor) {
    bool const bounded = give_up_at != std::chrono::steady_clock::time_point::max();
    if (bounded) {
      patience_timer.expires_at(give_up_at);
      patience_timer.async_wait([this](boost::system::error_code ec) {
        if (!ec && descriptor) descriptor->cancel(ec);
      });
    }
    co_await descriptor->async_wait(net::posix::descriptor_base::wait_write, use_tuple);
    if (bounded) patience_timer.cancel();
    co_return;
  }
  pollfd ready{opened.fd, POLLOUT, 0};
  if (::poll(&ready, 1, 0) > 0) co_return;
  retry_timer.expires_after(std::chrono::milliseconds(10));
  co_await retry_timer.async_wait(use_tuple);
}

StdoutWriter::StdoutWriter(net::any_io_executor executor, int fd)
    : impl_(std::make_unique<Impl>(std::move(executor), fd)) {}

StdoutWriter::~StdoutWriter() { close(); }

void StdoutWriter::close() {
  impl_->retry_timer.cancel();
  impl_->patience_timer.cancel();
  if (impl_->descriptor) {
    boost::system::error_code ignored;
    impl_->descriptor->close(ignored);
    impl_->descriptor.reset();
  }
}

bool StdoutWriter::reader_gone() const { return impl_->reader_gone; }

void StdoutWriter::abandon() {
  if (impl_->abandoned) return;
  impl_->abandoned = true;
  // A wait in progress starts again, bounded by the patience for a stalled reader.
  boost::system::error_code ignored;
  if (impl_->descriptor) impl_->descriptor->cancel(ignored);
  impl_->retry_timer.cancel();
}

void StdoutWriter::watch_reader(std::function<void()> on_gone) {
  if (!impl_->descriptor || !(impl_->opened.pipe || impl_->opened.terminal)) return;
  // The write end of a pipe reports an error condition once its reader has closed it, and a
  // terminal a hang-up once it has gone (a closed window whose SIGHUP never came: setsid).
  impl_->descriptor->async_wait(net::posix::descriptor_base::wait_error,
                                [this, on_gone = std::move(on_gone)](boost::system::error_code ec) {
                                  if (ec) return;
                                  impl_->reader_gone = true;
                                  on_gone();
                                });
}

net::awaitable<bool> StdoutWriter::write(const Record& record) {
  using Clock = std::chrono::steady_clock;
  auto& self = *impl_;
  if (self.gave_up) co_return false;
  RecordReader reader(record);
  std::uint64_t written = 0;
  // Kept only while stopping: the last time the reader took a byte (or the wait began).
  Clock::time_point last_progress{};
  while (!self.reader_gone && reader.next(self.batch, self.scratch)) {
    self.pending.clear();
    for (auto const view : self.batch) {
      if (!view.empty()) self.pending.push_back({const_cast<char*>(view.data()), view.size()});
    }
    std::size_t first = 0;
    while (first < self.pending.size()) {
      ssize_t n = self.write_some(self.pending.data() + first, self.pending.size() - first);
      if (n < 0) {
        if (self.reader_went_away(errno)) {
          self.reader_gone = true;
          co_return false;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          // Stopping: the record is finished for a reader that takes bytes, and given up once
          // it has taken none for a while; a record cut short would be garbage to the reader.
          auto give_up_at = Clock::time_point::max();
          if (self.abandoned) {
            if (last_progress == Clock::time_point{}) last_progress = Clock::now();
            give_up_at = last_progress + stalled_reader_patience;
            if (Clock::now() >= give_up_at) {
              spdlog::warn(
                  "stopping while standard output is not being read: the rest of the "
                  "record under way is dropped ({} bytes of it were written)",
                  written);
              self.gave_up = true;
              co_return false;
            }
          }
          co_await self.wait_writable(give_up_at);
        } else if (errno != EINTR) {
          // A full disk: nothing a later round could fix.
          throw std::system_error(errno, std::generic_category(), "writing to standard output");
        }
        continue;
      }
      written += static_cast<std::uint64_t>(n);
      if (n > 0 && self.abandoned) last_progress = Clock::now();
      // Skip what was written: whole parts, then the start of a part.
      while (first < self.pending.size() &&
             static_cast<std::size_t>(n) >= self.pending[first].iov_len) {
        n -= static_cast<ssize_t>(self.pending[first].iov_len);
        ++first;
      }
      if (first < self.pending.size()) {
        self.pending[first].iov_base = static_cast<char*>(self.pending[first].iov_base) + n;
        self.pending[first].iov_len -= static_cast<std::size_t>(n);
      }
    }
  }
  co_return !self.reader_gone;
}

}  // namespace poller
