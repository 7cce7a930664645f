#include "tern/pkt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "executor/test_waker.h"
#include "tern/waitq.h"

namespace {

using tern_test::CountingWaker;

// The header is three words on 64-bit hosts (two pointers and two 16-bit
// offsets and a 4-byte next hop) and 16 bytes on 32-bit targets (checked in
// pkt.c).
static_assert(sizeof(tern_pkt) == 2 * sizeof(void *) + sizeof(void *),
              "tern_pkt grew");

TERN_PKT_POOL_DEFINE(small_pool, 3, 64);

// Snapshot of a packet's visible state.
struct View {
  const uint8_t *data;
  size_t len, headroom, tailroom;
  bool operator==(const View &o) const {
    return data == o.data && len == o.len && headroom == o.headroom &&
           tailroom == o.tailroom;
  }
};

View Look(const tern_pkt *p) {
  return View{tern_pkt_data(p), tern_pkt_len(p), tern_pkt_headroom(p),
              tern_pkt_tailroom(p)};
}

// A fresh pool of `count` packets of `buf` bytes over vector storage.
class Pool {
 public:
  Pool(size_t count, size_t buf)
      : storage_(TERN_PKT_POOL_STORAGE_SIZE(count, buf) / sizeof(uint64_t) +
                 1) {
    int n = tern_pkt_pool_init(&pool, storage_.data(),
                               TERN_PKT_POOL_STORAGE_SIZE(count, buf), buf);
    EXPECT_EQ(n, static_cast<int>(count));
  }
  tern_pkt_pool pool;

