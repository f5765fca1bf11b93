#pragma once
// Host names to addresses with c-ares, on the client's one io_context: c-ares's sockets are
// watched by Asio and its timeouts kept by one timer, so lookups need no thread of their own and
// lookups of different hosts run at once. /etc/hosts and the name servers of /etc/resolv.conf
// are asked, A and AAAA at once. Answers are kept for their TTL, and one lookup serves every
// fetch that waits for the same name. Private to the client.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

namespace poller {

struct DnsAnswer {
  using Clock = std::chrono::steady_clock;
  std::vector<boost::asio::ip::address> addresses;  // in the resolver's order (RFC 6724)
  Clock::time_point expires;                        // after this, ask again
  // Why there are no addresses ("no address for NAME (NXDOMAIN from 127.0.0.1)"); empty when
  // there are.
  std::string failure;
  bool timed_out = false;  // the name server did not answer
};

class DnsResolver {
 public:
  using Answer = std::shared_ptr<const DnsAnswer>;
  using Waiter = std::function<void(const Answer&)>;
  using WaiterId = std::uint64_t;

  explicit DnsResolver(boost::asio::io_context& io);
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // The answer for `host` while its TTL lasts, else null.
  Answer fresh(const std::string& host) const;

  // Looks `host` up (or joins the lookup of it under way); `waiter` is called, from the
  // io_context, with the answer. The id is for forget().
  WaiterId lookup(const std::string& host, Waiter waiter);

  // The waiter no longer wants its answer (its fetch was cancelled). The lookup goes on: its
  // answer is still kept for the next fetch.
  void forget(WaiterId id);

  // The run is over: lookups under way end, and nothing is watched any more, so the io_context
  // may finish.
  void shutdown();

  // The name servers asked, for messages: "127.0.0.1, ::1".
  std::string name_servers() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace poller
