#include "dns_resolver.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

namespace poller {
namespace net = boost::asio;
using error_code = boost::system::error_code;

namespace {

// A TTL of 0 would mean a lookup for each request on a pooled connection (the pool checks a
// connection's address once its answer has expired); a second is short next to a real TTL.
constexpr auto shortest_kept = std::chrono::seconds(1);

// Lookups sent at once; more wait their turn. Each is two queries (A, AAAA) whose answers wait
// in one UDP socket's receive buffer while the loop is busy: thousands at once (-Z over a long
// list) overflowed it, and the kernel dropped answers that c-ares then waited out its timeout
// for (bench/RESULTS.md, issue 25).
constexpr std::size_t most_lookups_at_once = 64;

// Answers of names no longer asked for are dropped once the cache holds this many.
constexpr std::size_t cache_sweep_size = 4096;

struct LibraryInit {
  LibraryInit() {
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
      throw std::runtime_error("cannot initialise c-ares");
    }
  }
};

net::ip::address address_of(const ares_addrinfo_node& node) {
  if (node.ai_family == AF_INET) {
    auto const* in = reinterpret_cast<const sockaddr_in*>(node.ai_addr);
    return net::ip::address_v4(ntohl(in->sin_addr.s_addr));
  }
  auto const* in6 = reinterpret_cast<const sockaddr_in6*>(node.ai_addr);
  net::ip::address_v6::bytes_type bytes;
  std::copy_n(in6->sin6_addr.s6_addr, bytes.size(), bytes.begin());
  return net::ip::address_v6(bytes, in6->sin6_scope_id);
}

}  // namespace

struct DnsResolver::State {
  // One of c-ares's sockets, watched for what c-ares wants of it. The descriptor is c-ares's:
  // released, never closed, here.
  struct Watch {
    Watch(net::io_context& io, int fd, std::uint64_t serial) : descriptor(io, fd), serial(serial) {}
    net::posix::stream_descriptor descriptor;
    std::uint64_t serial;  // tells this watch from a later one of a reused descriptor number
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
  };
  struct Pending {
    std::vector<std::pair<WaiterId, Waiter>> waiters;
  };
  // What c-ares hands back to on_answer(): the name asked.
  struct Query {
    State* state;
    std::string host;
  };

  explicit State(net::io_context& io) : io(io), timer(io) {
    static LibraryInit const library;
    ares_options options{};
    options.sock_state_cb = &State::on_socket_state;
    options.sock_state_cb_data = this;
    // Everything else (servers, search domains, ndots, timeout, attempts, lookup order) from
    // /etc/resolv.conf, as getaddrinfo would.
    int const status = ares_init_options(&channel, &options, ARES_OPT_SOCK_STATE_CB);
    if (status != ARES_SUCCESS) {
      throw std::runtime_error(fmt::format("cannot start c-ares: {}", ares_strerror(status)));
    }
  }