 private:
  std::vector<uint64_t> storage_;
};

TEST(Pkt, FreshPacketIsEmptyWithWholeBufferAsTailroom) {
  Pool p(1, 100);
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_NE(pkt, nullptr);
  EXPECT_EQ(tern_pkt_len(pkt), 0u);
  EXPECT_EQ(tern_pkt_headroom(pkt), 0u);
  EXPECT_EQ(tern_pkt_tailroom(pkt), 100u);
  EXPECT_EQ(tern_pkt_capacity(pkt), 100u);
  EXPECT_EQ(pkt->next, nullptr);
  tern_pkt_free(pkt);
}

TEST(Pkt, ReserveSetsHeadroomOnEmptyPacketOnly) {
  Pool p(1, 100);
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_EQ(tern_pkt_reserve(pkt, 42), 0);
  EXPECT_EQ(tern_pkt_headroom(pkt), 42u);
  EXPECT_EQ(tern_pkt_tailroom(pkt), 58u);
  // Absolute, not cumulative.
  ASSERT_EQ(tern_pkt_reserve(pkt, 10), 0);
  EXPECT_EQ(tern_pkt_headroom(pkt), 10u);
  // The whole buffer as headroom is allowed; one more is not.
  ASSERT_EQ(tern_pkt_reserve(pkt, 100), 0);
  EXPECT_EQ(tern_pkt_tailroom(pkt), 0u);
  View before = Look(pkt);
  EXPECT_EQ(tern_pkt_reserve(pkt, 101), TERN_ENOSPC);
  EXPECT_EQ(tern_pkt_reserve(pkt, SIZE_MAX), TERN_ENOSPC);
  EXPECT_TRUE(Look(pkt) == before);
  // With data in it, reserve refuses and changes nothing.
  ASSERT_EQ(tern_pkt_reserve(pkt, 20), 0);
  ASSERT_NE(tern_pkt_put(pkt, 5), nullptr);
  before = Look(pkt);
  EXPECT_EQ(tern_pkt_reserve(pkt, 0), TERN_EINVAL);
  EXPECT_TRUE(Look(pkt) == before);
  // Emptied again with trim, it can be reserved again.
  ASSERT_EQ(tern_pkt_trim(pkt, 0), 0);
  EXPECT_EQ(tern_pkt_reserve(pkt, 30), 0);
  EXPECT_EQ(tern_pkt_headroom(pkt), 30u);
  tern_pkt_free(pkt);
}

TEST(Pkt, PushUsesHeadroomExactlyAndNoMore) {
  Pool p(1, 64);
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_EQ(tern_pkt_reserve(pkt, 14), 0);
  uint8_t *payload = tern_pkt_put(pkt, 4);
  ASSERT_NE(payload, nullptr);
  memcpy(payload, "data", 4);

  uint8_t *h = tern_pkt_push(pkt, 10);
  ASSERT_EQ(h, payload - 10);
  EXPECT_EQ(tern_pkt_len(pkt), 14u);
  EXPECT_EQ(tern_pkt_headroom(pkt), 4u);
  View before = Look(pkt);
  EXPECT_EQ(tern_pkt_push(pkt, 5), nullptr);
  EXPECT_EQ(tern_pkt_push(pkt, SIZE_MAX), nullptr);
  EXPECT_TRUE(Look(pkt) == before);
  h = tern_pkt_push(pkt, 4);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(tern_pkt_headroom(pkt), 0u);
  EXPECT_EQ(tern_pkt_push(pkt, 1), nullptr);
  EXPECT_EQ(tern_pkt_len(pkt), 18u);
  // Pushing 0 is allowed and returns the current data.
  EXPECT_EQ(tern_pkt_push(pkt, 0), tern_pkt_data(pkt));
  EXPECT_EQ(memcmp(tern_pkt_data(pkt) + 14, "data", 4), 0);
  tern_pkt_free(pkt);
}

TEST(Pkt, PutFillsTailroomExactlyAndNoMore) {
  Pool p(1, 32);
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_EQ(tern_pkt_reserve(pkt, 8), 0);
  uint8_t *a = tern_pkt_put(pkt, 20);
  ASSERT_EQ(a, tern_pkt_data(pkt));
  uint8_t *b = tern_pkt_put(pkt, 4);
  ASSERT_EQ(b, a + 20);
  EXPECT_EQ(tern_pkt_tailroom(pkt), 0u);
  View before = Look(pkt);
  EXPECT_EQ(tern_pkt_put(pkt, 1), nullptr);
  EXPECT_EQ(tern_pkt_put(pkt, SIZE_MAX), nullptr);
  EXPECT_TRUE(Look(pkt) == before);
  // Every byte the packet claims is writable (ASan would catch an
  // overflow of the pool's storage only at its end; the next test checks
  // neighbours).
  memset(tern_pkt_data(pkt), 0xAB, tern_pkt_len(pkt));
  tern_pkt_free(pkt);
}

TEST(Pkt, PullStripsAtMostTheData) {
  Pool p(1, 32);
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&p.pool);
  uint8_t *d = tern_pkt_put(pkt, 10);
  for (int i = 0; i < 10; i++)
    d[i] = static_cast<uint8_t>(i);
  uint8_t *rest = tern_pkt_pull(pkt, 3);
  ASSERT_EQ(rest, d + 3);
  EXPECT_EQ(rest[0], 3);
  EXPECT_EQ(tern_pkt_len(pkt), 7u);
  EXPECT_EQ(tern_pkt_headroom(pkt), 3u);
  View before = Look(pkt);
  EXPECT_EQ(tern_pkt_pull(pkt, 8), nullptr);
  EXPECT_EQ(tern_pkt_pull(pkt, SIZE_MAX), nullptr);
  EXPECT_TRUE(Look(pkt) == before);
  // The stripped header can be pushed back: the bytes are still there.
  uint8_t *again = tern_pkt_push(pkt, 3);
  ASSERT_EQ(again, d);
  EXPECT_EQ(again[0], 0);
  ASSERT_NE(tern_pkt_pull(pkt, 10), nullptr);
  EXPECT_EQ(tern_pkt_len(pkt), 0u);
  EXPECT_EQ(tern_pkt_pull(pkt, 1), nullptr);
  tern_pkt_free(pkt);
}

