#pragma once
// SHA-256 of a body, taken as its bytes stream in: --on-change compares these, so the body itself
// need not be kept (--format none).

#include <array>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace poller {

class BodyDigest {
 public:
  using Value = std::array<unsigned char, 32>;

  BodyDigest();
  ~BodyDigest();
  BodyDigest(const BodyDigest&) = delete;
  BodyDigest& operator=(const BodyDigest&) = delete;

  void reset();
  void update(std::string_view bytes);
  // Of the bytes since the last reset(); the digest must be reset before it is used again.
  Value value();

  static Value of(std::string_view bytes);

 private:
  evp_md_ctx_st* context_;
};

}  // namespace poller
