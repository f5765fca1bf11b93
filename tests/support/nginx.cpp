#include "support/nginx.hpp"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "support/ports.hpp"

namespace poller::test {
namespace {

constexpr const char* nginx_path = "/usr/sbin/nginx";
constexpr auto start_timeout = std::chrono::seconds(5);

std::string make_config(const std::string& prefix, std::uint16_t port,
                        const NginxOptions& options) {
  // Each listener and each client connection takes one; room for two of each per address. (The
  // descriptors are the test process's: with master_process off nginx sets no limit of its own.)
  auto const connections = 256 + 2 * options.extra_addresses.size();
  std::ostringstream c;
  c << "daemon off;\n"
       "master_process off;\n"
       "worker_processes 1;\n"
    << "pid " << prefix << "/nginx.pid;\n"
    << "lock_file " << prefix << "/nginx.lock;\n"
    << "error_log " << prefix << "/logs/error.log info;\n"
    << "events { worker_connections " << connections << "; }\n"
       "http {\n"
       "  default_type text/plain;\n"
       "  types { text/html html; text/plain txt; application/json json; }\n"
    // The compiled-in temp paths are under /var/lib/nginx, which nginx would try to create.
    << "  client_body_temp_path " << prefix << "/tmp/client_body;\n"
    << "  proxy_temp_path " << prefix << "/tmp/proxy;\n"
    << "  fastcgi_temp_path " << prefix << "/tmp/fastcgi;\n"
    << "  uwsgi_temp_path " << prefix << "/tmp/uwsgi;\n"
    << "  scgi_temp_path " << prefix << "/tmp/scgi;\n"
    << "  log_format poller '$connection $connection_requests \"$request\" $status "
       "$ssl_session_reused $server_addr';\n"
    // No buffer= parameter: each line is written as soon as its request is done.
    << "  access_log " << prefix << "/logs/access.log poller;\n"
    << "  keepalive_timeout " << options.keepalive_timeout_s << "s;\n"
    << "  server {\n"
    << "    listen 127.0.0.1:" << port << (options.tls ? " ssl" : "") << ";\n";
  for (auto const& address : options.extra_addresses)
    c << "    listen " << address << ":" << port << (options.tls ? " ssl" : "") << ";\n";
  c
    << "    server_name localhost;\n"
    << "    root " << prefix << "/html;\n";
  if (options.tls) {
    c << "    ssl_certificate " << prefix << "/conf/cert.pem;\n"
      << "    ssl_certificate_key " << prefix << "/conf/key.pem;\n"
      << "    ssl_protocols TLSv1.2 TLSv1.3;\n"
         // Without a cache, TLS 1.2 session IDs are offered but never resumed.
         "    ssl_session_cache shared:poller_test:1m;\n"
         "    ssl_session_timeout 10m;\n";
  }
  c << "  }\n}\n";
  return c.str();
}

std::optional<AccessLogEntry> parse_access_line(std::string_view line) {
  // 12 3 "GET /a HTTP/1.1" 200 r   -- the request line may itself hold spaces, quotes escaped.
  const auto open_quote = line.find('"');
  const auto close_quote = line.rfind('"');
  if (open_quote == std::string_view::npos || close_quote <= open_quote) return std::nullopt;
  AccessLogEntry entry{};
  std::istringstream head{std::string(line.substr(0, open_quote))};
  std::istringstream tail{std::string(line.substr(close_quote + 1))};
  std::string reused;
  if (!(head >> entry.connection >> entry.connection_requests)) return std::nullopt;
  if (!(tail >> entry.status >> reused >> entry.server_address)) return std::nullopt;
  entry.request = std::string(line.substr(open_quote + 1, close_quote - open_quote - 1));
  entry.ssl_session_reused = reused == "r";  // "." = new session, "-" = no TLS
  return entry;
}

}  // namespace

NginxServer::NginxServer(NginxOptions options) : options_(std::move(options)) {
  if (::access(nginx_path, X_OK) != 0)
    throw std::runtime_error(std::string("nginx not found at ") + nginx_path +
                             ": install it (apt-get install nginx-light); these tests need it");
  for (const char* dir : {"logs", "tmp", "html", "conf"})
    std::filesystem::create_directory(std::filesystem::path(prefix_.path()) / dir);
  for (const auto& [path, content] : options_.files) prefix_.write_file("html/" + path, content);
  if (options_.tls) {
    prefix_.write_file("conf/cert.pem", options_.tls->cert_pem);
    prefix_.write_file("conf/key.pem", options_.tls->key_pem);
  }
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  for (int attempt = 0; attempt < 3; ++attempt)
    if (start(deadline)) return;
  throw std::runtime_error("nginx: no free port after 3 attempts: " + error_log());
}

bool NginxServer::start(std::chrono::steady_clock::time_point deadline) {
  port_ = pick_free_port();
  const std::string config =
      prefix_.write_file("nginx.conf", make_config(prefix_.path(), port_, options_));
  process_ = std::make_unique<Process>(
      std::vector<std::string>{nginx_path, "-p", prefix_.path() + "/", "-c", config});
  return wait_until_listening(*process_, port_, "nginx", deadline, [this] { return error_log(); });
}

NginxServer::~NginxServer() {
  if (!process_) return;
  // SIGTERM (fast shutdown): SIGQUIT would wait for clients still holding keep-alive connections.
  process_->send_signal(SIGTERM);
  process_->wait(std::chrono::seconds(5));
}

std::string NginxServer::url(std::string_view path) const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
         std::string(path);
}

std::vector<AccessLogEntry> NginxServer::access_log() const {
  std::vector<AccessLogEntry> entries;
  std::istringstream lines(read_text_file(prefix_.path() + "/logs/access.log"));
  // A line is complete only once its newline is there.
  for (std::string line; std::getline(lines, line);)
    if (!lines.eof())
      if (auto entry = parse_access_line(line)) entries.push_back(std::move(*entry));
  return entries;
}

std::vector<AccessLogEntry> NginxServer::access_log(std::size_t at_least,
                                                    std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto entries = access_log();
    if (entries.size() >= at_least || std::chrono::steady_clock::now() >= deadline) return entries;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string NginxServer::error_log() const { return read_text_file(prefix_.path() + "/logs/error.log"); }

}  // namespace poller::test
