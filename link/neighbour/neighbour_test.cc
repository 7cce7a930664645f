#include "tern/neighbour.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <type_traits>
#include <vector>

#include "tern/err.h"

namespace {

// Records each solicitation; fails them while `fail` is set.
struct Solicits {
  std::vector<std::array<uint8_t, 16>> sent;
  size_t len = 4;
  bool fail = false;

  static int Solicit(void *self, const uint8_t *addr) {
    auto *s = static_cast<Solicits *>(self);
    std::array<uint8_t, 16> a{};
    std::memcpy(a.data(), addr, s->len);
    s->sent.push_back(a);
    return s->fail ? TERN_EIO : 0;
  }
};

// The timing every test uses; each sets its own proto.
constexpr tern_neigh_config kConfig = {1000, 30000, 3, 2, {nullptr, nullptr}};

struct Cache4 : ::testing::Test {
  tern_neighbour4 entries[6];
  tern_neigh_cache cache;
  Solicits sol;

  void SetUp() override {
    tern_neigh_config cfg = kConfig;
    cfg.proto = {Solicits::Solicit, &sol};
    ASSERT_EQ(tern_neigh_cache_init4(&cache, entries, 6, &cfg), 0);
  }

  static std::array<uint8_t, 4> Ip(uint8_t last) {
    return {192, 0, 2, last};
  }
  static std::array<uint8_t, 6> Mac(uint8_t last) {
    return {0x02, 0, 0, 0, 0, last};
  }