TEST(Pkt, TrimShortensOnly) {
  Pool p(1, 32);
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_NE(tern_pkt_put(pkt, 20), nullptr);
  View before = Look(pkt);
  EXPECT_EQ(tern_pkt_trim(pkt, 21), TERN_EINVAL);
  EXPECT_EQ(tern_pkt_trim(pkt, SIZE_MAX), TERN_EINVAL);
  EXPECT_TRUE(Look(pkt) == before);
  EXPECT_EQ(tern_pkt_trim(pkt, 20), 0);
  EXPECT_EQ(tern_pkt_len(pkt), 20u);
  EXPECT_EQ(tern_pkt_trim(pkt, 12), 0);
  EXPECT_EQ(tern_pkt_len(pkt), 12u);
  EXPECT_EQ(tern_pkt_tailroom(pkt), 20u);
  tern_pkt_free(pkt);
}

// A UDP-over-IPv4-over-Ethernet frame built top-down in place, then taken
// apart bottom-up on "receive": no copies, headers where a peer expects.
TEST(Pkt, LayersPrependAndStripInPlace) {
  Pool p(1, 128);
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_EQ(tern_pkt_reserve(pkt, 14 + 20 + 8), 0);
  memcpy(tern_pkt_put(pkt, 2), "hi", 2);
  memset(tern_pkt_push(pkt, 8), 0x08, 8);    // UDP
  memset(tern_pkt_push(pkt, 20), 0x45, 20);  // IPv4
  memset(tern_pkt_push(pkt, 14), 0xEE, 14);  // Ethernet
  EXPECT_EQ(tern_pkt_headroom(pkt), 0u);
  ASSERT_EQ(tern_pkt_len(pkt), 44u);
  std::vector<uint8_t> wire(tern_pkt_data(pkt), tern_pkt_data(pkt) + 44);
  std::vector<uint8_t> want;
  want.insert(want.end(), 14, 0xEE);
  want.insert(want.end(), 20, 0x45);
  want.insert(want.end(), 8, 0x08);
  want.push_back('h');
  want.push_back('i');
  EXPECT_EQ(wire, want);
  ASSERT_NE(tern_pkt_pull(pkt, 14), nullptr);
  EXPECT_EQ(tern_pkt_data(pkt)[0], 0x45);
  ASSERT_NE(tern_pkt_pull(pkt, 20 + 8), nullptr);
  EXPECT_EQ(memcmp(tern_pkt_data(pkt), "hi", 2), 0);
  tern_pkt_free(pkt);
}

