#include "support/test_certs.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <utility>

namespace poller::test {
namespace {

struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using CertPtr = std::unique_ptr<X509, OpenSslFree>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree>;

[[noreturn]] void fail(const std::string& what) {
  char reason[256] = "no OpenSSL error";
  if (const unsigned long code = ERR_get_error(); code != 0)
    ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error("test certificate: " + what + ": " + reason);
}

void check(int ok, const char* what) {
  if (ok != 1) fail(what);
}

// P-256: generated in about a millisecond, where RSA 2048 takes tens to hundreds.
KeyPtr make_key() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) fail("EC key generation");
  return key;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

CertPtr cert_from_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("PEM_read_bio_X509");
  return cert;
}

KeyPtr key_from_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail("PEM_read_bio_PrivateKey");
  return key;
}

struct Issuer {
  X509* cert;     // nullptr: self-signed
  EVP_PKEY* key;  // nullptr: self-signed
};

// Extensions as openssl.cnf-style strings; `cert` must already carry its subject key.
void add_extension(X509* cert, X509* issuer_cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer_cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, OpenSslFree> ext(
      X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

CertPtr make_cert(EVP_PKEY* subject_key, const std::string& common_name, Issuer issuer,
                  std::chrono::seconds not_before, std::chrono::seconds not_after,
                  const std::vector<std::pair<int, std::string>>& extensions) {
  CertPtr cert(X509_new());
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");

  // Random serials: a client that caches per (issuer, serial) must never see two certificates
  // of one test run collide.
  std::unique_ptr<BIGNUM, OpenSslFree> serial(BN_new());
  check(BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");
  if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) fail("serial");

  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count())) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count())))
    fail("validity");
  check(X509_set_pubkey(cert.get(), subject_key), "X509_set_pubkey");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto add_name = [&](const char* field, const std::string& value) {
    check(X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0),
          "subject name");
  };
  add_name("O", "poller tests");
  add_name("CN", common_name);
  X509* issuer_cert = issuer.cert ? issuer.cert : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert)), "issuer name");

  add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  for (const auto& [nid, value] : extensions) add_extension(cert.get(), issuer_cert, nid, value);

  if (X509_sign(cert.get(), issuer.key ? issuer.key : subject_key, EVP_sha256()) <= 0)
    fail("X509_sign");
  return cert;
}

std::string subject_alt_names(const CertSpec& spec) {
  std::string names;
  const auto append = [&](const char* kind, const std::string& value) {
    if (value.empty()) return;
    if (!names.empty()) names += ',';
    names += kind;
    names += value;
  };
  for (const auto& dns : spec.dns_names) append("DNS:", dns);
  for (const auto& ip : spec.ip_addresses) append("IP:", ip);
  return names;
}

std::string leaf_common_name(const CertSpec& spec) {
  if (!spec.dns_names.empty()) return spec.dns_names.front();
  if (!spec.ip_addresses.empty()) return spec.ip_addresses.front();
  return "poller test server";
}

std::vector<std::pair<int, std::string>> leaf_extensions(const CertSpec& spec, bool self_signed) {
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_ext_key_usage, "serverAuth"},
  };
  // OpenSSL 3 treats a certificate whose keyUsage lacks keyCertSign as unable to have signed
  // itself, so a self-signed leaf with keyUsage could not serve as its own trust anchor.
  if (!self_signed) extensions.emplace_back(NID_key_usage, "critical,digitalSignature");
  if (auto names = subject_alt_names(spec); !names.empty())
    extensions.emplace_back(NID_subject_alt_name, std::move(names));
  return extensions;
}

}  // namespace

TestCa::TestCa(std::string common_name) {
  const KeyPtr key = make_key();
  const CertPtr cert = make_cert(key.get(), common_name, {nullptr, nullptr}, -std::chrono::hours(1),
                                 std::chrono::hours(24 * 365),
                                 {{NID_basic_constraints, "critical,CA:TRUE"},
                                  {NID_key_usage, "critical,keyCertSign,cRLSign"}});
  cert_pem_ = to_pem(cert.get());
  key_pem_ = to_pem(key.get());
}

TestCa::TestCa(std::string cert_pem, std::string key_pem)
    : cert_pem_(std::move(cert_pem)), key_pem_(std::move(key_pem)) {}

KeyPair TestCa::issue(const CertSpec& spec) const {
  const CertPtr ca_cert = cert_from_pem(cert_pem_);
  const KeyPtr ca_key = key_from_pem(key_pem_);
  const KeyPtr key = make_key();
  const CertPtr cert = make_cert(key.get(), leaf_common_name(spec), {ca_cert.get(), ca_key.get()},
                                 spec.not_before, spec.not_after, leaf_extensions(spec, false));
  return {to_pem(cert.get()), to_pem(key.get())};
}

TestCa TestCa::issue_intermediate(std::string common_name) const {
  const CertPtr ca_cert = cert_from_pem(cert_pem_);
  const KeyPtr ca_key = key_from_pem(key_pem_);
  const KeyPtr key = make_key();
  const CertPtr cert = make_cert(key.get(), common_name, {ca_cert.get(), ca_key.get()},
                                 -std::chrono::hours(1), std::chrono::hours(24 * 365),
                                 {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                  {NID_key_usage, "critical,keyCertSign,cRLSign"}});
  return TestCa(to_pem(cert.get()), to_pem(key.get()));
}

KeyPair make_self_signed(const CertSpec& spec) {
  const KeyPtr key = make_key();
  const CertPtr cert = make_cert(key.get(), leaf_common_name(spec), {nullptr, nullptr},
                                 spec.not_before, spec.not_after, leaf_extensions(spec, true));
  return {to_pem(cert.get()), to_pem(key.get())};
}

}  // namespace poller::test