  int Resolve(uint8_t last, tern_time now, const uint8_t **ll = nullptr,
              bool router = false) {
    const uint8_t *dummy = nullptr;
    return tern_neigh_resolve(&cache, Ip(last).data(), now, router,
                              ll != nullptr ? ll : &dummy);
  }
  bool Confirm(uint8_t last, tern_time now, bool add = false) {
    return tern_neigh_confirm(&cache, Ip(last).data(), Mac(last).data(), now,
                              add);
  }
  // Resolves one neighbour completely at now.
  void Learn(uint8_t last, tern_time now) {
    ASSERT_EQ(Resolve(last, now), TERN_EAGAIN);
    ASSERT_TRUE(Confirm(last, now));
  }
  size_t Count(tern_neigh_state st) {
    size_t n = 0;
    for (size_t i = 0; i < cache.count; i++) {
      n += tern_neigh_entry(&cache, i)->state == st;
    }
    return n;
  }
  // Runs tern_neigh_service; returns how many entries it freed.
  size_t Service(tern_time now, tern_time *next) {
    size_t free_before = Count(TERN_NEIGH_FREE);
    tern_neigh_service(&cache, now, next);
    return Count(TERN_NEIGH_FREE) - free_before;
  }
};

TEST_F(Cache4, ResolvingSolicitsAtOnceThenEveryRetryUntilItFails) {
  EXPECT_EQ(Resolve(7, 100), TERN_EAGAIN);
  ASSERT_EQ(sol.sent.size(), 1u);
  EXPECT_EQ(0, std::memcmp(sol.sent[0].data(), Ip(7).data(), 4));
  // Asking again while it resolves sends nothing more.
  EXPECT_EQ(Resolve(7, 500), TERN_EAGAIN);
  EXPECT_EQ(sol.sent.size(), 1u);

  tern_time next = 100 + 100000;
  EXPECT_EQ(Service(1099, &next), 0u);
  EXPECT_EQ(next, 1100u);
  EXPECT_EQ(sol.sent.size(), 1u);
  next = 100000;
  EXPECT_EQ(Service(1100, &next), 0u);
  EXPECT_EQ(sol.sent.size(), 2u);
  EXPECT_EQ(next, 2100u);
  EXPECT_EQ(Service(2100, &next), 0u);
  EXPECT_EQ(sol.sent.size(), 3u);
  // No fourth request: one more retry interval, then it has failed.
  next = 100000;
  EXPECT_EQ(Service(3100, &next), 1u);
  EXPECT_EQ(sol.sent.size(), 3u);
  EXPECT_EQ(cache.stats.failed, 1u);
  EXPECT_EQ(tern_neigh_find(&cache, Ip(7).data()), nullptr);
}

TEST_F(Cache4, AnAnswerMakesItReachableUntilItExpires) {
  ASSERT_EQ(Resolve(7, 0), TERN_EAGAIN);
  EXPECT_TRUE(Confirm(7, 50));
  const uint8_t *ll = nullptr;
  ASSERT_EQ(Resolve(7, 60, &ll), 0);
  EXPECT_EQ(0, std::memcmp(ll, Mac(7).data(), 6));
  EXPECT_EQ(cache.stats.resolved, 1u);

  // Not used again after an ARP from it: it expires, silently.
  EXPECT_TRUE(Confirm(7, 100));
  tern_time next = 1000000;
  EXPECT_EQ(Service(30099, &next), 0u);
  EXPECT_EQ(next, 30100u);
  EXPECT_EQ(Service(30100, &next), 1u);
  EXPECT_EQ(cache.stats.expired, 1u);
  EXPECT_EQ(sol.sent.size(), 1u);
  EXPECT_EQ(Resolve(7, 30160), TERN_EAGAIN);  // resolves afresh
  EXPECT_EQ(sol.sent.size(), 2u);
}

// An entry used since its last confirmation is not freed when it expires
// but solicited again in its own entry, whatever the resolutions in
// progress: a flood of new next hops holding max_pending (and the free
// entries) cannot lock a neighbour in use (the gateway) out. It fails as
// any resolution when nobody answers.
TEST_F(Cache4, AnEntryInUseIsResolvedAgainInPlaceWhenItExpires) {
  Learn(1, 0);
  ASSERT_EQ(Resolve(1, 10), 0);  // in use
  Learn(2, 0);                   // not used
  ASSERT_EQ(Resolve(100, 29500), TERN_EAGAIN);
  ASSERT_EQ(Resolve(101, 29500), TERN_EAGAIN);
  ASSERT_EQ(Resolve(102, 29500), TERN_ENOMEM);  // max_pending: two
  sol.sent.clear();
  tern_time next = 1000000;
  EXPECT_EQ(Service(30000, &next), 1u);  // 2 expired
  ASSERT_EQ(sol.sent.size(), 1u);
  EXPECT_EQ(sol.sent[0][3], 1);
  EXPECT_EQ(cache.stats.expired, 1u);
  EXPECT_EQ(Resolve(1, 30000), TERN_EAGAIN);  // packets wait for the answer
  EXPECT_TRUE(Confirm(1, 30010));
  const uint8_t *ll = nullptr;
  EXPECT_EQ(Resolve(1, 30020, &ll), 0);
  EXPECT_EQ(0, std::memcmp(ll, Mac(1).data(), 6));
  for (tern_time t = 30500; t < 34000; t += 1000) {  // 100 and 101 fail
    tern_neigh_service(&cache, t, &next);
  }
  EXPECT_EQ(cache.stats.failed, 2u);
  // Used again, and this time nobody answers: three tries, then FREE.
  sol.sent.clear();
  EXPECT_EQ(Service(60010, &next), 0u);
  EXPECT_EQ(Service(61010, &next), 0u);
  EXPECT_EQ(Service(62010, &next), 0u);
  EXPECT_EQ(sol.sent.size(), 3u);
  EXPECT_EQ(Service(63010, &next), 1u);
  EXPECT_EQ(tern_neigh_find(&cache, Ip(1).data()), nullptr);
}

TEST_F(Cache4, AConfirmationRestartsTheExpiryAndUpdatesTheAddress) {
  Learn(7, 0);
  uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x99};
  EXPECT_TRUE(tern_neigh_confirm(&cache, Ip(7).data(), other, 20000, false));
  tern_time next = 1000000;
  EXPECT_EQ(Service(40000, &next), 0u);
  const uint8_t *ll = nullptr;
  ASSERT_EQ(Resolve(7, 40000, &ll), 0);
  EXPECT_EQ(0, std::memcmp(ll, other, 6));
}