// Random edge moves against a model of (headroom, len, bytes): every
// result, refusal and byte must match, and nothing may leave the buffer
// (ASan watches the pool's storage, which ends right after the buffer).
TEST(Pkt, RandomEdgeMovesMatchAModel) {
  const size_t cap = 48;
  std::vector<uint64_t> storage(TERN_PKT_STRIDE(cap) / sizeof(uint64_t));
  tern_pkt_pool pool;
  ASSERT_EQ(tern_pkt_pool_init(&pool, storage.data(),
                               storage.size() * sizeof(uint64_t), cap),
            1);
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
  const uint8_t *buf = tern_pkt_data(p);
  size_t head = 0, len = 0;
  std::vector<uint8_t> model(cap, 0);
  uint32_t x = 2463534242u;
  auto rnd = [&x](uint32_t n) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x % n;
  };
  for (int step = 0; step < 20000; step++) {
    size_t n = rnd(4) == 0 ? SIZE_MAX - rnd(3) : rnd(cap + 8);
    switch (rnd(5)) {
      case 0: {  // push, writing the new header
        uint8_t *h = tern_pkt_push(p, n);
        if (n > head) {
          ASSERT_EQ(h, nullptr);
          break;
        }
        head -= n;
        len += n;
        ASSERT_EQ(h, buf + head);
        for (size_t i = 0; i < n; i++) {
          h[i] = model[head + i] = static_cast<uint8_t>(rnd(256));
        }
        break;
      }
      case 1: {  // pull
        uint8_t *d = tern_pkt_pull(p, n);
        if (n > len) {
          ASSERT_EQ(d, nullptr);
          break;
        }
        head += n;
        len -= n;
        ASSERT_EQ(d, buf + head);
        break;
      }
      case 2: {  // put, writing the new tail
        uint8_t *t = tern_pkt_put(p, n);
        if (n > cap - head - len) {
          ASSERT_EQ(t, nullptr);
          break;
        }
        ASSERT_EQ(t, buf + head + len);
        for (size_t i = 0; i < n; i++) {
          t[i] = model[head + len + i] = static_cast<uint8_t>(rnd(256));
        }
        len += n;
        break;
      }
      case 3: {  // trim
        int r = tern_pkt_trim(p, n);
        if (n > len) {
          ASSERT_EQ(r, TERN_EINVAL);
        } else {
          ASSERT_EQ(r, 0);
          len = n;
        }
        break;
      }
      case 4: {  // reserve
        int r = tern_pkt_reserve(p, n);
        if (len != 0) {
          ASSERT_EQ(r, TERN_EINVAL);
        } else if (n > cap) {
          ASSERT_EQ(r, TERN_ENOSPC);
        } else {
          ASSERT_EQ(r, 0);
          head = n;
        }
        break;
      }
    }
    ASSERT_EQ(tern_pkt_data(p), buf + head) << "step " << step;
    ASSERT_EQ(tern_pkt_len(p), len);
    ASSERT_EQ(tern_pkt_headroom(p), head);
    ASSERT_EQ(tern_pkt_tailroom(p), cap - head - len);
    ASSERT_EQ(memcmp(tern_pkt_data(p), model.data() + head, len), 0);
  }
  tern_pkt_free(p);
}

TEST(PktPool, DefinedPoolWorksWithoutInit) {
  EXPECT_EQ(tern_pkt_pool_available(&small_pool), 3u);
  tern_pkt *a = tern_pkt_pool_try_alloc(&small_pool);
  tern_pkt *b = tern_pkt_pool_try_alloc(&small_pool);
  tern_pkt *c = tern_pkt_pool_try_alloc(&small_pool);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(tern_pkt_capacity(a), 64u);
  // Buffers are disjoint: filling each completely leaves the others (and
  // their headers) intact.
  tern_pkt *all[] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    memset(tern_pkt_put(all[i], 64), 0x10 + i, 64);
  }
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(tern_pkt_len(all[i]), 64u);
    ASSERT_EQ(all[i]->pool, &small_pool);
    for (int j = 0; j < 64; j++) {
      ASSERT_EQ(tern_pkt_data(all[i])[j], 0x10 + i);
    }
  }
  EXPECT_EQ(tern_pkt_pool_try_alloc(&small_pool), nullptr);
  tern_pkt_pool_stats st = tern_pkt_pool_get_stats(&small_pool);
  EXPECT_EQ(st.allocs, 3u);
  EXPECT_EQ(st.failures, 1u);
  EXPECT_EQ(st.low_water, 0u);
  for (tern_pkt *p : all)
    tern_pkt_free(p);
  EXPECT_EQ(tern_pkt_pool_available(&small_pool), 3u);
  st = tern_pkt_pool_get_stats(&small_pool);
  EXPECT_EQ(st.frees, 3u);
}

