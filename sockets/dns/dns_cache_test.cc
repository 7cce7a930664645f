// The DNS cache: hits and misses, expiry on a wrapping millisecond clock,
// negative entries, least-recently-used replacement, limits.
#include <stdint.h>
#include <string.h>

#include <string>

#include "gtest/gtest.h"
#include "tern/dns_cache.h"
#include "tern/dns_wire.h"
#include "tern/err.h"

namespace {

tern_ip_addr V4(uint8_t last) {
  tern_ip_addr a;
  memset(&a, 0, sizeof a);
  a.family = TERN_IP_V4;
  a.u.v4.b[0] = 192;
  a.u.v4.b[2] = 2;
  a.u.v4.b[3] = last;
  return a;
}

class DnsCache : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(tern_dns_cache_init(&c, slots, 3), 0);
  }

  int Put(const char *name, uint8_t last, uint32_t ttl, uint32_t now,
          unsigned type = TERN_DNS_TYPE_A) {
    tern_ip_addr a = V4(last);
    return tern_dns_cache_put(&c, name, type, TERN_DNS_OK, &a, 1, ttl, now);
  }

  // The first address's last byte, TERN_ENOENT, or the negative result
  // (as 1000 + result).
  int Get(const char *name, uint32_t now, unsigned type = TERN_DNS_TYPE_A) {
    tern_ip_addr a[4];
    size_t n = 99;
    int r = tern_dns_cache_get(&c, name, type, now, a, 4, &n);
    if (r == TERN_ENOENT) {
      EXPECT_EQ(n, 0u);
      return r;
    }
    if (r != TERN_DNS_OK) {
      EXPECT_EQ(n, 0u);
      return 1000 + r;
    }
    EXPECT_GE(n, 1u);
    return a[0].u.v4.b[3];
  }

  tern_dns_cache_entry slots[3];
  tern_dns_cache c;
};

TEST_F(DnsCache, HitUntilTheTtlRunsOut) {
  EXPECT_EQ(Get("peer.test", 0), TERN_ENOENT);
  ASSERT_EQ(Put("peer.test", 50, 10, 5000), 0);
  EXPECT_EQ(Get("peer.test", 5000), 50);
  EXPECT_EQ(Get("peer.test", 14999), 50);
  EXPECT_EQ(Get("peer.test", 15000), TERN_ENOENT);
  EXPECT_EQ(Get("peer.test", 14999), TERN_ENOENT);  // freed when found expired
}

