#include "tern/netdev.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "executor/test_waker.h"
#include "tern/memnetdev.h"
#include "tern/pkt.h"

namespace {

using tern_test::CountingWaker;

TERN_PKT_POOL_DEFINE(pool, 8, 1600);

class MemNetdev : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(tern_pkt_pool_available(&pool), 8u) << "a test leaked";
    tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
    cfg.queue_len = 2;
    Init(cfg);
  }
  void TearDown() override {
    tern_memnetdev_close(&pair_);
    EXPECT_EQ(tern_pkt_pool_available(&pool), 8u) << "packets leaked";
  }
  void Init(const tern_memnetdev_config &cfg) {
    tern_memnetdev_init(&pair_, &cfg);
    a_ = tern_memnetdev_a(&pair_);
    b_ = tern_memnetdev_b(&pair_);
  }

  // A packet with `headroom` reserved and `body` as its data.
  tern_pkt *Make(const std::string &body, size_t headroom = 0) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
    EXPECT_NE(p, nullptr);
    EXPECT_EQ(tern_pkt_reserve(p, headroom), 0);
    uint8_t *d = tern_pkt_put(p, body.size());
    EXPECT_NE(d, nullptr);
    memcpy(d, body.data(), body.size());
    return p;
  }

  std::string Body(const tern_pkt *p) {
    return std::string(reinterpret_cast<const char *>(tern_pkt_data(p)),
                       tern_pkt_len(p));
  }

  // Polls a send once: the error code when READY, or 1 for PENDING.
  int Send(const tern_netdev &d, CountingWaker &w, tern_pkt *p) {
    tern_cx cx = w.Cx();
    int err = 12345;
    if (tern_netdev_poll_send(&d, &cx, p, &err) == TERN_PENDING) {
#ifndef NDEBUG
      EXPECT_GT(cx.waker_uses, 0u);
#endif
      return 1;
    }
    return err;
  }

  // Polls a receive once: the packet, or nullptr for PENDING (or error,
  // stored in *err).
  tern_pkt *Recv(const tern_netdev &d, CountingWaker &w, int *err = nullptr) {
    tern_cx cx = w.Cx();
    tern_pkt *p = nullptr;
    int e = 12345;
    tern_poll r = tern_netdev_poll_recv(&d, &cx, &p, &e);
    if (err != nullptr)
      *err = r == TERN_PENDING ? 1 : e;
    if (r == TERN_PENDING) {
#ifndef NDEBUG
      EXPECT_GT(cx.waker_uses, 0u);
#endif
      return nullptr;
    }
    if (e == 0) {
      EXPECT_NE(p, nullptr);
    } else {
      EXPECT_EQ(p, nullptr);
    }
    return p;
  }

  tern_memnetdev_pair pair_;
  tern_netdev a_, b_;
  CountingWaker wa_, wb_;
};

TEST_F(MemNetdev, ReportsConfiguredInfo) {
  tern_netdev_info ia = tern_netdev_get_info(&a_);
  tern_netdev_info ib = tern_netdev_get_info(&b_);
  EXPECT_EQ(ia.mtu, 1514);
  EXPECT_EQ(ia.medium, TERN_MEDIUM_ETHERNET);
  EXPECT_EQ(ia.headroom, 0);
  const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
  const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
  EXPECT_EQ(memcmp(ia.mac, mac_a, 6), 0);
  EXPECT_EQ(memcmp(ib.mac, mac_b, 6), 0);

  tern_memnetdev_config ip = TERN_MEMNETDEV_CONFIG_IP;
  ip.mtu = 1006;
  ip.headroom = 4;
  Init(ip);
  ia = tern_netdev_get_info(&a_);
  EXPECT_EQ(ia.mtu, 1006);
  EXPECT_EQ(ia.headroom, 4);
  EXPECT_EQ(ia.medium, TERN_MEDIUM_IP);
  const uint8_t zero[6] = {0, 0, 0, 0, 0, 0};
  EXPECT_EQ(memcmp(ia.mac, zero, 6), 0);
}

