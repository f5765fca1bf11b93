#include "support/alertmanager.hpp"

#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <vector>

#include "support/ports.hpp"

namespace poller::test {
namespace {

constexpr const char* alertmanager_path = "/usr/bin/prometheus-alertmanager";
constexpr auto start_timeout = std::chrono::seconds(10);

std::string config(std::chrono::seconds resolve_timeout) {
  return "global:\n  resolve_timeout: " + std::to_string(resolve_timeout.count()) +
         "s\nroute:\n  receiver: none\nreceivers:\n  - name: none\n";
}

}  // namespace

AlertmanagerServer::AlertmanagerServer(std::chrono::seconds resolve_timeout) {
  if (::access(alertmanager_path, X_OK) != 0) {
    throw std::runtime_error(std::string("Alertmanager not found at ") + alertmanager_path +
                             ": install it (apt-get install prometheus-alertmanager)");
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (start(resolve_timeout)) return;
  }
  throw std::runtime_error("Alertmanager: no free port after 3 attempts: " + log());
}

bool AlertmanagerServer::start(std::chrono::seconds resolve_timeout) {
  port_ = pick_free_port();
  auto const config_file = dir_.write_file("alertmanager.yml", config(resolve_timeout));
  process_ = std::make_unique<Process>(std::vector<std::string>{
      alertmanager_path, "--config.file=" + config_file, "--storage.path=" + dir_.path() + "/data",
      "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--cluster.listen-address="});
  return wait_until_listening(*process_, port_, "Alertmanager",
                              std::chrono::steady_clock::now() + start_timeout,
                              [this] { return log(); });
}

AlertmanagerServer::~AlertmanagerServer() {
  if (!process_) return;
  process_->send_signal(SIGTERM);
  process_->wait(std::chrono::seconds(5));
}

std::string AlertmanagerServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string AlertmanagerServer::alerts() const {
  return run_process({"/usr/bin/curl", "-sS", "--max-time", "5", url() + "/api/v2/alerts"}).out;
}

std::string AlertmanagerServer::log() const {
  return process_ ? process_->stderr_text() : std::string();
}

}  // namespace poller::test
