#include "resolver.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace poller {
namespace {

bool of_family(const net::ip::address& address, IpFamily family) {
  switch (family) {
    case IpFamily::any: return true;
    case IpFamily::v4: return address.is_v4();
    case IpFamily::v6: return address.is_v6();
  }
  return true;
}

std::string_view family_name(IpFamily family) {
  return family == IpFamily::v4 ? "IPv4 (-4)" : "IPv6 (-6)";
}

// -v: what a lookup answered, and for how long it is kept.
void log_answer(const std::string& host, const DnsAnswer& answer) {
  if (!answer.failure.empty()) {
    spdlog::debug("looked up {}: {}", host, answer.failure);
    return;
  }
  std::string addresses;
  for (auto const& address : answer.addresses) {
    addresses += (addresses.empty() ? "" : ", ") + address.to_string();
  }
  auto const kept = std::chrono::ceil<std::chrono::seconds>(answer.expires -
                                                            DnsAnswer::Clock::now());
  spdlog::debug("looked up {}: {} (kept {}s)", host, addresses, kept.count());
}

}  // namespace

Resolver::~Resolver() {
  if (waiting_) dns_.forget(waiter_);
}

net::awaitable<Resolved> Resolver::resolve(const std::string& host, std::uint16_t port,
                                           IpFamily family) {
  Resolved resolved;
  auto add = [&](const std::vector<net::ip::address>& addresses, std::string_view from) {
    for (auto const& address : addresses) {
      if (of_family(address, family)) resolved.endpoints.emplace_back(address, port);
    }
    if (resolved.endpoints.empty()) {
      resolved.failure = fmt::format("no {} address for {}{}", family_name(family), host, from);
    }
  };
  if (auto found = overrides_.find({host, port}); found != overrides_.end()) {
    add(found->second, " in --resolve");
    co_return resolved;
  }
  error_code ec;
  auto const literal = net::ip::make_address(host, ec);
  if (!ec) {
    add({literal}, "");
    co_return resolved;
  }
  auto answer = dns_.fresh(host);
  if (!answer) {
    auto [lookup_ec, looked_up] = co_await look_up(host);
    if (lookup_ec) co_return resolved;  // cancelled: the caller knows
    answer = std::move(looked_up);
    if (spdlog::should_log(spdlog::level::debug)) log_answer(host, *answer);
  }
  if (!answer->failure.empty()) {
    resolved.failure = answer->failure;
    resolved.name_server_silent = answer->timed_out;
    co_return resolved;
  }
  resolved.valid_until = answer->expires;
  add(answer->addresses, fmt::format(" (it has {} only)", answer->addresses.front().is_v4()
                                                            ? "IPv4"
                                                            : "IPv6"));
  co_return resolved;
}

// Resumed from a posted handler, with the answer or, after cancel(), operation_aborted.
net::awaitable<std::tuple<error_code, DnsResolver::Answer>> Resolver::look_up(
    const std::string& host) {
  return net::async_initiate<decltype(use_tuple), void(error_code, DnsResolver::Answer)>(
      [this, &host](auto handler) {
        waiting_.keep(std::move(handler));
        waiter_ = dns_.lookup(host, [this](const DnsResolver::Answer& answer) {
          if (waiting_) waiting_.post(io_, error_code{}, answer);
        });
      },
      use_tuple);
}

void Resolver::cancel() {
  if (!waiting_) return;
  dns_.forget(waiter_);
  waiting_.post(io_, net::error::operation_aborted, nullptr);
}

}  // namespace poller
