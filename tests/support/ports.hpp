#pragma once
// Loopback ports for the servers the tests start as child processes (nginx, tinyproxy).

#include <cstdint>

namespace poller::test {

// A port the kernel says is free on 127.0.0.1. Another process may take it before the server
// binds it: a server that then fails with "Address already in use" should be started again.
std::uint16_t pick_free_port();

// Whether a TCP connection to 127.0.0.1:port is accepted now.
bool accepts_connections(std::uint16_t port);

}  // namespace poller::test
