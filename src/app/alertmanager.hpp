#pragma once
// --alertmanager URL: each down entry is an alert in a Prometheus Alertmanager (API v2), posted
// when the entry goes down and every minute while it stays down (so that Alertmanager's
// resolve_timeout never ends it), and once more with endsAt when it comes up (resolved). Posted
// by poller's own HTTP client beside the rounds: an Alertmanager down or failing is a warning,
// retried at the next post, and costs the rounds nothing.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "poller/base/asio_defaults.hpp"
#include "poller/base/fetch_result.hpp"
#include "poller/client/client_config.hpp"
#include "poller/client/http_client.hpp"
#include "poller/input/target.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

class Alertmanager {
 public:
  // `receivers`: the Alertmanagers' API endpoints (parse_receivers). `instance`: this
  // host's name, the alerts' instance label.
  Alertmanager(net::any_io_executor executor, HttpClient& client, std::vector<Target> receivers,
               std::string instance);

  // Each URL's API endpoint (URL/api/v2/alerts), or a usage error naming the bad URL.
  static std::vector<Target> parse_receivers(const std::vector<std::string>& urls);

  // A listener of judged results: an event posts its alert.
  void operator()(const FetchResult& result, const Verdict& verdict, const UrlState& state);

  // Posts what is due until stop(): events at once, the firing alerts every minute.
  net::awaitable<void> run();
  void stop();

  struct Alert {
    std::string url, name, reason;
    std::chrono::system_clock::time_point starts_at;
    std::optional<std::chrono::system_clock::time_point> ends_at;  // set: resolved
  };
  // The JSON body of a post of `alerts` at `now` (postableAlerts).
  static std::string postable_alerts(const std::vector<Alert>& alerts, std::string_view instance,
                                     std::chrono::system_clock::time_point now);

 private:
  net::awaitable<void> post(const std::vector<Alert>& alerts);

  HttpClient& client_;
  std::vector<Target> receivers_;
  std::string instance_;
  RequestConfig request_;
  std::map<std::pair<std::string, std::string>, Alert> firing_;  // by URL and name
  std::vector<Alert> due_;  // events not posted yet
  net::steady_timer wake_;
  bool stopped_ = false;
  bool failing_ = false;  // the last post failed: warned once until one succeeds
};

}  // namespace poller
