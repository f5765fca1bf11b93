#pragma once
// How large an exchange's read buffer is. A fresh buffer is empty until its first read: a -Z
// round may start thousands of fetches that wait to connect, and a connection refused or timed
// out never reads. That read gives it a page, so that a thousand fetches in flight at once
// (-Z --parallel-max 1000) hold 4 MiB of it rather than 64 MiB, and so that fresh buffers do
// not spread the heap over pages that each cost a page fault; a read that fills all
// the room it was given says the response goes on, and the buffer doubles, up to 64 KiB, so a
// large body is still read in large slices. A buffer keeps what it grew to when it goes back to
// the client's spares: the sequential path reuses one buffer, which grows once.

#include <algorithm>
#include <cstddef>

namespace poller::read_buffer {

inline constexpr std::size_t first_capacity = 4 * 1024;
inline constexpr std::size_t largest_read = 64 * 1024;
// Never ask the socket for less than this: reading a few bytes at a time costs a syscall each.
inline constexpr std::size_t smallest_read = 512;

// The room for the next read, in a buffer of `capacity` holding `unparsed` bytes.
inline std::size_t next_room(std::size_t capacity, std::size_t unparsed) {
  if (capacity == 0) return first_capacity;
  return std::clamp(capacity - unparsed, smallest_read, largest_read);
}

// The capacity to grow to after a read of `read` bytes into `room`: twice the current one when
// the read filled the room, up to largest_read; else as it is.
inline std::size_t capacity_after_read(std::size_t capacity, std::size_t room, std::size_t read) {
  if (read < room || capacity >= largest_read) return capacity;
  return std::min(2 * capacity, largest_read);
}

}  // namespace poller::read_buffer
