#include "poller/stdout_writer.hpp"

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

#include "poller/asio_defaults.hpp"

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
  if (reopened >= 0) return {Channel::reopened, reopened, pipe};
  // A pipe opened for writing without blocking fails with ENXIO when no reader is left.
  if (pipe && errno == ENXIO) return {Channel::plain, fd, pipe, true};
  spdlog::debug("standard output: cannot reopen {} ({}); writes to it may block", path,
                std::strerror(errno));
  return {Channel::plain, fd, pipe};
}

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
      : opened(open_channel(stdout_fd)), retry_timer(executor) {
    reader_gone = opened.reader_gone;
    if (opened.channel == Channel::reopened) descriptor.emplace(executor, opened.fd);
  }

  ssize_t write_some(const iovec* parts, std::size_t count);
  net::awaitable<void> wait_writable();

  Opened opened;
  // The reopened descriptor (ours alone, so Asio may make it non-blocking), to wait on.
  std::optional<net::posix::stream_descriptor> descriptor;
  // For a socket or plain fd 1 that reports EAGAIN: retried on a timer, as no reactor may
  // wait on a description we must not change.
  net::steady_timer retry_timer;
  std::vector<std::string_view> batch;
  std::string scratch;
  std::vector<iovec> pending;
  bool reader_gone = false;
  bool abandoned = false;
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

net::awaitable<void> StdoutWriter::Impl::wait_writable() {
  if (descriptor) {
    co_await descriptor->async_wait(net::posix::descriptor_base::wait_write, use_tuple);
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
  if (impl_->descriptor) {
    boost::system::error_code ignored;
    impl_->descriptor->close(ignored);
  }
}

bool StdoutWriter::reader_gone() const { return impl_->reader_gone; }

void StdoutWriter::abandon() {
  impl_->abandoned = true;
  if (impl_->descriptor) impl_->descriptor->cancel();
  impl_->retry_timer.cancel();
}

void StdoutWriter::watch_reader(std::function<void()> on_gone) {
  if (!impl_->descriptor || !impl_->opened.pipe) return;
  // The write end of a pipe reports an error condition once its reader has closed it.
  impl_->descriptor->async_wait(net::posix::descriptor_base::wait_error,
                                [this, on_gone = std::move(on_gone)](boost::system::error_code ec) {
                                  if (ec) return;
                                  impl_->reader_gone = true;
                                  on_gone();
                                });
}

net::awaitable<bool> StdoutWriter::write(const Record& record) {
  auto& self = *impl_;
  RecordReader reader(record);
  std::uint64_t written = 0;
  while (!self.reader_gone && reader.next(self.batch, self.scratch)) {
    self.pending.clear();
    for (auto const view : self.batch) {
      if (!view.empty()) self.pending.push_back({const_cast<char*>(view.data()), view.size()});
    }
    std::size_t first = 0;
    while (first < self.pending.size()) {
      ssize_t n = self.write_some(self.pending.data() + first, self.pending.size() - first);
      if (n < 0) {
        if (errno == EPIPE) {
          self.reader_gone = true;
          co_return false;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          // Stopping: what the reader can take is written, but it is waited for no more.
          if (self.abandoned) {
            spdlog::warn(
                "stopping while standard output is not being read: the rest of the "
                "record under way is dropped ({} bytes of it were written)",
                written);
            co_return false;
          }
          co_await self.wait_writable();
        } else if (errno != EINTR) {
          // A full disk or a revoked terminal: nothing a later round could fix.
          throw std::system_error(errno, std::generic_category(), "writing to standard output");
        }
        continue;
      }
      written += static_cast<std::uint64_t>(n);
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
