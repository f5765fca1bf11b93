#include "poller/base/option_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

struct FileDescriptor {
  int fd;
  ~FileDescriptor() { ::close(fd); }
};

}  // namespace

std::string read_option_file(std::string_view option, const std::filesystem::path& path) {
  auto const fail = [&](std::string_view reason) {
    return UsageError(fmt::format("{} @{}: {}", option, path.string(), reason));
  };
  auto const cannot_read = [&] {
    return fail(fmt::format("cannot read: {}", std::strerror(errno)));
  };
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, in the middle of a SIGHUP.
  int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw cannot_read();
  FileDescriptor const file{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw cannot_read();
  if (S_ISDIR(info.st_mode)) {
    errno = EISDIR;
    throw cannot_read();
  }
  // A device (/dev/zero), a FIFO or a socket may never end, or end when someone else decides.
  if (!S_ISREG(info.st_mode))
    throw fail("not a regular file (a device, FIFO or socket: give a file)");
  auto const too_large = [&] {
    return fail(fmt::format("larger than {} MiB (the most an @FILE may hold)",
                            option_file_limit / (1024 * 1024)));
  };
  if (static_cast<std::uint64_t>(info.st_size) > option_file_limit) throw too_large();
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(info.st_size));
  char chunk[64 * 1024];
  for (;;) {
    auto const n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw cannot_read();
    }
    // The file may grow while it is read.
    if (bytes.size() + static_cast<std::size_t>(n) > option_file_limit) throw too_large();
    bytes.append(chunk, static_cast<std::size_t>(n));
  }
  return bytes;
}

}  // namespace poller
