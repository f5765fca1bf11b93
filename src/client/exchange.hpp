#pragma once
// One fetch of one listed target: its requests (redirects included), their responses, the
// whole-fetch deadline and the one retry a stale pooled connection earns. It owns what lives only
// as long as the fetch (parser, read buffer, deadline, the connection in use), so several may be
// in flight at once over one ClientState. Internal to the client.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "client_state.hpp"
#include "poller/base/body_digest.hpp"
#include "connection.hpp"
#include "decoder.hpp"
#include "poller/base/fetch_result.hpp"
#include "request.hpp"

namespace poller {

class Exchange {
 public:
  // `body_place` (-Z): the --parallel-max place to take before reading a body, held by the
  // caller until the result is written; null: none to take.
  Exchange(ClientState& client, const Target& listed, const RequestConfig& config,
           std::uint64_t round, DeferredPermit* body_place);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Runs the fetch, once. Never throws for what a network or a server can do.
  net::awaitable<FetchResult> run();

  // The client is cancelled: what the exchange waits for returns now, as `cancelled`.
  void abort();

 private:
  using Clock = std::chrono::steady_clock;
  struct OpenedConnection {
    std::unique_ptr<Connection> connection;
    std::optional<FetchError> error;  // set when connection is null
  };

  net::awaitable<std::optional<FetchError>> request(const Target& target, bool to_listed_origin);
  net::awaitable<error_code> send_and_receive(Connection& connection);
  net::awaitable<OpenedConnection> open(const Route& route);
  net::awaitable<std::optional<FetchError>> open_tunnel(Connection& connection);
  net::awaitable<error_code> handshake_in_slot(Connection& connection, bool& had_slot,
                                               bool& server_silent);
  net::awaitable<error_code> resolve(const std::string& host, std::uint16_t port,
                                     tcp::resolver::results_type& endpoints);
  void abort_io();
  void follow_redirect(const Target& from, const Target& to);
  ResponseParser& fresh_parser();
  void take_response();

  FetchError describe_exchange_error(const error_code& ec) const;
  FetchError not_retried(const error_code& ec) const;
  std::string response_progress() const;
  FetchError timeout(Deadline connect_deadline, const std::string& during) const;
  std::optional<FetchError> cancelled() const;

  ClientState& client_;
  const RequestConfig& config_;
  const Target& listed_;
  FetchResult result_;

  // The response being read. Its body string is handed back and forth with `body_`, so that the
  // responses of one fetch (interim, redirects) reuse one allocation.
  std::optional<ResponseParser> parser_;
  std::string body_;
  std::unique_ptr<BodyDecoder> decoder_;   // --compressed only
  std::unique_ptr<BodyDigest> digest_;     // --on-change only
  boost::beast::flat_buffer read_buffer_;  // bytes read but not parsed yet
  std::string request_bytes_;              // the request under way
  std::optional<tcp::resolver> resolver_;  // made only for a name that needs the resolver

  // The request under way: the configured method, or what a redirect made of it.
  RequestMethod method_;
  // The attempt under way has written a byte of its request to the connection: a request that
  // is not idempotent is then never sent again.
  bool request_begun_ = false;
  // The attempt under way has had a byte of response, interim responses included: a request
  // that may have been acted on is never sent again (the parser, fresh after a 1xx, forgets).
  bool response_begun_ = false;
  unsigned interim_status_ = 0;  // the last interim (1xx) response of the attempt, 0 if none

  Connection* in_flight_ = nullptr;  // what a deadline or abort() must cancel
  SemaphoreWait tls_slot_wait_;      // the same, while it waits for a TLS handshake slot
  DeferredPermit* body_place_;       // -Z: see the constructor
  SemaphoreWait body_place_wait_;    // what a deadline or abort() must end, while it waits for it
  bool waiting_for_body_place_ = false;
  Clock::time_point start_{};
  Deadline fetch_deadline_{};
  FetchDeadline deadline_;
};

}  // namespace poller
