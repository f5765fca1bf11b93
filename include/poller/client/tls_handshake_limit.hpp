#pragma once
// How many TLS handshakes the client runs at once, over all origins. Only -Z has more than one
// fetch at a time; without it this changes nothing. A reused connection never comes near it.

#include <chrono>
#include <cstddef>

namespace poller {

// The bound is for memory: while a handshake runs, OpenSSL holds tens of KiB for it (its 16 KiB
// handshake buffer, zeroed so every page counts, the handshake's buffering BIOs, record
// buffers) beside the SSL object every connection keeps, so a thousand origins shaking hands at
// once raise the peak markedly (bench/RESULTS.md, -Z).
// It costs no time where it matters: the client is one thread and each handshake costs it CPU,
// so 256 in flight are already a queue of its work; more at once could only finish sooner if
// each waited on a round trip longer than that queue (TLS 1.3: one; 1.2: two). On loopback, more
// or fewer at once took the same wall time (bench/RESULTS.md).
// The slot is taken after the TCP connect, so a host that does not answer at all holds none.
inline constexpr std::size_t max_tls_handshakes_at_once = 256;

// A handshake whose server has not sent its next message within this gives its slot to the next
// waiter, waits for the server without one, and takes a slot again to go on: an origin that
// accepts TCP and never answers the handshake holds no slot for long, so even 256 of them never
// hold up the others. A round trip longer than this costs no slot either, which is where more
// handshakes at once finish sooner (above). Its OpenSSL state is kept while it waits.
inline constexpr std::chrono::milliseconds tls_handshake_patience{250};

}  // namespace poller
