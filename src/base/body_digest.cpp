#include "poller/base/body_digest.hpp"

#include <new>

#include <openssl/evp.h>

namespace poller {

BodyDigest::BodyDigest() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr) throw std::bad_alloc();
  reset();
}

BodyDigest::~BodyDigest() { EVP_MD_CTX_free(context_); }

void BodyDigest::reset() { EVP_DigestInit_ex(context_, EVP_sha256(), nullptr); }

void BodyDigest::update(std::string_view bytes) {
  EVP_DigestUpdate(context_, bytes.data(), bytes.size());
}

BodyDigest::Value BodyDigest::value() {
  Value digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_, digest.data(), &size);
  return digest;
}

BodyDigest::Value BodyDigest::of(std::string_view bytes) {
  Value digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

}  // namespace poller
