// --shard K/N: parsing, K from a StatefulSet pod's host name, and the rendezvous hash, whose
// values are pinned: a fleet may run mixed versions, and they must agree on every origin.

#include "poller/input/shard.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "usage_error.hpp"

namespace poller {
namespace {

Target target(const std::string& url) {
  auto parsed = parse_target(url);
  EXPECT_TRUE(parsed.target) << url << ": " << parsed.error;
  return parsed.target.value_or(Target{});
}

Origin origin(const std::string& url) { return target(url).origin; }

// 1,000 origins as a fleet's list might hold them: h0000.example ... h0999.example.
std::vector<Origin> thousand_origins() {
  std::vector<Origin> origins;
  for (int i = 0; i < 1000; ++i)
    origins.push_back(origin(fmt::format("http://h{:04d}.example/", i)));
  return origins;
}

std::string shard_error(std::string_view text) { return usage_error_of(parse_shard_option, text); }

TEST(ShardOption, ParsesKOfN) {
  auto const option = parse_shard_option("2/4");
  EXPECT_EQ(option.index, 2u);
  EXPECT_EQ(option.count, 4u);
  EXPECT_EQ(parse_shard_option("1/1").index, 1u);
  EXPECT_EQ(parse_shard_option("4/4").index, 4u);
  EXPECT_EQ(parse_shard_option("03/16").index, 3u);  // systemd instances poller@03 and the like
}

TEST(ShardOption, AutoLeavesKToTheHostName) {
  auto const option = parse_shard_option("auto/5");
  EXPECT_FALSE(option.index);
  EXPECT_EQ(option.count, 5u);
}

TEST(ShardOption, RefusesKOutsideOneToN) {
  EXPECT_EQ(shard_error("0/4"), "--shard: \"0/4\": K must be from 1 to 4 (shards count from 1)");
  EXPECT_EQ(shard_error("5/4"), "--shard: \"5/4\": K must be from 1 to 4 (shards count from 1)");
}

TEST(ShardOption, RefusesWhatIsNotKSlashN) {
  auto const syntax =
      "give K/N, shard K of N with 1 <= K <= N (e.g. 2/4), or auto/N to take K from the host "
      "name's -ORDINAL suffix";
  EXPECT_EQ(shard_error("3"), std::string("--shard: \"3\" is not K/N: ") + syntax);
  EXPECT_EQ(shard_error(""), std::string("--shard: \"\" is not K/N: ") + syntax);
  for (auto const* bad_k : {"/4", "x/4", "-1/4", "+1/4", " 1/4", "1.0/4", "Auto/4"}) {
    EXPECT_EQ(shard_error(bad_k),
              fmt::format("--shard: \"{}\": K (before the /) must be a number or auto; {}", bad_k,
                          syntax));
  }
  for (auto const* bad_n : {"1/", "1/0", "1/x", "1/4 ", "1/4/4", "1/-4", "1/10001"}) {
    EXPECT_EQ(shard_error(bad_n),
              fmt::format("--shard: \"{}\": N (after the /) must be a number of shards from 1 to "
                          "10000",
                          bad_n));
  }
}

TEST(ShardFromHostName, IsTheStatefulSetOrdinalPlusOne) {
  EXPECT_EQ(shard_from_host_name("poller-0", 4), (Shard{1, 4}));
  EXPECT_EQ(shard_from_host_name("poller-3", 4), (Shard{4, 4}));
  EXPECT_EQ(shard_from_host_name("my-poller-2", 4), (Shard{3, 4}));
  // setHostnameAsFQDN: the pod's name is the first label.
  EXPECT_EQ(shard_from_host_name("poller-1.poller.monitoring.svc.cluster.local", 2), (Shard{2, 2}));
  EXPECT_EQ(resolve_shard(parse_shard_option("auto/3"), "poller-2"), (Shard{3, 3}));
  EXPECT_EQ(resolve_shard(parse_shard_option("1/3"), "poller-2"), (Shard{1, 3}));
}

TEST(ShardFromHostName, RefusesANameWithoutOrdinalOrAnOrdinalOfNOrMore) {
  auto const error = [](std::string_view host) {
    return usage_error_of([](std::string_view h) { return shard_from_host_name(h, 4); }, host);
  };
  for (auto const* host : {"poller", "poller-", "poller-x", "web01", "-", ""}) {
    EXPECT_EQ(error(host), fmt::format("--shard auto/4: the host name \"{}\" does not end in "
                                       "-ORDINAL as a StatefulSet pod's does (poller-0, "
                                       "poller-1, ...); give K/4 instead",
                                       host));
  }
  EXPECT_EQ(error("poller-4"),
            "--shard auto/4: the host name \"poller-4\" is ordinal 4, shard 5, but there are only "
            "4 shards: give the StatefulSet's replicas and N the same value");
}

TEST(ShardHash, IsFnv1a64ThenMurmur3Fmix64) {
  // FNV-1a 64 reference values (http://www.isthe.com/chongo/src/fnv/test_fnv.c).
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(fmix64(0), 0u);
  EXPECT_EQ(shard_weight(origin("http://example.com/"), 1),
            fmix64(fnv1a64("1|http://example.com:80")));
}

// Computed with docs/FLEET.md's Python: these must never change, or a fleet that mixes versions
// fetches some origins twice and others not at all.
TEST(ShardHash, WeightsAndShardsArePinnedAcrossVersions) {
  EXPECT_EQ(shard_weight(origin("http://example.com/"), 1), 0xca5cad85e491bb55ull);
  EXPECT_EQ(shard_weight(origin("https://example.com/"), 1), 0x55f2283bc4cb45dcull);
  EXPECT_EQ(shard_weight(origin("http://127.0.0.1:8080/"), 1), 0xcd87ec14f448dc57ull);
  EXPECT_EQ(shard_weight(origin("https://[::1]:8443/"), 1), 0x2c3790d7740e806ull);
  std::vector<unsigned> const counts{1, 2, 3, 4, 5, 10};
  auto shards = [&](const std::string& url) {
    std::vector<unsigned> out;
    for (auto const n : counts) out.push_back(shard_of(origin(url), n));
    return out;
  };
  EXPECT_EQ(shards("http://example.com/"), (std::vector<unsigned>{1, 2, 2, 2, 2, 9}));
  EXPECT_EQ(shards("https://example.com/"), (std::vector<unsigned>{1, 2, 3, 4, 5, 5}));
  EXPECT_EQ(shards("http://127.0.0.1:8080/"), (std::vector<unsigned>{1, 2, 2, 2, 5, 10}));
  EXPECT_EQ(shards("https://[::1]:8443/"), (std::vector<unsigned>{1, 2, 3, 4, 5, 9}));
  // More kinds of host, pinned as well (an IPv6 literal in its canonical RFC 5952 form, an
  // IPv4-mapped one, a punycode name).
  EXPECT_EQ(shard_weight(origin("http://[2001:db8::1]/"), 1), 0xc2b54863752b98a7ull);
  EXPECT_EQ(shard_weight(origin("https://[::ffff:192.0.2.1]/"), 1), 0xa76c96e7288eb4a2ull);
  EXPECT_EQ(shard_weight(origin("http://10.1.2.3/"), 1), 0x8923792837e9243cull);
  EXPECT_EQ(shard_weight(origin("https://xn--bcher-kva.example/"), 1), 0x446739c873b750cfull);
  EXPECT_EQ(shards("http://[2001:db8::1]/"), (std::vector<unsigned>{1, 1, 1, 1, 1, 7}));
  EXPECT_EQ(shards("https://[::ffff:192.0.2.1]/"), (std::vector<unsigned>{1, 1, 1, 1, 1, 6}));
  EXPECT_EQ(shards("http://10.1.2.3/"), (std::vector<unsigned>{1, 2, 2, 2, 2, 2}));
  EXPECT_EQ(shards("http://[::1]:8080/"), (std::vector<unsigned>{1, 2, 3, 3, 3, 3}));
}

TEST(ShardHash, TheOriginIsWhatCountsNotThePathNorHowThePortIsWritten) {
  for (unsigned n = 2; n <= 10; ++n) {
    auto const shard = shard_of(origin("http://Example.COM/a"), n);
    EXPECT_EQ(shard_of(origin("http://example.com:80/b?c"), n), shard);
    EXPECT_EQ(shard_of(origin("http://user:pw@example.com/#x"), n), shard);
  }
}

TEST(ShardHash, AnIpv6AddressIsOneOriginHoweverItIsWritten) {
  auto const canonical = origin("http://[::1]:8080/");
  for (auto const* url : {"http://[0:0::1]:8080/", "http://[0:0:0:0:0:0:0:1]:8080/"}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(shard_weight(origin(url), 1), shard_weight(canonical, 1));
    for (unsigned n = 2; n <= 10; ++n) EXPECT_EQ(shard_of(origin(url), n), shard_of(canonical, n));
  }
  std::vector<Target> const list{target("http://[::1]:8080/a"), target("http://[0:0::1]:8080/b"),
                                 target("http://[0:0:0:0:0:0:0:1]:8080/c")};
  EXPECT_EQ(count_origins(list), 1u);
  for (unsigned k = 1; k <= 4; ++k) {
    auto const kept = keep_shard(list, Shard{k, 4}).size();
    EXPECT_TRUE(kept == 0 || kept == 3) << "shard " << k << " of 4 kept " << kept;
  }
}

TEST(ShardHash, SpreadsOriginsEvenly) {
  std::map<unsigned, int> per_shard;
  for (auto const& o : thousand_origins()) ++per_shard[shard_of(o, 4)];
  ASSERT_EQ(per_shard.size(), 4u);
  for (auto const& [shard, n] : per_shard) {
    // 250 expected; a binomial's standard deviation is 13.7 here, and the values are fixed.
    EXPECT_GE(n, 210) << "shard " << shard;
    EXPECT_LE(n, 290) << "shard " << shard;
  }
}

TEST(ShardHash, FromFourToFiveShardsAboutAFifthOfTheOriginsMoveAllToTheNewShard) {
  int moved = 0;
  for (auto const& o : thousand_origins()) {
    auto const before = shard_of(o, 4), after = shard_of(o, 5);
    if (before == after) continue;
    ++moved;
    EXPECT_EQ(after, 5u) << o.to_string() << " moved between two old shards";
  }
  double const fraction = moved / 1000.0;
  RecordProperty("moved_fraction_4_to_5", std::to_string(fraction));
  EXPECT_GE(fraction, 0.15);
  EXPECT_LE(fraction, 0.25);
}

TEST(KeepShard, TheShardsPartitionTheListAndKeepItsOrderAndDuplicates) {
  std::vector<Target> list;
  for (int i = 0; i < 60; ++i)
    list.push_back(target(fmt::format("http://h{}.example/{}", i % 20, i)));
  list.push_back(list.front());  // a duplicate is fetched as often as listed
  std::multiset<std::string> all;
  for (unsigned k = 1; k <= 3; ++k) {
    auto const kept = keep_shard(list, Shard{k, 3});
    EXPECT_FALSE(kept.empty());
    std::size_t previous = 0;
    for (auto const& t : kept) {
      EXPECT_EQ(shard_of(t.origin, 3), k);
      all.insert(t.url);
      // In list order: each kept URL comes after the one before it.
      std::size_t at = previous;
      while (at < list.size() && list[at].url != t.url) ++at;
      EXPECT_LT(at, list.size()) << t.url << " out of order";
      previous = at + 1;
    }
  }
  std::multiset<std::string> listed;
  for (auto const& t : list) listed.insert(t.url);
  EXPECT_EQ(all, listed);
  EXPECT_EQ(keep_shard(list, Shard{1, 1}).size(), list.size());
  EXPECT_EQ(count_origins(list), 20u);
}

}  // namespace
}  // namespace poller