TEST_F(Cache4, ResolutionsInProgressAreBoundedAndNeverEvictWorkingEntries) {
  // The gateway and three others are reachable; two entries are free.
  Learn(1, 0);
  Learn(2, 0);
  Learn(3, 0);
  Learn(4, 0);
  // A flood to unknown (spoofed) on-link addresses: two start, the rest
  // are refused, and no reachable entry is touched.
  int started = 0, refused = 0;
  for (uint8_t a = 100; a < 140; a++) {
    int rc = Resolve(a, 10);
    started += rc == TERN_EAGAIN;
    refused += rc == TERN_ENOMEM;
  }
  EXPECT_EQ(started, 2);
  EXPECT_EQ(refused, 38);
  EXPECT_EQ(cache.stats.refused, 38u);
  EXPECT_EQ(Count(TERN_NEIGH_REACHABLE), 4u);
  const uint8_t *ll = nullptr;
  EXPECT_EQ(Resolve(1, 20, &ll), 0);  // the gateway still answers at once
  // They fail in the end, and the entries are free again.
  tern_time next = 1000000;
  for (tern_time t = 1000; t <= 4000; t += 1000) {
    tern_neigh_service(&cache, t, &next);
  }
  EXPECT_EQ(Count(TERN_NEIGH_INCOMPLETE), 0u);
  EXPECT_EQ(Count(TERN_NEIGH_FREE), 2u);
  EXPECT_EQ(Resolve(1, 4000, &ll), 0);
}

// A router's resolution needs no turn among max_pending: with both turns
// kept by resolutions to unknown on-link addresses (answers to spoofed
// sources, one started as each fails), the gateway's entry, once freed,
// could not be resolved again (TERN_ENOMEM) for as long as they went on.
// It still needs a free entry, and still counts among the resolutions in
// progress for the others.
TEST_F(Cache4, ARoutersResolutionNeedsNoTurnAmongThoseInProgress) {
  Learn(1, 0);
  Learn(2, 0);
  Learn(3, 0);
  ASSERT_EQ(Resolve(100, 10), TERN_EAGAIN);
  ASSERT_EQ(Resolve(101, 10), TERN_EAGAIN);
  EXPECT_EQ(Resolve(102, 10), TERN_ENOMEM);  // not a router: no turn
  sol.sent.clear();
  EXPECT_EQ(Resolve(7, 20, nullptr, true), TERN_EAGAIN);
  ASSERT_EQ(sol.sent.size(), 1u);
  EXPECT_EQ(sol.sent[0][3], 7);
  EXPECT_EQ(Count(TERN_NEIGH_INCOMPLETE), 3u);
  EXPECT_EQ(Count(TERN_NEIGH_REACHABLE), 3u);  // no working entry touched
  EXPECT_EQ(Resolve(7, 30, nullptr, true), TERN_EAGAIN);  // nothing more
  EXPECT_EQ(sol.sent.size(), 1u);
  EXPECT_TRUE(Confirm(7, 40));  // took the last entry: 1 made room
  const uint8_t *ll = nullptr;
  EXPECT_EQ(Resolve(7, 50, &ll, true), 0);
  EXPECT_EQ(0, std::memcmp(ll, Mac(7).data(), 6));
  // With no free entry it is refused as any: a resolution never evicts a
  // working entry.
  EXPECT_EQ(Resolve(8, 60, nullptr, true), TERN_EAGAIN);
  EXPECT_EQ(Count(TERN_NEIGH_FREE), 0u);
  EXPECT_EQ(Resolve(9, 70, nullptr, true), TERN_ENOMEM);
  EXPECT_EQ(Count(TERN_NEIGH_REACHABLE), 3u);
  EXPECT_EQ(cache.stats.refused, 2u);
}

TEST_F(Cache4, ACompletedResolutionEvictsTheOldestWorkingEntryToKeepOneFree) {
  Learn(1, 0);
  Learn(2, 100);
  Learn(3, 200);
  Learn(4, 300);
  Learn(5, 400);  // one entry left free
  EXPECT_EQ(Count(TERN_NEIGH_FREE), 1u);
  ASSERT_EQ(Resolve(6, 500), TERN_EAGAIN);  // takes the last free entry
  EXPECT_TRUE(Confirm(6, 600));
  // 1 was confirmed longest ago: it made room for the next resolution.
  EXPECT_EQ(cache.stats.evicted, 1u);
  EXPECT_EQ(tern_neigh_find(&cache, Ip(1).data()), nullptr);
  EXPECT_NE(tern_neigh_find(&cache, Ip(2).data()), nullptr);
  EXPECT_EQ(Count(TERN_NEIGH_FREE), 1u);
}

