#include "tcp_connect.hpp"

#include <fmt/format.h>

namespace poller {

// Endpoint by endpoint, rather than with net::async_connect: Asio's range connect reports a
// socket it could not open (EMFILE, ENFILE: out of descriptors) as "Operation canceled".
net::awaitable<error_code> connect_tcp(net::ip::tcp::socket& socket, const Endpoints& endpoints,
                                       std::string& remote_ip) {
  using tcp = net::ip::tcp;
  error_code ec = net::error::host_not_found;
  tcp::endpoint endpoint;
  for (auto const& entry : endpoints) {
    endpoint = entry;
    error_code ignored;
    socket.close(ignored);
    socket.open(endpoint.protocol(), ec);
    if (ec) co_return ec;
    auto [connect_ec] = co_await socket.async_connect(endpoint, use_tuple);
    ec = connect_ec;
    if (!ec || ec == net::error::operation_aborted) break;
  }
  if (ec) co_return ec;
  // Registered anew with the reactor: waiting for the connect left EPOLLOUT in the descriptor's
  // epoll mask for good, and every later wait for readability (TlsSocket's, once per response)
  // re-arms that mask, so epoll_wait returned at once for the writable socket and then had to be
  // called again.
  auto const descriptor = socket.release(ec);
  if (!ec) socket.assign(endpoint.protocol(), descriptor, ec);
  if (ec) co_return ec;
  remote_ip = endpoint.address().to_string();
  // Requests are small and sent whole; Nagle would only hold them back.
  socket.set_option(tcp::no_delay(true), ec);
  // Reads and writes are tried at once and waited for only when they would block (PlainSocket).
  socket.non_blocking(true, ec);
  if (ec) co_return ec;
  co_return error_code{};
}

std::string describe_connect_failure(const error_code& ec) {
  if (ec == boost::system::errc::too_many_files_open ||
      ec == boost::system::errc::too_many_files_open_in_system) {
    return fmt::format("cannot open a socket: too many open files ({})",
                       ec == boost::system::errc::too_many_files_open
                           ? "EMFILE: poller's descriptor limit, ulimit -n"
                           : "ENFILE: the system-wide limit");
  }
  return fmt::format("connect: {}", ec.message());
}

}  // namespace poller