TEST(PktPool, InitRejectsBadStorage) {
  alignas(8) static uint8_t storage[256];
  tern_pkt_pool pool;
  EXPECT_EQ(tern_pkt_pool_init(&pool, storage, sizeof storage, 0), TERN_EINVAL);
  EXPECT_EQ(
      tern_pkt_pool_init(&pool, storage, sizeof storage, TERN_PKT_MAX_BUF + 1),
      TERN_EINVAL);
  EXPECT_EQ(tern_pkt_pool_init(&pool, storage + 1, sizeof storage - 1, 16),
            TERN_EINVAL);
  EXPECT_EQ(tern_pkt_pool_init(&pool, storage, sizeof storage, 256),
            TERN_EINVAL);  // not even one header + buffer fits
  EXPECT_EQ(tern_pkt_pool_init(&pool, nullptr, 0, 16), TERN_EINVAL);
  // No pool to set up: refused like no storage (before, a crash).
  EXPECT_EQ(tern_pkt_pool_init(nullptr, storage, sizeof storage, 16),
            TERN_EINVAL);
  int n = tern_pkt_pool_init(&pool, storage, sizeof storage, 40);
  EXPECT_EQ(n, static_cast<int>(sizeof storage / TERN_PKT_STRIDE(40)));
  EXPECT_EQ(tern_pkt_pool_available(&pool), static_cast<size_t>(n));
}

TEST(PktPool, FreeOfNullAndDoubleFreeAreHarmless) {
  Pool p(2, 16);
  tern_pkt_free(nullptr);
  tern_pkt *a = tern_pkt_pool_try_alloc(&p.pool);
  tern_pkt_free(a);
  tern_pkt_free(a);  // ignored, counted
  EXPECT_EQ(tern_pkt_pool_get_stats(&p.pool).bad_frees, 1u);
  EXPECT_EQ(tern_pkt_pool_available(&p.pool), 2u);
  // The free list is intact: both packets come out, distinct, then none.
  tern_pkt *x = tern_pkt_pool_try_alloc(&p.pool);
  tern_pkt *y = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_NE(x, nullptr);
  ASSERT_NE(y, nullptr);
  EXPECT_NE(x, y);
  EXPECT_EQ(tern_pkt_pool_try_alloc(&p.pool), nullptr);
  tern_pkt_free(x);
  tern_pkt_free(y);
}

TEST(PktPool, LowWaterMarkTracksFewestFree) {
  Pool p(4, 16);
  tern_pkt *a = tern_pkt_pool_try_alloc(&p.pool);
  tern_pkt *b = tern_pkt_pool_try_alloc(&p.pool);
  tern_pkt_free(a);
  tern_pkt_free(b);
  tern_pkt *c = tern_pkt_pool_try_alloc(&p.pool);
  EXPECT_EQ(tern_pkt_pool_get_stats(&p.pool).low_water, 2u);
  tern_pkt_free(c);
}

TEST(PktPool, PollAllocIsReadyAtOnceWhenFree) {
  Pool p(1, 16);
  CountingWaker w;
  tern_cx cx = w.Cx();
  tern_waiter waiter = TERN_WAITER_INIT;
  tern_pkt *pkt = nullptr;
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx, &waiter, &pkt), TERN_READY);
  ASSERT_NE(pkt, nullptr);
  EXPECT_EQ(tern_pkt_pool_get_stats(&p.pool).waits, 0u);
  tern_pkt_free(pkt);
  EXPECT_EQ(w.wakes, 0);
}

// Three tasks wait on an exhausted pool; each free wakes exactly one of
// them, oldest first, and keeps the packet for it.
TEST(PktPool, ExhaustedPoolMakesAllocWaitAndFreeWakesOneInOrder) {
  Pool p(2, 16);
  tern_pkt *held[2];
  for (tern_pkt *&h : held) {
    h = tern_pkt_pool_try_alloc(&p.pool);
    ASSERT_NE(h, nullptr);
  }
  CountingWaker w[3];
  tern_cx cx[3] = {w[0].Cx(), w[1].Cx(), w[2].Cx()};
  tern_waiter waiter[3] = {TERN_WAITER_INIT, TERN_WAITER_INIT,
                           TERN_WAITER_INIT};
  tern_pkt *got[3] = {nullptr, nullptr, nullptr};
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[i], &waiter[i], &got[i]),
              TERN_PENDING);