TEST_F(Cache4, UnsolicitedAdditionsLeaveRoomForResolutions) {
  // Free entries: 6. Additions stop while max_pending (2) are free.
  int added = 0;
  for (uint8_t a = 10; a < 20; a++) {
    added += Confirm(a, 0, true);
  }
  EXPECT_EQ(added, 4);
  EXPECT_EQ(Count(TERN_NEIGH_FREE), 2u);
  EXPECT_EQ(Resolve(50, 1), TERN_EAGAIN);
  EXPECT_EQ(Resolve(51, 1), TERN_EAGAIN);
  // Without add, an unknown sender is not added at all.
  EXPECT_FALSE(Confirm(60, 2, false));
}

TEST_F(Cache4, ASolicitationThatCannotBeSentStillCountsAsATry) {
  sol.fail = true;
  EXPECT_EQ(Resolve(7, 0), TERN_EAGAIN);
  tern_time next = 100000;
  tern_neigh_service(&cache, 1000, &next);
  tern_neigh_service(&cache, 2000, &next);
  EXPECT_EQ(Service(3000, &next), 1u);
  EXPECT_EQ(cache.stats.solicit_fail, 3u);
  EXPECT_EQ(cache.stats.failed, 1u);
}

TEST_F(Cache4, DeadlinesWorkAcrossTheClockWrap) {
  tern_time t0 = 0xfffffc00u;
  ASSERT_EQ(Resolve(7, t0), TERN_EAGAIN);
  tern_time next = t0 + 100000;
  EXPECT_EQ(Service(t0 + 999, &next), 0u);
  EXPECT_EQ(next, t0 + 1000);
  EXPECT_EQ(Service(t0 + 1000, &next), 0u);
  EXPECT_EQ(sol.sent.size(), 2u);
}

// Flush (the link went down, or bounced) used to forget the resolutions
// too, and with them when each was last solicited: on a flapping link,
// the next packet after each bounce solicited the same address again at
// once (RFC 1122 2.3.2.1 allows one request a second). A resolution
// outlives the flush, on its own schedule.
TEST_F(Cache4, FlushKeepsTheResolutionsPace) {
  ASSERT_EQ(Resolve(2, 0), TERN_EAGAIN);
  ASSERT_EQ(sol.sent.size(), 1u);
  for (tern_time t = 100; t < 1000; t += 100) {
    tern_neigh_flush(&cache, t);
    EXPECT_EQ(Resolve(2, t), TERN_EAGAIN);
  }
  EXPECT_EQ(sol.sent.size(), 1u) << "solicited again within retry_ms";
  // The next solicitation at its time, and the resolution completes.
  tern_time next = 100000;
  EXPECT_EQ(Service(1000, &next), 0u);
  EXPECT_EQ(sol.sent.size(), 2u);
  EXPECT_TRUE(Confirm(2, 1100));
  EXPECT_EQ(cache.stats.resolved, 1u);
  // After the last solicitation, a flush does not reset the count either:
  // the resolution still fails in time.
  ASSERT_EQ(Resolve(3, 2000), TERN_EAGAIN);
  tern_neigh_service(&cache, 3000, &next);
  tern_neigh_service(&cache, 4000, &next);
  tern_neigh_flush(&cache, 4100);
  EXPECT_EQ(Resolve(3, 4500), TERN_EAGAIN);
  EXPECT_EQ(tern_neigh_find(&cache, Ip(3).data())->deadline, 5000u);
  next = 100000;
  tern_neigh_service(&cache, 5000, &next);
  EXPECT_EQ(tern_neigh_find(&cache, Ip(3).data()), nullptr);
  EXPECT_EQ(cache.stats.failed, 1u);
  EXPECT_EQ(sol.sent.size(), 5u);
}

