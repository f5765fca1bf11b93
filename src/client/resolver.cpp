#include "resolver.hpp"

namespace poller {

net::awaitable<error_code> Resolver::resolve(const std::string& host, std::uint16_t port,
                                             Endpoints& endpoints) {
  endpoints.clear();
  if (auto found = overrides_.find({host, port}); found != overrides_.end()) {
    endpoints.emplace_back(found->second, port);
    co_return error_code{};
  }
  error_code ec;
  auto const literal = net::ip::make_address(host, ec);
  if (!ec) {
    endpoints.emplace_back(literal, port);
    co_return error_code{};
  }
  // getaddrinfo cannot be interrupted; at the deadline, cancelling the resolver abandons its
  // answer instead.
  if (!resolver_) resolver_.emplace(io_);
  auto [resolve_ec, results] =
      co_await resolver_->async_resolve(host, std::to_string(port), use_tuple);
  for (auto const& entry : results) endpoints.push_back(entry.endpoint());
  co_return resolve_ec;
}

void Resolver::cancel() {
  if (resolver_) resolver_->cancel();
}

}  // namespace poller
