#include "alertmanager.hpp"

#include <chrono>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "poller/base/usage_error.hpp"
#include "poller/report/json_record.hpp"

namespace poller {
namespace {

using namespace std::chrono_literals;

// Firing alerts are posted again this often, each time with an endsAt four posts ahead, as
// Prometheus does: Alertmanager's resolve_timeout never ends one while poller runs, and one that
// poller stopped posting (it was stopped) resolves by itself a few minutes later.
constexpr auto repost_every = 60s;
constexpr auto firing_for = 4 * repost_every;

RequestConfig post_request() {
  RequestConfig request;
  request.method = "POST";
  request.max_time = 10s;
  request.connect_timeout = 5s;
  request.keep_body = false;
  return request;
}

}  // namespace

Alertmanager::Alertmanager(net::any_io_executor executor, HttpClient& client,
                           std::vector<Target> receivers, std::string instance)
    : client_(client),
      receivers_(std::move(receivers)),
      instance_(std::move(instance)),
      request_(post_request()),
      wake_(executor) {}

std::vector<Target> Alertmanager::parse_receivers(const std::vector<std::string>& urls) {
  std::vector<Target> receivers;
  for (auto const& url : urls) {
    std::string_view base = url;
    while (base.ends_with('/')) base.remove_suffix(1);
    auto parsed = parse_target(std::string(base) + "/api/v2/alerts");
    if (!parsed.target)
      throw UsageError(fmt::format("--alertmanager: \"{}\": {}", url, parsed.error));
    receivers.push_back(std::move(*parsed.target));
  }
  return receivers;
}

std::string Alertmanager::postable_alerts(const std::vector<Alert>& alerts,
                                          std::string_view instance,
                                          std::chrono::system_clock::time_point now) {
  boost::json::array out;
  for (auto const& alert : alerts) {
    boost::json::object labels;
    labels["alertname"] = "PollerDown";
    labels["url"] = alert.url;
    labels["name"] = alert.name;
    labels["instance"] = instance;
    boost::json::object posted;
    posted["labels"] = std::move(labels);
    posted["annotations"] = boost::json::object{{"reason", alert.reason}};
    posted["startsAt"] = format_rfc3339_utc(alert.starts_at);
    posted["endsAt"] = format_rfc3339_utc(alert.ends_at.value_or(now + firing_for));
    out.push_back(std::move(posted));
  }
  return boost::json::serialize(out);
}

void Alertmanager::operator()(const FetchResult& result, const Verdict& verdict,
                              const UrlState& state) {
  if (!state.changed || stopped_) return;
  auto const& target = *result.target;
  auto key = std::pair(target.display_url, std::string(target.label()));
  if (state.down()) {
    Alert alert{key.first, key.second, verdict.reason, state.health_since, std::nullopt};
    firing_.insert_or_assign(std::move(key), alert);
    due_.push_back(std::move(alert));
  } else if (auto const found = firing_.find(key); found != firing_.end()) {
    auto alert = std::move(found->second);
    firing_.erase(found);
    alert.ends_at = state.health_since;
    due_.push_back(std::move(alert));
  }
  wake_.cancel();
}

net::awaitable<void> Alertmanager::run() {
  auto next_repost = std::chrono::steady_clock::now() + repost_every;
  while (!stopped_) {
    auto const now = std::chrono::steady_clock::now();
    if (due_.empty() && now < next_repost) {
      wake_.expires_at(next_repost);
      co_await wake_.async_wait(use_tuple);
      continue;
    }
    auto batch = std::move(due_);
    due_.clear();
    if (now >= next_repost) {
      next_repost = now + repost_every;
      for (auto const& [key, alert] : firing_) batch.push_back(alert);
    }
    if (!batch.empty()) co_await post(batch);
  }
}

void Alertmanager::stop() {
  stopped_ = true;
  wake_.cancel();
}

net::awaitable<void> Alertmanager::post(const std::vector<Alert>& alerts) {
  auto request = request_;
  request.body =
      RequestBody{postable_alerts(alerts, instance_, std::chrono::system_clock::now()), true};
  for (auto const& receiver : receivers_) {
    auto const result = co_await client_.fetch(receiver, request, 0);
    if (result.cancelled()) co_return;
    bool const posted = !result.error && result.status && *result.status / 100 == 2;
    if (!posted && !failing_) {
      auto const why = result.error ? result.error->message
                                    : fmt::format("HTTP status {}", result.status.value_or(0));
      spdlog::warn("--alertmanager {}: posting {} alert(s) failed: {}; retried at the next post",
                   receiver.display_url, alerts.size(), why);
    } else if (posted && failing_) {
      spdlog::info("--alertmanager {}: posting again", receiver.display_url);
    }
    failing_ = !posted;
  }
}

}  // namespace poller
