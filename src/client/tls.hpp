#pragma once
// The client-side TLS context shared by every HTTPS connection of a run.

#include <boost/asio/ssl/context.hpp>

#include "poller/client/client_config.hpp"

namespace poller {

// TLS 1.2 or newer; peer verification against --cacert, else SSL_CERT_FILE, else the system
// trust store; none with --insecure. Throws UsageError when a CA file cannot be loaded.
boost::asio::ssl::context make_tls_context(const TlsConfig& config);

}  // namespace poller
