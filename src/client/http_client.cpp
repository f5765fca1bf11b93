#include "poller/client/http_client.hpp"

#include <set>

#include "client_state.hpp"
#include "exchange.hpp"
#include "tls.hpp"

namespace poller {

ClientState::ClientState(net::io_context& io, ClientConfig config)
    : io(io),
      config(std::move(config)),
      proxies(ProxySettings::from(this->config.proxy, this->config.noproxy)),
      pool(this->config.max_connections),
      deadlines(io) {
  for (auto const& entry : this->config.resolve) {
    auto& addresses = resolve_overrides[{entry.host, entry.port}];
    addresses.clear();  // a later --resolve for the same host and port replaces it, as in curl
    for (auto const& address : entry.addresses) addresses.push_back(net::ip::make_address(address));
  }
}

net::ssl::context& ClientState::tls_context() {
  if (!tls) tls.emplace(make_tls_context(config.tls));
  return *tls;
}

boost::beast::flat_buffer ClientState::take_read_buffer() {
  // A fresh one is allocated by its first read (read_buffer.hpp).
  if (spare_read_buffers.empty()) return {};
  auto buffer = std::move(spare_read_buffers.back());
  spare_read_buffers.pop_back();
  return buffer;
}

std::string ClientState::take_request_buffer() {
  if (spare_request_buffers.empty()) return {};
  auto buffer = std::move(spare_request_buffers.back());
  spare_request_buffers.pop_back();
  return buffer;
}

void ClientState::give_back(boost::beast::flat_buffer read_buffer, std::string request_buffer) {
  // Beyond a few spares they go back to the heap: a -Z round that had thousands of fetches in
  // flight at once would otherwise keep a read buffer per origin for the rest of the run.
  if (spare_read_buffers.size() < max_spare_buffers) {
    read_buffer.clear();
    spare_read_buffers.push_back(std::move(read_buffer));
  }
  if (spare_request_buffers.size() < max_spare_buffers) {
    spare_request_buffers.push_back(std::move(request_buffer));  // format() replaces its text
  }
}

HttpClient::HttpClient(net::io_context& io, ClientConfig config, bool https_listed)
    : state_(std::make_unique<ClientState>(io, std::move(config))) {
  // A trust store that does not load is a usage error, reported before the first request.
  if (https_listed || state_->config.tls.cacert) state_->tls_context();
}

HttpClient::~HttpClient() = default;

net::awaitable<FetchResult> HttpClient::fetch(const Target& target, const RequestConfig& request,
                                              std::uint64_t round, DeferredPermit* body_place,
                                              std::shared_ptr<const Validators> validators) {
  if (state_->cancelled) {
    FetchResult result;
    result.target = &target;
    result.round = round;
    result.error = fetch_cancelled();
    co_return result;
  }
  Exchange exchange(*state_, target, request, round, body_place, std::move(validators));
  co_return co_await exchange.run();
}

void HttpClient::cancel() {
  state_->cancelled = true;
  state_->connects.close();
  state_->deadlines.shutdown();
  state_->dns.shutdown();
  for (auto* exchange : state_->in_flight) exchange->abort();
}

void HttpClient::keep_only(const std::vector<Target>& targets) {
  std::set<Route> listed;
  for (auto const& target : targets) {
    listed.insert(Route::to(target.origin, state_->proxies.for_origin(target.origin)));
  }
  state_->pool.close_unless([&](const Route& route) { return listed.contains(route); });
}

void HttpClient::set_max_connections(std::size_t max_connections) {
  state_->pool.set_capacity(max_connections);
}

void HttpClient::shutdown() {
  state_->connects.close();
  state_->deadlines.shutdown();
  state_->dns.shutdown();
  state_->pool.close_all();
}

}  // namespace poller
