#include <gtest/gtest.h>

#include <cstring>

#include "executor/test_waker.h"
#include "tern/ethernet.h"
#include "tern/pkt.h"

namespace {

using tern_test::CountingWaker;

// A MAC whose transmit FIFO is full at the check, and whose "TX space"
// interrupt fires right after it stored the waker and armed the IRQ, before
// poll_send has returned to the caller (as lan9118.c's irq_arm allows).
struct IrqLower {
  bool room = false;
  tern_waker tx{nullptr, nullptr};
  int sent = 0;
};

tern_poll LowerRecv(void *, tern_cx *cx, tern_pkt **, int *) {
  (void)tern_cx_waker(cx);
  return TERN_PENDING;
}
tern_poll LowerSend(void *self, tern_cx *cx, tern_pkt *pkt, int *err) {
  IrqLower *l = static_cast<IrqLower *>(self);
  if (!l->room) {
    l->tx = tern_cx_waker(cx);
    // The interrupt: room appears, the stored waker is called.
    l->room = true;
    tern_waker_wake(l->tx);
    return TERN_PENDING;
  }
  l->sent++;
  tern_pkt_free(pkt);
  *err = 0;
  return TERN_READY;
}
void LowerInfo(void *, tern_netdev_info *info) {
  memset(info, 0, sizeof *info);
  info->mtu = 1514;
  info->medium = TERN_MEDIUM_ETHERNET;
  const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
  memcpy(info->mac, mac, 6);
}
const tern_netdev_ops kLowerOps = {LowerRecv, LowerSend, LowerInfo, nullptr,
                                   nullptr};

TERN_PKT_POOL_DEFINE(arp_pool, 2, 128);
TERN_PKT_POOL_DEFINE(tx_pool, 2, 256);

TEST(EthernetRegression, SendWakeFromLowerBetweenPendingAndRegisterIsLost) {
  IrqLower lower;
  tern_netdev ldev{&kLowerOps, &lower};
  static tern_eth eth;
  static tern_eth_neighbour nb[4];
  ASSERT_EQ(tern_eth_init(&eth, ldev, &arp_pool, nb, 4), 0);
  tern_netdev dev = tern_eth_netdev(&eth);

  tern_pkt *p = tern_pkt_pool_try_alloc(&tx_pool);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(tern_pkt_reserve(p, 14), 0);
  memset(tern_pkt_put(p, 20), 0x45, 20);
  memset(p->next_hop, 0xff, 4);  // broadcast: no ARP needed

  // A sender task separate from any receiver (allowed: one task per
  // direction).
  CountingWaker sender;
  tern_cx cx = sender.Cx();
  int err = 1;
  ASSERT_EQ(tern_netdev_poll_send(&dev, &cx, p, &err), TERN_PENDING);
  // The device has room again and told the adapter so; the sender must have
  // been woken, otherwise it sleeps forever holding its packet.
  EXPECT_GE(sender.wakes, 1);
  tern_pkt_free(p);
  tern_eth_deinit(&eth);
}

}  // namespace
