#pragma once
// Loopback ports for the servers the tests start as child processes (nginx, tinyproxy).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "support/subprocess.hpp"

namespace poller::test {

// A port the kernel says is free on 127.0.0.1. Another process may take it before the server
// binds it: a server that then fails with "Address already in use" should be started again.
std::uint16_t pick_free_port();

// Whether a TCP connection to 127.0.0.1:port is accepted now.
bool accepts_connections(std::uint16_t port);

// Waits for a server just started as `process` to accept connections on 127.0.0.1:port.
// Returns false when it exited because the port was taken meanwhile ("Address already in use" in
// its output or its `log`): start it again on another port. Throws std::runtime_error, naming
// `server` and quoting its output and log, when it exited for another reason or did not accept
// by `deadline`.
bool wait_until_listening(Process& process, std::uint16_t port, std::string_view server,
                          std::chrono::steady_clock::time_point deadline,
                          const std::function<std::string()>& log);

}  // namespace poller::test
