#pragma once
// --shard K/N: which URLs this instance of a fleet of N fetches. Each origin (scheme, host, port)
// goes to one shard by rendezvous (highest-random-weight) hashing, so N instances agree without
// talking to each other, an origin's connections live in one instance, and going from N to N+1
// shards moves only the origins that the new shard wins: about 1/(N+1) of them.
// https://en.wikipedia.org/wiki/Rendezvous_hashing
//
// The weight of origin O for shard k (1-based) is
//     fmix64(fnv1a64("k|scheme://host:port"))
// with k in decimal, the host in lower case (an IPv6 literal in brackets, in RFC 5952's form:
// [0:0::1] is [::1]) and the port always written: Origin::to_string(), e.g.
// "3|https://example.com:443". FNV-1a 64 (offset basis
// 0xcbf29ce484222325, prime 0x100000001b3) then MurmurHash3's 64-bit finalizer, because FNV-1a
// alone mixes poorly: its last bytes (the port) barely reach the high bits that decide which
// weight is larger. The highest weight wins; on a tie (never seen), the lowest k. Both are fixed
// across versions (tests pin values), so a fleet may mix versions. The README has the same in
// six lines of Python. Not SipHash: its strength is a secret key against hash flooding, which a
// fixed, published key throws away; the input is the user's own list.
// Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "poller/input/target.hpp"

namespace poller {

// Shard `index` of `count`, both from 1: 1 <= index <= count.
struct Shard {
  unsigned index = 1;
  unsigned count = 1;
  auto operator<=>(const Shard&) const = default;
};

// The value of --shard: "K/N", or "auto/N" for K taken from the host name (see below).
struct ShardOption {
  std::optional<unsigned> index;  // unset: auto
  unsigned count = 1;
};

// Most shards: far more than a fleet needs, and the weight loop stays cheap (N hashes per origin).
inline constexpr unsigned max_shards = 10000;

// Throws UsageError naming what is wrong: "--shard: \"5/4\" ...".
ShardOption parse_shard_option(std::string_view text);

// K for "auto/N" from a host name: a StatefulSet's pod is named NAME-ORDINAL (poller-0,
// poller-1, ...), ordinals from 0, so K = ORDINAL + 1; a domain after the first dot is ignored.
// Throws UsageError when the name has no -ORDINAL suffix or the ordinal is N or more.
Shard shard_from_host_name(std::string_view host_name, unsigned count);

// The shard an option names; `host_name` is used for auto only.
Shard resolve_shard(const ShardOption& option, std::string_view host_name);

std::uint64_t fnv1a64(std::string_view bytes);
std::uint64_t fmix64(std::uint64_t value);
std::uint64_t shard_weight(const Origin& origin, unsigned index);

// --spread with -Z: where in the interval `origin`'s lane starts, from 0 (inclusive) to 1,
//     fmix64(fnv1a64("scheme://host:port")) / 2^64
// the weight above without the "k|" prefix: the same origin gets the same offset on every
// instance and every version.
double spread_fraction(const Origin& origin);

// 1..count: the shard whose weight for `origin` is highest.
unsigned shard_of(const Origin& origin, unsigned count);

// The targets of `targets` whose origin falls in `shard`, in list order (duplicates kept).
std::vector<Target> keep_shard(std::vector<Target> targets, Shard shard);

// How many distinct origins `targets` name.
std::size_t count_origins(const std::vector<Target>& targets);

}  // namespace poller