// The same with a neighbour that answers: a flush freed every REACHABLE
// entry, so after each bounce the next packet started a new resolution
// and solicited at once, however recently the neighbour had answered. A
// flush now keeps the entry, its link address trusted for retry_ms more
// at most; then it is solicited again if in use (resolved again in
// place), or freed.
TEST_F(Cache4, FlushKeepsAnsweredEntriesForOneRetryAtMost) {
  Learn(1, 0);  // solicited at 0
  Learn(2, 0);
  const uint8_t *ll = nullptr;
  for (tern_time t = 100; t < 1000; t += 100) {
    tern_neigh_flush(&cache, t);
    ASSERT_EQ(Resolve(1, t, &ll), 0) << "forgotten at " << t;
    EXPECT_EQ(std::memcmp(ll, Mac(1).data(), 6), 0);
  }
  EXPECT_EQ(sol.sent.size(), 2u) << "solicited again within retry_ms";
  // 1 s after the first flush: 192.0.2.1, in use, is solicited again in
  // its own entry; 192.0.2.2, unused, is freed.
  tern_time next = 100000;
  EXPECT_EQ(Service(1099, &next), 0u);
  EXPECT_EQ(next, 1100u);
  EXPECT_EQ(Service(1100, &next), 1u);
  ASSERT_EQ(sol.sent.size(), 3u);
  EXPECT_EQ(sol.sent[2][3], 1);
  EXPECT_EQ(tern_neigh_find(&cache, Ip(2).data()), nullptr);
  EXPECT_EQ(Resolve(1, 1150), TERN_EAGAIN);
  EXPECT_TRUE(Confirm(1, 1200));
  EXPECT_EQ(Resolve(1, 1250, &ll), 0);
  // An entry confirmed long ago is not kept past one retry either.
  tern_neigh_flush(&cache, 20000);
  next = 100000;
  tern_neigh_service(&cache, 20000, &next);
  EXPECT_EQ(next, 21000u);
}

// A flush also brings to now + retry_ms a deadline so long past (the
// link down for weeks, the cache not serviced meanwhile, as the Ethernet
// adapter does) that it reads as the future across the clock's wrap.
TEST_F(Cache4, FlushAfterALongPauseSolicitsWithinOneRetry) {
  ASSERT_EQ(Resolve(2, 0), TERN_EAGAIN);
  tern_time later = 0x90000000u;  // past 2^31 ms: 1000 reads as ahead
  tern_neigh_flush(&cache, later);
  tern_time next = later + 100000;
  tern_neigh_service(&cache, later, &next);
  EXPECT_EQ(next, later + 1000);
  tern_neigh_service(&cache, later + 1000, &next);
  EXPECT_EQ(sol.sent.size(), 2u);
}

// Entries too small for their addresses are not a run-time error any
// more: the entries' type picks the address length, so the compiler
// refuses IPv4 entries for an IPv6 cache (and there is no other length).
static_assert(
    !std::is_invocable_v<decltype(&tern_neigh_cache_init6), tern_neigh_cache *,
                         tern_neighbour4 *, size_t, const tern_neigh_config *>,
    "IPv4 entries are too small for IPv6 addresses");
static_assert(
    std::is_invocable_v<decltype(&tern_neigh_cache_init6), tern_neigh_cache *,
                        tern_neighbour6 *, size_t, const tern_neigh_config *>,
    "the check above is about the entries' type only");

TEST(NeighbourCache, InitRefusesBadArguments) {
  tern_neighbour4 e4[4];
  tern_neighbour6 e6[4];
  tern_neigh_cache c;
  Solicits sol;
  const tern_neigh_proto p = {Solicits::Solicit, &sol};
  tern_neigh_config cfg = kConfig;
  cfg.proto = p;
  EXPECT_EQ(tern_neigh_cache_init4(&c, nullptr, 4, &cfg), TERN_EINVAL);
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 0, &cfg), TERN_EINVAL);
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 0x10000, &cfg), TERN_EINVAL);
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 4, nullptr), TERN_EINVAL);
  cfg.proto = {nullptr, nullptr};
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 4, &cfg), TERN_EINVAL);
  cfg.proto = p;
  cfg.max_pending = 4;  // would leave no working entry
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 4, &cfg), TERN_EINVAL);
  cfg.max_pending = 0;
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 4, &cfg), TERN_EINVAL);
  cfg = kConfig;
  cfg.proto = p;
  cfg.max_solicit = 0;
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 4, &cfg), TERN_EINVAL);
  cfg = kConfig;
  cfg.proto = p;
  EXPECT_EQ(tern_neigh_cache_init6(&c, e6, 4, &cfg), 0);
  cfg.max_pending = 1;
  EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 1, &cfg), 0);
}

