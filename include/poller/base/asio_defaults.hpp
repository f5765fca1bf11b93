#pragma once
// How poller's coroutines use Asio, in one place: the short names, and the completion token of
// every co_await on I/O. With `use_tuple` an expected failure is a value, not an exception, as in
// Asio's as_tuple examples: `auto [ec, n] = co_await socket.async_read_some(buffer, use_tuple);`.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

namespace poller {

namespace net = boost::asio;
using error_code = boost::system::error_code;

inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

}  // namespace poller