TEST_F(DnsCache, NamesIgnoreCaseAndTheFinalDot) {
  ASSERT_EQ(Put("Peer.TEST.", 50, 10, 0), 0);
  EXPECT_EQ(Get("peer.test", 1), 50);
  EXPECT_EQ(Get("PEER.test.", 1), 50);
  EXPECT_EQ(Get("peer.tes", 1), TERN_ENOENT);
  EXPECT_EQ(Get("peer.test.x", 1), TERN_ENOENT);
  EXPECT_EQ(Get("peer.test..", 1), TERN_ENOENT);
  // Case folds for letters only: '@' (0x40) is not '`' (0x60).
  ASSERT_EQ(Put("a@b", 7, 10, 0), 0);
  EXPECT_EQ(Get("a`b", 1), TERN_ENOENT);
  EXPECT_EQ(Get("A@B", 1), 7);
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
TEST_F(DnsCache, TypesAreSeparate) {
  ASSERT_EQ(Put("peer.test", 50, 10, 0), 0);
  EXPECT_EQ(Get("peer.test", 1, TERN_DNS_TYPE_AAAA), TERN_ENOENT);
  tern_ip_addr six;
  memset(&six, 0, sizeof six);
  six.family = TERN_IP_V6;
  six.u.v6.b[15] = 0x50;
  ASSERT_EQ(tern_dns_cache_put(&c, "peer.test", TERN_DNS_TYPE_AAAA, TERN_DNS_OK,
                               &six, 1, 10, 0),
            0);
  tern_ip_addr out[2];
  size_t n;
  ASSERT_EQ(
      tern_dns_cache_get(&c, "peer.test", TERN_DNS_TYPE_AAAA, 1, out, 2, &n),
      TERN_DNS_OK);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(memcmp(&out[0], &six, sizeof six), 0);
  EXPECT_EQ(Get("peer.test", 1), 50);
}
#endif

TEST_F(DnsCache, ReplacesTheEntryOfTheSameName) {
  ASSERT_EQ(Put("peer.test", 50, 10, 0), 0);
  ASSERT_EQ(Put("PEER.test", 51, 10, 0), 0);
  EXPECT_EQ(Get("peer.test", 1), 51);
  // It took one slot: two more names fit without losing it.
  ASSERT_EQ(Put("a.test", 1, 10, 0), 0);
  ASSERT_EQ(Put("b.test", 2, 10, 0), 0);
  EXPECT_EQ(Get("peer.test", 1), 51);
  EXPECT_EQ(Get("a.test", 1), 1);
  EXPECT_EQ(Get("b.test", 1), 2);
}

TEST_F(DnsCache, ZeroTtlIsNotCachedAndForgetsTheOldAnswer) {
  ASSERT_EQ(Put("peer.test", 50, 0, 0), 0);
  EXPECT_EQ(Get("peer.test", 0), TERN_ENOENT);
  ASSERT_EQ(Put("peer.test", 50, 10, 0), 0);
  ASSERT_EQ(Put("peer.test", 51, 0, 1), 0);
  EXPECT_EQ(Get("peer.test", 2), TERN_ENOENT);
}

TEST_F(DnsCache, NegativeEntries) {
  ASSERT_EQ(tern_dns_cache_put(&c, "nope.test", TERN_DNS_TYPE_A,
                               TERN_DNS_NXDOMAIN, nullptr, 0, 60, 0),
            0);
  ASSERT_EQ(tern_dns_cache_put(&c, "peer.test", TERN_DNS_TYPE_AAAA,
                               TERN_DNS_NODATA, nullptr, 0, 60, 0),
            0);
  EXPECT_EQ(Get("nope.test", 59999), 1000 + TERN_DNS_NXDOMAIN);
  EXPECT_EQ(Get("peer.test", 1, TERN_DNS_TYPE_AAAA), 1000 + TERN_DNS_NODATA);
  EXPECT_EQ(Get("nope.test", 60000), TERN_ENOENT);
  // A positive answer replaces a negative one.
  ASSERT_EQ(Put("peer.test", 50, 10, 2, TERN_DNS_TYPE_AAAA), 0);
  EXPECT_EQ(Get("peer.test", 3, TERN_DNS_TYPE_AAAA), 50);
}

TEST_F(DnsCache, LeastRecentlyUsedGoes) {
  ASSERT_EQ(Put("a", 1, 100, 0), 0);
  ASSERT_EQ(Put("b", 2, 100, 0), 0);
  ASSERT_EQ(Put("c", 3, 100, 0), 0);
  EXPECT_EQ(Get("a", 1), 1);  // a is now the most recent; b the least
  ASSERT_EQ(Put("d", 4, 100, 2), 0);
  EXPECT_EQ(Get("b", 3), TERN_ENOENT);
  EXPECT_EQ(Get("a", 3), 1);
  EXPECT_EQ(Get("c", 3), 3);
  EXPECT_EQ(Get("d", 3), 4);
  // Now a is the least recently used.
  ASSERT_EQ(Put("e", 5, 100, 4), 0);
  EXPECT_EQ(Get("a", 5), TERN_ENOENT);
}

TEST_F(DnsCache, ExpiredEntryGoesBeforeALiveOne) {
  ASSERT_EQ(Put("short", 1, 1, 0), 0);
  ASSERT_EQ(Put("b", 2, 100, 0), 0);
  ASSERT_EQ(Put("c", 3, 100, 0), 0);
  EXPECT_EQ(Get("short", 10), 1);  // most recently used, but about to expire
  ASSERT_EQ(Put("d", 4, 100, 1000), 0);
  EXPECT_EQ(Get("b", 1001), 2);
  EXPECT_EQ(Get("c", 1001), 3);
  EXPECT_EQ(Get("d", 1001), 4);
}

TEST_F(DnsCache, ClockWraps) {
  const uint32_t t = 0xfffff000u;  // 4,096 ms before the clock wraps
  ASSERT_EQ(Put("peer.test", 50, 10, t), 0);
  EXPECT_EQ(Get("peer.test", t + 5000), 50);  // past the wrap
  EXPECT_EQ(Get("peer.test", t + 9999), 50);
  EXPECT_EQ(Get("peer.test", t + 10000), TERN_ENOENT);
}

// An entry left unlooked-at for more than 2^31 ms (24.8 days) after it
// expired is still expired.
TEST_F(DnsCache, LongExpiredStaysExpired) {
  ASSERT_EQ(Put("peer.test", 50, 10, 0), 0);
  EXPECT_EQ(Get("peer.test", 10000u + 0x80000000u), TERN_ENOENT);
  ASSERT_EQ(Put("peer.test", 51, 10, 0), 0);
  EXPECT_EQ(Get("peer.test", 10000u - TERN_DNS_CACHE_MAX_TTL * 1000u - 1u),
            TERN_ENOENT);  // 2^32 ms - a day - 1 ms after it expired
}

// A lookup frees every expired entry, also those behind the one it finds:
// a name looked up often does not shield the others.
TEST_F(DnsCache, ALookupFreesExpiredEntriesBehindAHit) {
  ASSERT_EQ(Put("hot", 1, 100, 0), 0);
  ASSERT_EQ(Put("stale", 2, 10, 0), 0);
  EXPECT_EQ(Get("hot", 20000), 1);
  // 9,000 ms comes round again 2^32 ms later: the entry must be gone by
  // then, not just look expired now.
  EXPECT_EQ(Get("stale", 9000), TERN_ENOENT);
}

TEST_F(DnsCache, LongTtlIsCut) {
  ASSERT_EQ(Put("peer.test", 50, 0x7fffffffu, 0), 0);
  EXPECT_EQ(Get("peer.test", TERN_DNS_CACHE_MAX_TTL * 1000u - 1), 50);
  EXPECT_EQ(Get("peer.test", TERN_DNS_CACHE_MAX_TTL * 1000u), TERN_ENOENT);
}

TEST_F(DnsCache, KeepsTheFirstAddresses) {
  tern_ip_addr in[3] = {V4(1), V4(2), V4(3)};
  ASSERT_EQ(
      tern_dns_cache_put(&c, "x", TERN_DNS_TYPE_A, TERN_DNS_OK, in, 3, 10, 0),
      0);
  tern_ip_addr out[4];
  size_t n;
  ASSERT_EQ(tern_dns_cache_get(&c, "x", TERN_DNS_TYPE_A, 1, out, 4, &n),
            TERN_DNS_OK);
  ASSERT_EQ(n, size_t(TERN_DNS_CACHE_ADDRS));
  EXPECT_EQ(out[0].u.v4.b[3], 1);
  EXPECT_EQ(out[1].u.v4.b[3], 2);
  ASSERT_EQ(tern_dns_cache_get(&c, "x", TERN_DNS_TYPE_A, 1, out, 1, &n),
            TERN_DNS_OK);
  EXPECT_EQ(n, 1u);
  ASSERT_EQ(tern_dns_cache_get(&c, "x", TERN_DNS_TYPE_A, 1, nullptr, 0, &n),
            TERN_DNS_OK);
  EXPECT_EQ(n, 0u);
}

TEST_F(DnsCache, LongNamesAreNotCached) {
  std::string n(TERN_DNS_CACHE_NAME, 'q');
  ASSERT_EQ(Put(n.c_str(), 1, 10, 0), 0);
  EXPECT_EQ(Get(n.c_str(), 1), 1);
  EXPECT_EQ(Get((n + ".").c_str(), 1), 1);
  std::string m(TERN_DNS_CACHE_NAME + 1, 'q');
  ASSERT_EQ(Put(m.c_str(), 2, 10, 0), 0);
  EXPECT_EQ(Get(m.c_str(), 1), TERN_ENOENT);
  EXPECT_EQ(Get(n.c_str(), 1), 1);
}

TEST_F(DnsCache, BadArguments) {
  tern_ip_addr a = V4(1);
  EXPECT_EQ(
      tern_dns_cache_put(&c, "", TERN_DNS_TYPE_A, TERN_DNS_OK, &a, 1, 10, 0),
      TERN_EINVAL);
  EXPECT_EQ(
      tern_dns_cache_put(&c, ".", TERN_DNS_TYPE_A, TERN_DNS_OK, &a, 1, 10, 0),
      TERN_EINVAL);
  EXPECT_EQ(tern_dns_cache_put(&c, "x", 15, TERN_DNS_OK, &a, 1, 10, 0),
            TERN_EINVAL);
  EXPECT_EQ(
      tern_dns_cache_put(&c, "x", TERN_DNS_TYPE_A, TERN_DNS_OK, &a, 0, 10, 0),
      TERN_EINVAL);
  EXPECT_EQ(tern_dns_cache_put(&c, "x", TERN_DNS_TYPE_A, TERN_DNS_TRUNCATED, &a,
                               1, 10, 0),
            TERN_EINVAL);
  EXPECT_EQ(tern_dns_cache_put(&c, "x", TERN_DNS_TYPE_A, TERN_DNS_SERVER_ERROR,
                               nullptr, 0, 10, 0),
            TERN_EINVAL);
  EXPECT_EQ(tern_dns_cache_put(&c, "x", TERN_DNS_TYPE_A, -1, nullptr, 0, 10, 0),
            TERN_EINVAL);
  EXPECT_EQ(Get("", 0), TERN_ENOENT);
  tern_dns_cache other;
  EXPECT_EQ(tern_dns_cache_init(&other, slots, 0), TERN_EINVAL);
}

// A NULL name is taken as the empty one: put refuses it (TERN_EINVAL),
// get misses (TERN_ENOENT, as for ""). Before, both read it with strlen
// and crashed.
TEST_F(DnsCache, ANullNameIsTakenAsTheEmptyOne) {
  tern_ip_addr a = V4(1);
  EXPECT_EQ(tern_dns_cache_put(&c, nullptr, TERN_DNS_TYPE_A, TERN_DNS_OK, &a, 1,
                               10, 0),
            TERN_EINVAL);
  tern_ip_addr got[2];
  size_t n = 99;
  EXPECT_EQ(tern_dns_cache_get(&c, nullptr, TERN_DNS_TYPE_A, 0, got, 2, &n),
            TERN_ENOENT);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(Get("x", 0), TERN_ENOENT);  // nothing was stored
}

// No entries (NULL with a count) is a bad argument, not a cache that
// writes through NULL: before, init itself crashed clearing the entries.
TEST(DnsCacheInit, NullEntriesAreRefused) {
  tern_dns_cache c;
  EXPECT_EQ(tern_dns_cache_init(&c, nullptr, 3), TERN_EINVAL);
}

// No cache to make is refused as every init refuses a NULL object
// (docs/design.md 4); before, init wrote the entries through NULL.
TEST(DnsCacheInit, NullCacheIsRefused) {
  tern_dns_cache_entry e[2];
  EXPECT_EQ(tern_dns_cache_init(nullptr, e, 2), TERN_EINVAL);
}

// No addresses to keep (NULL with a count), none to fill (NULL with room
// for some) or no place for the count are bad arguments (TERN_EINVAL), as
// the other checks here are; before, put and get went through NULL.
TEST_F(DnsCache, NullAddressesWithACountAreRefused) {
  EXPECT_EQ(tern_dns_cache_put(&c, "x", TERN_DNS_TYPE_A, TERN_DNS_OK, nullptr,
                               1, 10, 0),
            TERN_EINVAL);
  EXPECT_EQ(Get("x", 0), TERN_ENOENT);  // nothing was stored
  ASSERT_EQ(Put("x", 7, 10, 0), 0);
  size_t n = 99;
  EXPECT_EQ(tern_dns_cache_get(&c, "x", TERN_DNS_TYPE_A, 1, nullptr, 2, &n),
            TERN_EINVAL);
  tern_ip_addr got[2];
  EXPECT_EQ(tern_dns_cache_get(&c, "x", TERN_DNS_TYPE_A, 1, got, 2, nullptr),
            TERN_EINVAL);
  // A negative entry needs no addresses to be put.
  EXPECT_EQ(tern_dns_cache_put(&c, "y", TERN_DNS_TYPE_A, TERN_DNS_NXDOMAIN,
                               nullptr, 0, 10, 0),
            0);
}

TEST_F(DnsCache, ClearForgetsEverything) {
  ASSERT_EQ(Put("a", 1, 10, 0), 0);
  ASSERT_EQ(Put("b", 2, 10, 0), 0);
  tern_dns_cache_clear(&c);
  EXPECT_EQ(Get("a", 1), TERN_ENOENT);
  EXPECT_EQ(Get("b", 1), TERN_ENOENT);
}

}  // namespace