// Deadlines are compared across the clock's wrap (tern_time_before), so a
// time of 2^31 ms or more reads as the past: a reachable_ms of UINT32_MAX
// ("never expire") was accepted and every confirmed entry then expired at
// the next service. Times of 0 and from 2^30 ms (12 days, the Ethernet
// adapter's timer horizon) are refused, and so is a NULL cache.
TEST(NeighbourCache, InitRefusesTimesTheClockCannotCompare) {
  tern_neighbour4 e4[4];
  tern_neigh_cache c;
  Solicits sol;
  tern_neigh_config cfg = kConfig;
  cfg.proto = {Solicits::Solicit, &sol};
  EXPECT_EQ(tern_neigh_cache_init4(nullptr, e4, 4, &cfg), TERN_EINVAL);
  for (uint32_t bad : {0u, 1u << 30, 0x80000000u, 0xffffffffu}) {
    tern_neigh_config t = cfg;
    t.reachable_ms = bad;
    EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 4, &t), TERN_EINVAL) << bad;
    t = cfg;
    t.retry_ms = bad;
    EXPECT_EQ(tern_neigh_cache_init4(&c, e4, 4, &t), TERN_EINVAL) << bad;
  }
  // The longest accepted still holds an entry until it is due.
  const uint32_t longest = (1u << 30) - 1;
  cfg.reachable_ms = longest;
  cfg.retry_ms = longest;
  ASSERT_EQ(tern_neigh_cache_init4(&c, e4, 4, &cfg), 0);
  const uint8_t ip[4] = {192, 0, 2, 7}, mac[6] = {2, 0, 0, 0, 0, 7};
  const uint8_t *ll = nullptr;
  tern_time t0 = 0xfffff000u;
  ASSERT_EQ(tern_neigh_resolve(&c, ip, t0, false, &ll), TERN_EAGAIN);
  ASSERT_TRUE(tern_neigh_confirm(&c, ip, mac, t0, false));
  tern_time next = t0 + 1;
  tern_neigh_service(&c, t0 + longest - 1, &next);
  ASSERT_NE(tern_neigh_find(&c, ip), nullptr);
  EXPECT_EQ(tern_neigh_find(&c, ip)->state, TERN_NEIGH_REACHABLE);
  tern_neigh_service(&c, t0 + longest, &next);
  EXPECT_EQ(tern_neigh_find(&c, ip), nullptr);
}

TEST(NeighbourCache, SixteenByteAddressesForIpv6) {
  tern_neighbour6 e6[3];
  tern_neigh_cache c;
  Solicits sol;
  sol.len = 16;
  tern_neigh_config cfg = {1000, 30000, 3, 1, {Solicits::Solicit, &sol}};
  ASSERT_EQ(tern_neigh_cache_init6(&c, e6, 3, &cfg), 0);
  uint8_t a[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  uint8_t b[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  const uint8_t *ll = nullptr;
  EXPECT_EQ(tern_neigh_resolve(&c, a, 0, false, &ll), TERN_EAGAIN);
  ASSERT_EQ(sol.sent.size(), 1u);
  EXPECT_EQ(0, std::memcmp(sol.sent[0].data(), a, 16));
  // The two addresses differ only in the last byte: they are different
  // neighbours.
  EXPECT_EQ(tern_neigh_find(&c, b), nullptr);
  uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
  EXPECT_TRUE(tern_neigh_confirm(&c, a, mac, 5, false));
  ASSERT_EQ(tern_neigh_resolve(&c, a, 6, false, &ll), 0);
  EXPECT_EQ(0, std::memcmp(ll, mac, 6));
}

}  // namespace
