#pragma once
// Certificates made at test time (OpenSSL 3, EC P-256 keys, X.509 v3, SHA-256), so no key
// material is checked in and no certificate ever expires in the repository.

#include <chrono>
#include <string>
#include <vector>

namespace poller::test {

struct CertSpec {
  std::vector<std::string>
      dns_names{};  // subjectAltName DNS entries, e.g. "localhost", "poller.test"
  std::vector<std::string> ip_addresses{};  // subjectAltName IP entries, e.g. "127.0.0.1"
  std::chrono::seconds not_before = -std::chrono::hours(1);  // offset from now (negative = past)
  std::chrono::seconds not_after = std::chrono::hours(24 * 30);
};

struct KeyPair {
  std::string
      cert_pem{};         // for a TestServer or nginx this may be a chain: leaf, then intermediates
  std::string key_pem{};  // PKCS#8
};

// A certificate authority. Holds only PEM text, so it is cheap to copy.
class TestCa {
 public:
  // Self-signed root: basicConstraints critical CA:TRUE, keyUsage critical keyCertSign, cRLSign.
  explicit TestCa(std::string common_name = "poller test CA");

  const std::string& cert_pem() const { return cert_pem_; }  // the CA file a client trusts
  const std::string& key_pem() const { return key_pem_; }

  // Leaf (serverAuth, CA:FALSE) signed by this CA; CN = first DNS name, else first IP. Its
  // cert_pem is the leaf alone: for a leaf of an intermediate, serve
  // `leaf.cert_pem + intermediate.cert_pem()` unless testing a server that forgets the chain.
  KeyPair issue(const CertSpec& spec) const;

  // Intermediate CA (CA:TRUE, pathlen 0) signed by this CA.
  TestCa issue_intermediate(std::string common_name) const;

 private:
  TestCa(std::string cert_pem, std::string key_pem);
  std::string cert_pem_;
  std::string key_pem_;
};

// A self-signed leaf that a client can also use directly as its trust anchor (--cacert).
KeyPair make_self_signed(const CertSpec& spec);

}  // namespace poller::test
