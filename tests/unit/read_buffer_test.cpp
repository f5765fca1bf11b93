#include "read_buffer.hpp"

#include <gtest/gtest.h>

namespace poller::read_buffer {
namespace {

// A thousand fetches in flight (-Z --parallel-max 1000) each hold a read buffer: a page each,
// not the 64 KiB they held when every buffer started at its largest.
TEST(ReadBuffer, StartsAtAPage) {
  EXPECT_EQ(first_capacity, 4096u);
  EXPECT_EQ(next_room(first_capacity, 0), 4096u);
}

// A fetch takes its buffer before it connects, and thousands may wait to connect at once (a -Z
// round's start): the buffer is empty until the first read, which asks for a page.
TEST(ReadBuffer, AnEmptyBufferIsGivenAPageByItsFirstRead) {
  EXPECT_EQ(next_room(0, 0), first_capacity);
}

// A large body is still read in slices of up to 64 KiB: each read that fills its room doubles the
// buffer, and the growth stops there.
TEST(ReadBuffer, DoublesWhileReadsFillItUpTo64KiB) {
  std::size_t capacity = first_capacity;
  int reads = 0;
  while (capacity < largest_read) {
    auto const room = next_room(capacity, 0);
    capacity = capacity_after_read(capacity, room, room);
    ++reads;
  }
  EXPECT_EQ(capacity, 65536u);
  EXPECT_EQ(reads, 4);  // 4 → 8 → 16 → 32 → 64 KiB
  EXPECT_EQ(next_room(capacity, 0), 65536u);
  EXPECT_EQ(capacity_after_read(capacity, 65536, 65536), 65536u);
}

// A short response (one read that does not fill the buffer) leaves it as it is.
TEST(ReadBuffer, AReadThatLeavesRoomDoesNotGrowIt) {
  EXPECT_EQ(capacity_after_read(first_capacity, 4096, 300), first_capacity);
  // Unparsed bytes leave less room; never less than a useful read, though.
  EXPECT_EQ(next_room(4096, 4000), 512u);
}

}  // namespace
}  // namespace poller::read_buffer