  ~State() {
    shutdown();
    ares_destroy(channel);  // closes c-ares's sockets, after on_socket_state dropped each watch
    for (auto& [fd, watch] : watches) release(*watch);
  }

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<State*>(data)->socket_state(fd, readable != 0, writable != 0);
  }

  void socket_state(int fd, bool readable, bool writable) {
    auto found = watches.find(fd);
    if (!readable && !writable) {
      if (found != watches.end()) {
        release(*found->second);
        watches.erase(found);
      }
      return;
    }
    if (found == watches.end()) {
      found = watches.emplace(fd, std::make_unique<Watch>(io, fd, ++last_serial)).first;
    }
    auto& watch = *found->second;
    watch.want_read = readable;
    watch.want_write = writable;
    arm(fd, watch);
  }

  static void release(Watch& watch) {
    error_code ignored;
    watch.descriptor.cancel(ignored);
    (void)watch.descriptor.release();
  }

  void arm(int fd, Watch& watch) {
    if (watch.want_read && !watch.reading) {
      watch.reading = true;
      wait(fd, watch, true);
    }
    if (watch.want_write && !watch.writing) {
      watch.writing = true;
      wait(fd, watch, false);
    }
  }

  // The handler finds its watch by number: c-ares may have closed the socket (and dropped the
  // watch) after the wait completed, before the handler ran.
  void wait(int fd, Watch& watch, bool for_read) {
    watch.descriptor.async_wait(
        for_read ? net::posix::descriptor_base::wait_read : net::posix::descriptor_base::wait_write,
        [this, fd, serial = watch.serial, for_read](error_code ec) {
          auto found = watches.find(fd);
          if (found == watches.end() || found->second->serial != serial) return;
          (for_read ? found->second->reading : found->second->writing) = false;
          if (ec) return;
          ready(fd, for_read);
        });
  }

  // A watched socket is ready: c-ares reads or writes it, then the watch goes on if the socket
  // is still c-ares's (it may have closed it meanwhile).
  void ready(int fd, bool readable) {
    ares_process_fd(channel, readable ? fd : ARES_SOCKET_BAD, readable ? ARES_SOCKET_BAD : fd);
    if (auto found = watches.find(fd); found != watches.end()) arm(fd, *found->second);
    arm_timer();
  }

  // c-ares resends and gives up on its own schedule: the timer wakes it when the next step is
  // due, and is idle while no lookup is under way.
  void arm_timer() {
    timeval limit{};
    timeval* const next = ares_timeout(channel, nullptr, &limit);
    if (next == nullptr) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(next->tv_sec) +
                        std::chrono::microseconds(next->tv_usec));
    timer.async_wait([this](error_code ec) {
      if (ec) return;
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      arm_timer();
    });
  }

  WaiterId lookup(const std::string& host, Waiter waiter) {
    auto const id = ++last_id;
    if (shut_down) {
      auto answer = std::make_shared<DnsAnswer>();
      answer->failure = "the run is over";
      net::post(io, [waiter = std::move(waiter), answer] { waiter(answer); });
      return id;
    }
    auto [entry, is_new] = pending.try_emplace(host);
    entry->second.waiters.emplace_back(id, std::move(waiter));
    if (is_new) {
      if (sent < most_lookups_at_once) {
        send(host);
      } else {
        queued.push_back(host);
      }
    }
    return id;
  }

  void send(const std::string& host) {
    ++sent;
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;  // A and AAAA at once
    hints.ai_socktype = SOCK_STREAM;
    ares_getaddrinfo(channel, host.c_str(), nullptr, &hints, &State::on_answer,
                     new Query{this, host});
    arm_timer();
  }

  // A lookup ended: the next one waiting goes out.
  void send_next() {
    --sent;
    if (shut_down || queued.empty()) return;
    auto host = std::move(queued.front());
    queued.pop_front();
    send(host);
  }

  static void on_answer(void* data, int status, int /*timeouts*/, ares_addrinfo* result) {
    std::unique_ptr<Query> query(static_cast<Query*>(data));
    query->state->answered(query->host, status, result);
    if (result != nullptr) ares_freeaddrinfo(result);
    // Posted: c-ares is not to be called into from its own callback. After shutdown() (and in
    // the destructor) nothing more goes out, and nothing may refer to the state.
    if (query->state->shut_down) return;
    net::post(query->state->io, [state = query->state] { state->send_next(); });
  }

  void answered(const std::string& host, int status, const ares_addrinfo* result) {
    auto answer = std::make_shared<DnsAnswer>();
    auto const now = DnsAnswer::Clock::now();
    answer->expires = now;
    if (status == ARES_SUCCESS && result != nullptr) {
      int ttl = std::numeric_limits<int>::max();
      for (auto const* node = result->nodes; node != nullptr; node = node->ai_next) {
        if (node->ai_family != AF_INET && node->ai_family != AF_INET6) continue;
        answer->addresses.push_back(address_of(*node));
        ttl = std::min(ttl, node->ai_ttl);
      }
      for (auto const* cname = result->cnames; cname != nullptr; cname = cname->next) {
        ttl = std::min(ttl, cname->ttl);
      }
      if (!answer->addresses.empty()) {
        answer->expires =
            now + std::max<std::chrono::steady_clock::duration>(std::chrono::seconds(ttl),
                                                                shortest_kept);
      }
    }
    if (answer->addresses.empty()) {
      answer->failure = describe_failure(host, status);
      answer->timed_out = status == ARES_ETIMEOUT;
    } else {
      if (cache.size() >= cache_sweep_size) {
        std::erase_if(cache, [now](auto const& entry) { return entry.second->expires <= now; });
      }
      cache[host] = answer;
    }
    auto found = pending.find(host);
    if (found == pending.end()) return;
    auto waiters = std::move(found->second.waiters);
    pending.erase(found);
    // Called back from inside c-ares: the waiters resume after it has returned.
    for (auto& [id, waiter] : waiters) {
      net::post(io, [waiter = std::move(waiter), answer] { waiter(answer); });
    }
  }

  std::string describe_failure(const std::string& host, int status) const {
    switch (status) {
      case ARES_SUCCESS:
      case ARES_ENODATA:
        return fmt::format("no address for {} (no A or AAAA record from {})", host, servers());
      case ARES_ENOTFOUND:
        return fmt::format("no address for {} (NXDOMAIN from {})", host, servers());
      case ARES_ETIMEOUT:
        return fmt::format("name server did not answer for {} ({})", host, servers());
      case ARES_ESERVFAIL:
        return fmt::format("name server failed for {} (SERVFAIL from {})", host, servers());
      case ARES_EREFUSED:
        return fmt::format("name server refused to answer for {} (REFUSED from {})", host,
                           servers());
      // c-ares 1.18 ends here too when every server answered SERVFAIL or REFUSED.
      case ARES_ECONNREFUSED:
        return fmt::format(
            "name server gave no usable answer for {} (connection refused, SERVFAIL or REFUSED "
            "from {})",
            host, servers());
      case ARES_EBADNAME:
        return fmt::format("\"{}\" is not a host name", host);
      default:
        return fmt::format("cannot resolve {}: {}", host, ares_strerror(status));
    }
  }

  std::string servers() const {
    ares_addr_port_node* list = nullptr;
    if (ares_get_servers_ports(channel, &list) != ARES_SUCCESS) return "the name servers";
    std::string text;
    for (auto const* server = list; server != nullptr; server = server->next) {
      char buffer[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(server->family, &server->addr, buffer, sizeof buffer);
      if (!text.empty()) text += ", ";
      text += buffer;
      if (server->udp_port != 0 && server->udp_port != 53) {
        text += fmt::format(" port {}", server->udp_port);
      }
    }
    ares_free_data(list);
    return text.empty() ? "no name server" : text;
  }

  void forget(WaiterId id) {
    for (auto& [host, entry] : pending) {
      std::erase_if(entry.waiters, [id](auto const& waiter) { return waiter.first == id; });
    }
  }

  void shutdown() {
    if (shut_down) return;
    shut_down = true;
    pending.clear();       // nobody waits any more
    queued.clear();
    ares_cancel(channel);  // the lookups end (their callbacks find no waiter)
    timer.cancel();
  }

  net::io_context& io;
  ares_channel channel = nullptr;
  net::steady_timer timer;
  std::map<int, std::unique_ptr<Watch>> watches;
  std::unordered_map<std::string, Pending> pending;
  std::unordered_map<std::string, Answer> cache;
  std::deque<std::string> queued;  // names waiting for one of the lookups at once
  std::size_t sent = 0;            // lookups c-ares has under way
  WaiterId last_id = 0;
  std::uint64_t last_serial = 0;
  bool shut_down = false;
};

DnsResolver::DnsResolver(net::io_context& io) : state_(std::make_unique<State>(io)) {}
DnsResolver::~DnsResolver() = default;

DnsResolver::Answer DnsResolver::fresh(const std::string& host) const {
  auto found = state_->cache.find(host);
  if (found == state_->cache.end()) return nullptr;
  if (found->second->expires <= DnsAnswer::Clock::now()) return nullptr;
  return found->second;
}

DnsResolver::WaiterId DnsResolver::lookup(const std::string& host, Waiter waiter) {
  return state_->lookup(host, std::move(waiter));
}

void DnsResolver::forget(WaiterId id) { state_->forget(id); }
void DnsResolver::shutdown() { state_->shutdown(); }
std::string DnsResolver::name_servers() const { return state_->servers(); }

}  // namespace poller
