#include "support/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace poller::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

std::uint16_t pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) throw std::system_error(err, std::generic_category(), "bind 127.0.0.1:0");
  return ntohs(address.sin_port);
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in address = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

bool wait_until_listening(Process& process, std::uint16_t port, std::string_view server,
                          std::chrono::steady_clock::time_point deadline,
                          const std::function<std::string()>& log) {
  while (!accepts_connections(port)) {
    if (!process.running()) {
      auto const result = process.wait(std::chrono::seconds(1));
      auto const output = result.err + result.out + log();
      if (output.find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error(std::string(server) + " exited at start-up (status " +
                               std::to_string(result.exit_code) + "): " + output);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      auto const result = process.wait(std::chrono::milliseconds(0));
      throw std::runtime_error(std::string(server) + " did not accept connections on 127.0.0.1:" +
                               std::to_string(port) + " in time: " + result.err + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace poller::test
