#include "tls.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <openssl/ssl.h>

#include "poller/base/usage_error.hpp"

namespace poller {

namespace ssl = boost::asio::ssl;

boost::asio::ssl::context make_tls_context(const TlsConfig& config) {
  // tls_client, not tlsv12_client: the latter pins TLS 1.2 and shuts out TLS 1.3.
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  // An idle pooled connection then holds no OpenSSL read and write buffers: with a thousand
  // hosts in the list, those would be most of the memory poller uses.
  SSL_CTX_set_mode(context.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  // OpenSSL reads the socket itself (TlsSocket): without read-ahead it reads each record's 5-byte
  // header and then its body, two syscalls where one does.
  SSL_CTX_set_read_ahead(context.native_handle(), 1);

  // Servers that speak HTTP/2 must still pick HTTP/1.1 when they negotiate with ALPN.
  static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(context.native_handle(), alpn, sizeof alpn);

  if (config.insecure) {
    context.set_verify_mode(ssl::verify_none);
    return context;
  }
  context.set_verify_mode(ssl::verify_peer);

  std::optional<std::string> ca_file = config.cacert;
  std::string ca_source = "--cacert";
  if (!ca_file) {
    if (char const* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') {
      ca_file = env;
      ca_source = "SSL_CERT_FILE";
    }
  }
  boost::system::error_code ec;
  if (ca_file) {
    context.load_verify_file(*ca_file, ec);
    if (ec) throw UsageError(fmt::format("{} {}: cannot load CA certificates", ca_source, *ca_file));
  } else {
    context.set_default_verify_paths(ec);
    if (ec) throw UsageError("cannot load the system's CA certificates: " + ec.message());
  }
  return context;
}

}  // namespace poller
