#include "tcp_connect.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "resumption.hpp"

namespace poller {
namespace {

using tcp = net::ip::tcp;

}  // namespace

Endpoints connection_order(const Endpoints& endpoints) {
  if (endpoints.empty()) return {};
  bool const first_v6 = endpoints.front().address().is_v6();
  Endpoints first, second, order;
  for (auto const& endpoint : endpoints) {
    (endpoint.address().is_v6() == first_v6 ? first : second).push_back(endpoint);
  }
  for (std::size_t i = 0; i < std::max(first.size(), second.size()); ++i) {
    if (i < first.size()) order.push_back(first[i]);
    if (i < second.size()) order.push_back(second[i]);
  }
  return order;
}

namespace {

std::string outcome_word(const std::optional<error_code>& outcome) {
  if (!outcome || *outcome == net::error::operation_aborted) return "timed out";
  auto const& ec = *outcome;
  if (ec == net::error::connection_refused) return "refused";
  if (ec == net::error::network_unreachable || ec == net::error::host_unreachable) {
    return "unreachable";
  }
  if (ec == net::error::timed_out) return "timed out";
  if (ec == boost::system::errc::too_many_files_open ||
      ec == boost::system::errc::too_many_files_open_in_system) {
    return "no socket (too many open files)";
  }
  return ec.message();
}

}  // namespace

struct ConnectRace::Race {
  struct Attempt {
    Attempt(net::io_context& io, tcp::endpoint endpoint) : endpoint(endpoint), socket(io) {}
    tcp::endpoint endpoint;
    tcp::socket socket;
    std::optional<error_code> outcome;
  };
  static constexpr std::size_t timer_event = static_cast<std::size_t>(-1);

  explicit Race(net::io_context& io) : io(io), timer(io) {}

  // Events (an attempt ended, or the delay passed) queue here until run() takes them.
  void deliver(std::size_t event) {
    events.push_back(event);
    if (!waiting) return;
    auto next = events.front();
    events.pop_front();
    waiting.post(io, error_code{}, next);
  }

  net::awaitable<std::tuple<error_code, std::size_t>> next_event() {
    return net::async_initiate<decltype(use_tuple), void(error_code, std::size_t)>(
        [this](auto handler) {
          waiting.keep(std::move(handler));
          if (!events.empty()) {
            auto next = events.front();
            events.pop_front();
            waiting.post(io, error_code{}, next);
          }
        },
        use_tuple);
  }

  void start(const std::shared_ptr<Race>& self, const tcp::endpoint& endpoint) {
    auto const index = attempts.size();
    auto& attempt = *attempts.emplace_back(std::make_unique<Attempt>(io, endpoint));
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("connecting to {} (attempt {} of {})", endpoint.address().to_string(),
                    index + 1, order.size());
    }
    error_code ec;
    attempt.socket.open(endpoint.protocol(), ec);
    if (ec) {
      attempt.outcome = ec;
      deliver(index);
    } else {
      attempt.socket.async_connect(endpoint, [self, index](error_code connect_ec) {
        auto& finished = *self->attempts[index];
        if (!finished.outcome) finished.outcome = connect_ec;
        self->deliver(index);
      });
    }
    if (attempts.size() == order.size()) return;
    timer.expires_after(connection_attempt_delay);
    timer.async_wait([self, generation = ++timer_generation](error_code timer_ec) {
      if (!timer_ec && generation == self->timer_generation) self->deliver(timer_event);
    });
  }

  void close_all() {
    ++timer_generation;
    timer.cancel();
    for (auto& attempt : attempts) {
      error_code ignored;
      attempt->socket.close(ignored);
    }
  }

  net::io_context& io;
  net::steady_timer timer;
  unsigned timer_generation = 0;
  Endpoints order;
  std::vector<std::unique_ptr<Attempt>> attempts;  // started, in order
  std::deque<std::size_t> events;
  Resumption<error_code, std::size_t> waiting;  // run(), while it waits for an event
  bool cancelled = false;
};

ConnectRace::~ConnectRace() {
  if (race_) race_->close_all();
}

net::awaitable<error_code> ConnectRace::run(tcp::socket& socket, const Endpoints& endpoints,
                                            tcp::endpoint& peer) {
  if (race_) race_->close_all();
  race_ = std::make_shared<Race>(io_);
  auto race = race_;
  race->order = connection_order(endpoints);
  if (race->order.empty()) co_return net::error::host_not_found;
  race->start(race, race->order.front());

  std::optional<std::size_t> winner;
  for (;;) {
    auto [ec, event] = co_await race->next_event();
    if (race->cancelled) co_return net::error::operation_aborted;
    if (event == Race::timer_event) {
      if (race->attempts.size() < race->order.size()) {
        race->start(race, race->order[race->attempts.size()]);
      }
      continue;
    }
    auto& attempt = *race->attempts[event];
    if (!*attempt.outcome) {
      winner = event;
      break;
    }
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("connect to {}: {}", attempt.endpoint.address().to_string(),
                    attempt.outcome->message());
    }
    if (race->attempts.size() < race->order.size()) {
      // RFC 8305 section 5: a failed attempt starts the next one at once.
      race->start(race, race->order[race->attempts.size()]);
      continue;
    }
    bool const all_ended =
        std::all_of(race->attempts.begin(), race->attempts.end(),
                    [](auto const& started) { return started->outcome.has_value(); });
    if (all_ended) co_return *race->attempts.back()->outcome;
  }

  auto& won = *race->attempts[*winner];
  // The losers are closed; their handlers, which hold the race, end with operation_aborted.
  auto const endpoint = won.endpoint;
  error_code ec;
  // Registered anew with the client's socket: waiting for the connect left EPOLLOUT in the
  // descriptor's epoll mask for good, and every later wait for readability (TlsSocket's, once
  // per response) re-arms that mask, so epoll_wait returned at once for the writable socket.
  auto const descriptor = won.socket.release(ec);
  race->close_all();
  if (ec) co_return ec;
  socket.assign(endpoint.protocol(), descriptor, ec);
  if (ec) co_return ec;
  peer = endpoint;
  // Requests are small and sent whole; Nagle would only hold them back.
  socket.set_option(tcp::no_delay(true), ec);
  // Reads and writes are tried at once and waited for only when they would block (PlainSocket).
  socket.non_blocking(true, ec);
  co_return ec;
}

void ConnectRace::cancel() {
  if (!race_ || race_->cancelled) return;
  race_->cancelled = true;
  race_->close_all();
  // run() may be waiting for an event no attempt will now send (all failed but one in flight,
  // or only the timer left): wake it.
  race_->deliver(Race::timer_event);
}

std::string ConnectRace::outcomes() const {
  if (!race_) return {};
  std::string text;
  for (auto const& attempt : race_->attempts) {
    if (!text.empty()) text += ", ";
    text += attempt->endpoint.address().to_string() + " " + outcome_word(attempt->outcome);
  }
  auto const untried = race_->order.size() - race_->attempts.size();
  if (untried > 0) text += fmt::format(", {} more not tried", untried);
  return text;
}

std::size_t ConnectRace::attempts() const { return race_ ? race_->attempts.size() : 0; }

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
