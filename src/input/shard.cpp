#include "poller/input/shard.hpp"

#include <charconv>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

constexpr std::string_view shard_syntax =
    "give K/N, shard K of N with 1 <= K <= N (e.g. 2/4), or auto/N to take K from the host "
    "name's -ORDINAL suffix";

// Digits only (no sign, no space), within [least, most].
std::optional<unsigned> whole_number(std::string_view text, unsigned least, unsigned most) {
  unsigned value = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (value < least || value > most) return std::nullopt;
  return value;
}

}  // namespace

ShardOption parse_shard_option(std::string_view text) {
  auto const slash = text.find('/');
  if (slash == std::string_view::npos) {
    throw UsageError(fmt::format("--shard: \"{}\" is not K/N: {}", text, shard_syntax));
  }
  auto const k = text.substr(0, slash), n = text.substr(slash + 1);
  ShardOption option;
  auto const count = whole_number(n, 1, max_shards);
  if (!count) {
    throw UsageError(
        fmt::format("--shard: \"{}\": N (after the /) must be a number of shards "
                    "from 1 to {}",
                    text, max_shards));
  }
  option.count = *count;
  if (k == "auto") return option;
  // Any digits, so that K > N gets its own message below.
  auto const index = whole_number(k, 0, ~0u);
  if (!index) {
    throw UsageError(fmt::format("--shard: \"{}\": K (before the /) must be a number or auto; {}",
                                 text, shard_syntax));
  }
  if (*index < 1 || *index > option.count) {
    throw UsageError(fmt::format("--shard: \"{}\": K must be from 1 to {} (shards count from 1)",
                                 text, option.count));
  }
  option.index = *index;
  return option;
}

Shard shard_from_host_name(std::string_view host_name, unsigned count) {
  auto const name = host_name.substr(0, host_name.find('.'));
  auto const dash = name.rfind('-');
  auto const ordinal = dash == std::string_view::npos
                           ? std::nullopt
                           : whole_number(name.substr(dash + 1), 0, max_shards);
  if (!ordinal) {
    throw UsageError(fmt::format(
        "--shard auto/{}: the host name \"{}\" does not end in -ORDINAL as a StatefulSet pod's "
        "does (poller-0, poller-1, ...); give K/{} instead",
        count, host_name, count));
  }
  if (*ordinal >= count) {
    throw UsageError(fmt::format(
        "--shard auto/{}: the host name \"{}\" is ordinal {}, shard {}, but there are only {} "
        "shards: give the StatefulSet's replicas and N the same value",
        count, host_name, *ordinal, *ordinal + 1, count));
  }
  return Shard{*ordinal + 1, count};
}

Shard resolve_shard(const ShardOption& option, std::string_view host_name) {
  if (option.index) return Shard{*option.index, option.count};
  return shard_from_host_name(host_name, option.count);
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (char const c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// MurmurHash3's fmix64: every input bit flips each output bit with probability about 1/2.
std::uint64_t fmix64(std::uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdull;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ull;
  value ^= value >> 33;
  return value;
}

std::uint64_t shard_weight(const Origin& origin, unsigned index) {
  return fmix64(fnv1a64(fmt::format("{}|{}", index, origin.to_string())));
}

double spread_fraction(const Origin& origin) {
  return static_cast<double>(fmix64(fnv1a64(origin.to_string()))) * 0x1p-64;
}

unsigned shard_of(const Origin& origin, unsigned count) {
  unsigned best = 1;
  std::uint64_t best_weight = shard_weight(origin, 1);
  for (unsigned k = 2; k <= count; ++k) {
    auto const weight = shard_weight(origin, k);
    if (weight > best_weight) {
      best = k;
      best_weight = weight;
    }
  }
  return best;
}

std::vector<Target> keep_shard(std::vector<Target> targets, Shard shard) {
  if (shard.count == 1) return targets;
  // Origins repeat (10 URLs a host is common): each is weighed once.
  std::unordered_map<std::string, bool> kept;
  std::erase_if(targets, [&](const Target& target) {
    auto key = target.origin.to_string();
    auto found = kept.find(key);
    if (found == kept.end()) {
      bool const mine = shard_of(target.origin, shard.count) == shard.index;
      found = kept.emplace(std::move(key), mine).first;
    }
    return !found->second;
  });
  // A shard of a long list would otherwise keep the capacity of the whole list for good.
  targets.shrink_to_fit();
  return targets;
}

std::size_t count_origins(const std::vector<Target>& targets) {
  std::unordered_set<std::string> seen;
  for (auto const& target : targets) seen.insert(target.origin.to_string());
  return seen.size();
}

}  // namespace poller