#ifndef NDEBUG
    EXPECT_GT(cx[i].waker_uses, 0u) << "PENDING without taking the waker";
#endif
  }
  EXPECT_EQ(tern_pkt_pool_get_stats(&p.pool).waits, 3u);
  // Polling again while queued stays PENDING and wakes nobody.
  EXPECT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[1], &waiter[1], &got[1]),
            TERN_PENDING);
  EXPECT_EQ(w[0].wakes + w[1].wakes + w[2].wakes, 0);

  tern_pkt_free(held[0]);
  EXPECT_EQ(w[0].Take(), 1);
  EXPECT_EQ(w[1].wakes, 0);
  EXPECT_EQ(w[2].wakes, 0);
  // The freed packet is kept for waiter 0: a newcomer cannot take it,
  // with or without waiting, and waiter 1 is still not served.
  EXPECT_EQ(tern_pkt_pool_try_alloc(&p.pool), nullptr);
  EXPECT_EQ(tern_pkt_pool_get_stats(&p.pool).failures, 1u);
  EXPECT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[1], &waiter[1], &got[1]),
            TERN_PENDING);
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[0], &waiter[0], &got[0]),
            TERN_READY);
  ASSERT_EQ(got[0], held[0]);  // the very buffer that was freed
  EXPECT_EQ(tern_pkt_len(got[0]), 0u);
  EXPECT_EQ(tern_pkt_headroom(got[0]), 0u);

  tern_pkt_free(held[1]);
  EXPECT_EQ(w[1].Take(), 1);
  EXPECT_EQ(w[2].wakes, 0);
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[1], &waiter[1], &got[1]),
            TERN_READY);

  tern_pkt_free(got[0]);
  EXPECT_EQ(w[2].Take(), 1);
  EXPECT_EQ(w[0].wakes + w[1].wakes, 0);
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[2], &waiter[2], &got[2]),
            TERN_READY);
  // Waiters are reusable after READY.
  EXPECT_FALSE(waiter[2].queued);
  EXPECT_FALSE(waiter[2].woken);

  tern_pkt_free(got[1]);
  tern_pkt_free(got[2]);
  EXPECT_EQ(tern_pkt_pool_available(&p.pool), 2u);
  EXPECT_EQ(w[0].wakes + w[1].wakes + w[2].wakes, 0);
}

TEST(PktPool, NewcomerQueuesBehindWaitersEvenAfterAFree) {
  Pool p(1, 16);
  tern_pkt *held = tern_pkt_pool_try_alloc(&p.pool);
  CountingWaker w0, w1;
  tern_cx cx0 = w0.Cx(), cx1 = w1.Cx();
  tern_waiter a = TERN_WAITER_INIT, b = TERN_WAITER_INIT;
  tern_pkt *pa = nullptr, *pb = nullptr;
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx0, &a, &pa), TERN_PENDING);
  tern_pkt_free(held);
  EXPECT_EQ(w0.Take(), 1);
  // b arrives after the free but before a polls: it must wait.
  EXPECT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx1, &b, &pb), TERN_PENDING);
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx0, &a, &pa), TERN_READY);
  tern_pkt_free(pa);
  EXPECT_EQ(w1.Take(), 1);
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx1, &b, &pb), TERN_READY);
  tern_pkt_free(pb);
}