TEST_F(MemNetdev, PacketsArriveInOrderAndOwnershipMovesWithoutCopies) {
  tern_pkt *p1 = Make("first");
  tern_pkt *p2 = Make("second");
  ASSERT_EQ(Send(a_, wa_, p1), 0);
  ASSERT_EQ(Send(a_, wa_, p2), 0);
  EXPECT_EQ(tern_memnetdev_pending_ab(&pair_), 2u);
  EXPECT_EQ(tern_memnetdev_pending_ba(&pair_), 0u);
  // Nothing comes back to the sender's own receive side.
  EXPECT_EQ(Recv(a_, wa_), nullptr);
  tern_pkt *r1 = Recv(b_, wb_);
  tern_pkt *r2 = Recv(b_, wb_);
  ASSERT_EQ(r1, p1);  // the same buffer, handed over
  ASSERT_EQ(r2, p2);
  EXPECT_EQ(Body(r1), "first");
  EXPECT_EQ(Body(r2), "second");
  EXPECT_EQ(r1->next, nullptr);
  EXPECT_EQ(Recv(b_, wb_), nullptr);
  // Out of the pool while the receiver holds them; back once freed.
  EXPECT_EQ(tern_pkt_pool_available(&pool), 6u);
  tern_pkt_free(r1);
  tern_pkt_free(r2);

  const tern_netdev_stats *sa = tern_netdev_get_stats(&a_);
  const tern_netdev_stats *sb = tern_netdev_get_stats(&b_);
  ASSERT_NE(sa, nullptr);
  EXPECT_EQ(sa->tx_packets, 2u);
  EXPECT_EQ(sa->tx_bytes, 11u);
  EXPECT_EQ(sa->rx_packets, 0u);
  EXPECT_EQ(sb->rx_packets, 2u);
  EXPECT_EQ(sb->rx_bytes, 11u);
}

TEST_F(MemNetdev, EmptyQueueMakesReceiveWaitAndASendWakesIt) {
  EXPECT_EQ(Recv(b_, wb_), nullptr);
  EXPECT_EQ(wb_.wakes, 0);
  ASSERT_EQ(Send(a_, wa_, Make("x")), 0);
  EXPECT_EQ(wb_.Take(), 1);
  tern_pkt *r = Recv(b_, wb_);
  ASSERT_NE(r, nullptr);
  tern_pkt_free(r);
}

TEST_F(MemNetdev, FullQueueMakesSendWaitAndTheCallerKeepsThePacket) {
  ASSERT_EQ(Send(a_, wa_, Make("1")), 0);
  ASSERT_EQ(Send(a_, wa_, Make("2")), 0);
  tern_pkt *p3 = Make("3");
  ASSERT_EQ(Send(a_, wa_, p3), 1);  // PENDING
  EXPECT_EQ(tern_memnetdev_pending_ab(&pair_), 2u);
  EXPECT_EQ(tern_netdev_get_stats(&a_)->tx_packets, 2u);
  // Still ours: we may change it before trying again.
  memcpy(tern_pkt_data(p3), "4", 1);
  EXPECT_EQ(wa_.wakes, 0);
  tern_pkt *r = Recv(b_, wb_);
  EXPECT_EQ(Body(r), "1");
  tern_pkt_free(r);
  EXPECT_EQ(wa_.Take(), 1);  // room again
  ASSERT_EQ(Send(a_, wa_, p3), 0);
  r = Recv(b_, wb_);
  EXPECT_EQ(Body(r), "2");
  tern_pkt_free(r);
  r = Recv(b_, wb_);
  EXPECT_EQ(Body(r), "4");
  tern_pkt_free(r);
}

TEST_F(MemNetdev, OversizedPacketIsFreedAndRefused) {
  std::string mtu(1514, 'm');
  ASSERT_EQ(Send(a_, wa_, Make(mtu)), 0);  // exactly the MTU is fine
  size_t before = tern_pkt_pool_available(&pool);
  ASSERT_EQ(Send(a_, wa_, Make(mtu + "!")), TERN_EMSGSIZE);
  // The device freed it.
  EXPECT_EQ(tern_pkt_pool_available(&pool), before);
  EXPECT_EQ(tern_netdev_get_stats(&a_)->tx_drop_too_long, 1u);
  EXPECT_EQ(tern_netdev_get_stats(&a_)->tx_packets, 1u);
  tern_pkt *r = Recv(b_, wb_);
  EXPECT_EQ(tern_pkt_len(r), 1514u);
  tern_pkt_free(r);
  EXPECT_EQ(Recv(b_, wb_), nullptr);
}

