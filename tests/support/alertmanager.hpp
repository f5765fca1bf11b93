#pragma once
// A real Prometheus Alertmanager (Debian's prometheus-alertmanager) for the --alertmanager tests:
// its own config and data directory, on a free loopback port, no cluster, no receiver but a
// null one. What it holds is read through its API, as an operator's tools read it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "support/subprocess.hpp"

namespace poller::test {

class AlertmanagerServer {
 public:
  // `resolve_timeout`: how long an alert posted without endsAt stays active (Alertmanager's
  // global.resolve_timeout). Returns once the API answers; throws std::runtime_error when the
  // binary is missing or it does not start within 10 s.
  explicit AlertmanagerServer(std::chrono::seconds resolve_timeout = std::chrono::seconds(300));
  ~AlertmanagerServer();
  AlertmanagerServer(const AlertmanagerServer&) = delete;
  AlertmanagerServer& operator=(const AlertmanagerServer&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT"
  // GET /api/v2/alerts: the alerts it holds now, as JSON text.
  std::string alerts() const;
  std::string log() const;  // for assertion messages

 private:
  bool start(std::chrono::seconds resolve_timeout);

  TempDir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace poller::test