TEST(PktPool, CancelledWaiterPassesItsPacketOn) {
  Pool p(1, 16);
  tern_pkt *held = tern_pkt_pool_try_alloc(&p.pool);
  CountingWaker w[3];
  tern_cx cx[3] = {w[0].Cx(), w[1].Cx(), w[2].Cx()};
  tern_waiter waiter[3] = {TERN_WAITER_INIT, TERN_WAITER_INIT,
                           TERN_WAITER_INIT};
  tern_pkt *got = nullptr;
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[i], &waiter[i], &got),
              TERN_PENDING);
  }
  // Waiter 1 gives up while still queued: it is simply removed.
  tern_pkt_pool_cancel_alloc(&p.pool, &waiter[1]);
  EXPECT_EQ(w[1].wakes, 0);
  // Waiter 0 is woken, then gives up: the packet goes to waiter 2.
  tern_pkt_free(held);
  EXPECT_EQ(w[0].Take(), 1);
  tern_pkt_pool_cancel_alloc(&p.pool, &waiter[0]);
  EXPECT_EQ(w[1].wakes, 0);
  EXPECT_EQ(w[2].Take(), 1);
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx[2], &waiter[2], &got),
            TERN_READY);
  ASSERT_NE(got, nullptr);
  tern_pkt_free(got);
  EXPECT_EQ(w[0].wakes + w[1].wakes + w[2].wakes, 0);
}

TEST(PktPool, CancelledLastWaiterReturnsThePacketToThePool) {
  Pool p(1, 16);
  tern_pkt *held = tern_pkt_pool_try_alloc(&p.pool);
  CountingWaker w;
  tern_cx cx = w.Cx();
  tern_waiter waiter = TERN_WAITER_INIT;
  tern_pkt *got = nullptr;
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx, &waiter, &got),
            TERN_PENDING);
  tern_pkt_free(held);
  EXPECT_EQ(w.Take(), 1);
  tern_pkt_pool_cancel_alloc(&p.pool, &waiter);
  // Nobody is waiting: the packet is free for anyone, try_alloc included.
  tern_pkt *again = tern_pkt_pool_try_alloc(&p.pool);
  ASSERT_NE(again, nullptr);
  tern_pkt_free(again);
  // Cancelling an idle waiter is a no-op.
  tern_pkt_pool_cancel_alloc(&p.pool, &waiter);
  EXPECT_EQ(tern_pkt_pool_available(&p.pool), 1u);
}

// try_alloc_tx hands out what poll_alloc would at once, without waiting:
// never the receive reserve (try_alloc's), never a packet kept for a
// woken waiter; NULL is no failure.
TEST(PktPool, TryAllocTxLeavesTheReserveAndKeptPackets) {
  Pool p(4, 16);
  tern_pkt_pool_set_rx_reserve(&p.pool, 1);
  tern_pkt *tx[3];
  for (tern_pkt *&t : tx) {
    t = tern_pkt_pool_try_alloc_tx(&p.pool);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(tern_pkt_len(t), 0u);
    EXPECT_EQ(tern_pkt_headroom(t), 0u);
  }
  EXPECT_EQ(tern_pkt_pool_try_alloc_tx(&p.pool), nullptr) << "the reserve";
  EXPECT_EQ(tern_pkt_pool_get_stats(&p.pool).failures, 0u);
  tern_pkt *rx = tern_pkt_pool_try_alloc(&p.pool);  // the receive path's
  ASSERT_NE(rx, nullptr);
  // A sender waits; the packet freed for it is kept for it.
  CountingWaker w;
  tern_cx cx = w.Cx();
  tern_waiter waiter = TERN_WAITER_INIT;
  tern_pkt *got = nullptr;
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx, &waiter, &got),
            TERN_PENDING);
  tern_pkt_free(tx[0]);
  tern_pkt_free(rx);
  EXPECT_EQ(w.Take(), 1);
  EXPECT_EQ(tern_pkt_pool_try_alloc_tx(&p.pool), nullptr)
      << "one kept for the waiter, one the reserve";
  ASSERT_EQ(tern_pkt_pool_poll_alloc(&p.pool, &cx, &waiter, &got), TERN_READY);
  tern_pkt_free(tx[1]);
  tern_pkt *again = tern_pkt_pool_try_alloc_tx(&p.pool);
  EXPECT_EQ(again, tx[1]);
  tern_pkt_free(again);
  tern_pkt_free(tx[2]);
  tern_pkt_free(got);
  EXPECT_EQ(tern_pkt_pool_available(&p.pool), 4u);
}

}  // namespace