TEST_F(MemNetdev, PacketWithoutTheDeviceHeadroomIsFreedAndRefused) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.headroom = 14;
  Init(cfg);
  size_t before = tern_pkt_pool_available(&pool);
  ASSERT_EQ(Send(a_, wa_, Make("ip", 13)), TERN_ENOSPC);
  EXPECT_EQ(tern_pkt_pool_available(&pool), before);
  EXPECT_EQ(tern_netdev_get_stats(&a_)->tx_drop_no_room, 1u);
  ASSERT_EQ(Send(a_, wa_, Make("ip", 14)), 0);
  tern_pkt *r = Recv(b_, wb_);
  EXPECT_EQ(Body(r), "ip");
  tern_pkt_free(r);
}

TEST_F(MemNetdev, CloseFreesQueuedPacketsAndFailsEveryone) {
  ASSERT_EQ(Send(a_, wa_, Make("1")), 0);
  ASSERT_EQ(Send(a_, wa_, Make("2")), 0);
  tern_pkt *p3 = Make("3");
  ASSERT_EQ(Send(a_, wa_, p3), 1);
  EXPECT_EQ(Recv(a_, wa_), nullptr);  // A also waits to receive
  wa_.Take();
  tern_memnetdev_close(&pair_);
  EXPECT_GE(wa_.Take(), 1);
  EXPECT_EQ(tern_pkt_pool_available(&pool), 7u);  // only p3 is out
  EXPECT_EQ(tern_netdev_get_stats(&a_)->tx_drop_down, 2u);
  ASSERT_EQ(Send(a_, wa_, p3), TERN_ECLOSED);  // freed by the device
  EXPECT_EQ(tern_pkt_pool_available(&pool), 8u);
  int err = 0;
  EXPECT_EQ(Recv(b_, wb_, &err), nullptr);
  EXPECT_EQ(err, TERN_ECLOSED);
}

// A sender limited by a two-packet pool and a receiver that frees what it
// gets: the pool's backpressure and the queue's hand over in turn, and
// every packet arrives once, in order.
TEST_F(MemNetdev, PoolBackpressureAcrossThePair) {
  TERN_PKT_POOL_DEFINE(tiny, 2, 64);
  tern_waiter waiter = TERN_WAITER_INIT;
  tern_pkt *cur = nullptr;
  int sent = 0, pending_allocs = 0;
  std::vector<int> got;
  for (int step = 0; step < 100 && got.size() < 10; step++) {
    if (sent < 10) {
      if (cur == nullptr) {
        tern_cx cx = wa_.Cx();
        if (tern_pkt_pool_poll_alloc(&tiny, &cx, &waiter, &cur) == TERN_READY) {
          *tern_pkt_put(cur, 1) = static_cast<uint8_t>(sent);
        } else {
          pending_allocs++;
        }
      }
      if (cur != nullptr && Send(a_, wa_, cur) == 0) {
        cur = nullptr;
        sent++;
      }
    }
    // The receiver drains only every third step.
    if (step % 3 == 2) {
      while (tern_pkt *r = Recv(b_, wb_)) {
        got.push_back(tern_pkt_data(r)[0]);
        tern_pkt_free(r);
      }
    }
  }
  EXPECT_GT(pending_allocs, 0);
  ASSERT_EQ(got.size(), 10u);
  for (int i = 0; i < 10; i++)
    EXPECT_EQ(got[i], i);
  EXPECT_EQ(tern_pkt_pool_available(&tiny), 2u);
  EXPECT_EQ(tern_pkt_pool_get_stats(&tiny).low_water, 0u);
}

// Before, init copied through a NULL config.
TEST(MemNetdevInit, RefusesANullPairOrConfig) {
  static tern_memnetdev_pair pair;
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  EXPECT_EQ(tern_memnetdev_init(&pair, nullptr), TERN_EINVAL);
  EXPECT_EQ(tern_memnetdev_init(nullptr, &cfg), TERN_EINVAL);
  ASSERT_EQ(tern_memnetdev_init(&pair, &cfg), 0);
  tern_netdev a = tern_memnetdev_a(&pair);
  EXPECT_EQ(tern_netdev_get_info(&a).mtu, 1500);
  tern_memnetdev_close(&pair);
}

}  // namespace
