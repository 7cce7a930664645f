// The IP core on its own: a fake address family plugged in where IPv4
// plugs in (what tern_ipv4_init does), interfaces over memory netdevs
// whose far end the test plays, the runner polled by hand.
#include "tern/ip.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <type_traits>
#include <vector>

#include "ip/core/core_testing.h"

namespace {

using tern_test::B;
using tern_test::Bytes;
using tern_test::CountingWaker;
using tern_test::Link;
using tern_test::Pool;
using tern_test::TestRng;

// A family for the version nibble 4 with a 4-byte header (0x40, protocol,
// ttl, 0): routes to the first interface that is up (or the scope's),
// looped back when the destination's first byte is 127.
struct FakeFamily {
  tern_ip_layer family = {};  // first: the functions get back to `this`
  tern_ip_stack *stack = nullptr;
  std::vector<Bytes> received;  // what input got, header included
  std::vector<uint8_t> casts;   // and its link_cast
  std::vector<tern_ip_iface *> where;
  std::vector<uint32_t> events;  // iface_event's
  std::vector<tern_ip_iface *> event_ifaces;

  static void Input(tern_ip_layer *self, tern_ip_iface *iface, tern_pkt *pkt) {
    auto *f = reinterpret_cast<FakeFamily *>(self);
    f->received.push_back(B(tern_pkt_data(pkt), tern_pkt_len(pkt)));
    f->casts.push_back(pkt->link_cast);
    f->where.push_back(iface);
    tern_pkt_free(pkt);
  }
  static int Route(tern_ip_layer *self, const tern_ip_addr *dst, uint8_t scope,
                   tern_ip_route *out) {
    auto *f = reinterpret_cast<FakeFamily *>(self);
    bool down = false;
    for (tern_ip_iface *i = f->stack->ifaces; i != nullptr; i = i->next) {
      if (scope != 0 && i->id != scope) {
        continue;
      }
      if (!tern_ip_iface_up(i)) {
        down = true;
        continue;
      }
      memset(out, 0, sizeof *out);
      out->iface = i;
      out->src.family = TERN_IP_V4;
      out->next_hop = *dst;
      out->max_len = static_cast<uint16_t>(i->mtu - 4);
      out->headroom = static_cast<uint16_t>(i->headroom + 4);
      out->flags = dst->u.v4.b[0] == 127 ? TERN_IP_ROUTE_LOCAL : 0;
      return 0;
    }
    return down ? TERN_ENETDOWN : TERN_ENETUNREACH;
  }
  static int Send(tern_ip_layer *self, tern_pkt *pkt, const tern_ip_route *r,
                  const tern_ip_addr *dst, uint8_t protocol, uint8_t ttl) {
    auto *f = reinterpret_cast<FakeFamily *>(self);
    (void)dst;
    if (tern_ip_make_room(pkt, r->headroom) != 0) {
      tern_pkt_free(pkt);
      return TERN_ENOSPC;
    }
    uint8_t *h = tern_pkt_push(pkt, 4);
    h[0] = 0x40;
    h[1] = protocol;
    h[2] = ttl;
    h[3] = 0;
    return tern_ip_enqueue(f->stack, r->iface, pkt,
                           (r->flags & TERN_IP_ROUTE_LOCAL) != 0);
  }
  static tern_ip_iface *AddrIface(tern_ip_layer *self, const tern_ip_addr *a) {
    auto *f = reinterpret_cast<FakeFamily *>(self);
    return a->u.v4.b[0] == 127 ? f->stack->ifaces : nullptr;
  }
  static void IfaceEvent(tern_ip_layer *self, tern_ip_iface *iface,
                         uint32_t ev) {
    auto *f = reinterpret_cast<FakeFamily *>(self);
    f->events.push_back(ev);
    f->event_ifaces.push_back(iface);
  }

  void Attach(tern_ip_stack *s) {
    stack = s;
    static const tern_ip_family_ops ops = {Input, Route, Send, AddrIface,
                                           IfaceEvent};
    family.ops = &ops;
    s->v4 = &family;
  }
};

tern_ip_addr Dst(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  tern_ip_addr r = {};
  r.family = TERN_IP_V4;
  r.u.v4 = tern_ipv4(a, b, c, d);
  return r;
}

// A stack with the fake family and n interfaces over links the test
// plays (queue_len packets each way on each device).
struct Core {
  Pool pool;
  TestRng rng;
  tern_ip_stack stack;
  FakeFamily fam;
  std::vector<std::unique_ptr<Link>> links;
  std::vector<std::unique_ptr<tern_ip_iface>> ifaces;
  CountingWaker runner;
  tern_cx cx = runner.Cx();

  explicit Core(int n = 1, uint16_t queue_len = 16, size_t pool_count = 8)
      : pool(pool_count, 512) {
    tern_rng r = rng.Rng();
    EXPECT_EQ(tern_ip_stack_init(&stack, &pool.pool, &r), 0);
    fam.Attach(&stack);
    for (int k = 0; k < n; k++) {
      links.push_back(std::make_unique<Link>(1500, 14, queue_len));
      ifaces.push_back(std::make_unique<tern_ip_iface>());
      EXPECT_EQ(
          tern_ip_iface_add(&stack, ifaces.back().get(), links.back()->A()), 0);
    }
  }
  tern_ip_iface *I(int k) {
    return ifaces[static_cast<size_t>(k)].get();
  }
  Link &L(int k) {
    return *links[static_cast<size_t>(k)];
  }

  // One poll of the runner; returns whether it woke itself.
  bool Poll() {
    runner.Take();
    EXPECT_EQ(tern_ip_stack_poll_run(&stack, &cx), TERN_PENDING);
    return runner.wakes > 0;
  }
  void Run() {
    for (int n = 0; n < 20 && Poll(); n++) {
    }
  }

  // A packet of len bytes (first byte `tag`) from the pool without
  // waiting, with the route's headroom.
  tern_pkt *Packet(const tern_ip_route &r, uint8_t tag, size_t len = 8) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&pool.pool);
    EXPECT_NE(p, nullptr);
    if (p != nullptr) {
      EXPECT_EQ(tern_pkt_reserve(p, r.headroom), 0);
      memset(tern_pkt_put(p, len), tag, len);
    }
    return p;
  }

  // Routes to dst (scope) and sends a packet tagged `tag`.
  int Send(const tern_ip_addr &dst, uint8_t tag, uint8_t scope = 0,
           size_t len = 8) {
    tern_ip_route r;
    int rc = tern_ip_route_lookup(&stack, &dst, scope, &r);
    if (rc != 0) {
      return rc;
    }
    return tern_ip_send(&stack, Packet(r, tag, len), &r, &dst, 253, 0);
  }
};

const tern_ip_addr kPeer = Dst(192, 0, 2, 1);

// ---- set-up and interfaces ----

TEST(IpStack, InitChecksItsArguments) {
  Pool pool;
  TestRng rng;
  tern_rng r = rng.Rng(), none = {nullptr, nullptr};
  tern_ip_stack s;
  EXPECT_EQ(tern_ip_stack_init(nullptr, &pool.pool, &r), TERN_EINVAL);
  EXPECT_EQ(tern_ip_stack_init(&s, nullptr, &r), TERN_EINVAL);
  EXPECT_EQ(tern_ip_stack_init(&s, &pool.pool, nullptr), TERN_EINVAL);
  EXPECT_EQ(tern_ip_stack_init(&s, &pool.pool, &none), TERN_EINVAL);
  ASSERT_EQ(tern_ip_stack_init(&s, &pool.pool, &r), 0);
  EXPECT_FALSE(tern_ip_has_family(&s, TERN_IP_V4));  // none attached yet
  EXPECT_FALSE(tern_ip_has_family(&s, TERN_IP_V6));
  tern_ip_addr d = kPeer;
  tern_ip_route route;
  EXPECT_EQ(tern_ip_route_lookup(&s, &d, 0, &route), TERN_EAFNOSUPPORT);
  EXPECT_FALSE(tern_ip_is_local(&s, &d));
  EXPECT_EQ(tern_ip_route_lookup(nullptr, &d, 0, &route), TERN_EINVAL);
  EXPECT_EQ(tern_ip_route_lookup(&s, nullptr, 0, &route), TERN_EINVAL);
  EXPECT_EQ(tern_ip_route_lookup(&s, &d, 0, nullptr), TERN_EINVAL);
}

// Whether T has a member v6 (the stack's IPv6 slot).
template <typename T, typename = void>
struct HasV6Slot : std::false_type {};
template <typename T>
struct HasV6Slot<T, std::void_t<decltype(&T::v6)>> : std::true_type {};

// An IPv4-only build keeps no slot for an IPv6 layer it cannot have.
TEST(IpStack, AnIpv6SlotOnlyInABuildWithIpv6) {
  EXPECT_EQ(HasV6Slot<tern_ip_stack>::value, TERN_CONFIG_IPV6 != 0);
}

TEST(IpIface, IdsInOrderAndLookupById) {
  Core c(3);
  for (int k = 0; k < 3; k++) {
    EXPECT_EQ(c.I(k)->id, k + 1);
    EXPECT_EQ(tern_ip_iface_by_id(&c.stack, static_cast<uint8_t>(k + 1)),
              c.I(k));
    EXPECT_EQ(c.I(k)->stack, &c.stack);
  }
  EXPECT_EQ(c.stack.ifaces, c.I(0));
  EXPECT_EQ(c.I(0)->next, c.I(1));
  EXPECT_EQ(c.I(2)->next, nullptr);
  EXPECT_EQ(tern_ip_iface_by_id(&c.stack, 0), nullptr);
  EXPECT_EQ(tern_ip_iface_by_id(&c.stack, 4), nullptr);
  // Refused: the same interface again, no device, a device that is not
  // an IP one, no stack.
  EXPECT_EQ(tern_ip_iface_add(&c.stack, c.I(1), c.L(1).A()), TERN_EINVAL);
  tern_ip_iface x;
  EXPECT_EQ(tern_ip_iface_add(&c.stack, &x, tern_netdev{nullptr, nullptr}),
            TERN_EINVAL);
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  tern_memnetdev_pair eth;
  tern_memnetdev_init(&eth, &cfg);
  EXPECT_EQ(tern_ip_iface_add(&c.stack, &x, tern_memnetdev_a(&eth)),
            TERN_EINVAL);
  EXPECT_EQ(tern_ip_iface_add(nullptr, &x, c.L(0).A()), TERN_EINVAL);
  EXPECT_EQ(c.I(2)->next, nullptr);
  // The next one added gets the next id.
  ASSERT_EQ(tern_ip_iface_add(&c.stack, &x, c.L(0).A()), 0);
  EXPECT_EQ(x.id, 4);
  EXPECT_EQ(tern_ip_iface_by_id(&c.stack, 4), &x);
}

TEST(IpIface, AtMost255Interfaces) {
  Pool pool;
  TestRng rng;
  tern_rng r = rng.Rng();
  tern_ip_stack s;
  ASSERT_EQ(tern_ip_stack_init(&s, &pool.pool, &r), 0);
  Link link;
  std::vector<tern_ip_iface> ifs(256);  // never reallocated
  for (size_t k = 0; k < 255; k++) {
    ASSERT_EQ(tern_ip_iface_add(&s, &ifs[k], link.A()), 0) << k;
  }
  EXPECT_EQ(ifs[254].id, 255);
  EXPECT_EQ(tern_ip_iface_add(&s, &ifs[255], link.A()), TERN_EINVAL);
  EXPECT_EQ(tern_ip_iface_by_id(&s, 255), &ifs[254]);
}

TEST(IpIface, TheDevicesFactsAreRead) {
  Core c;
  EXPECT_EQ(c.I(0)->mtu, 1500);
  EXPECT_EQ(c.I(0)->headroom, 14);
  EXPECT_TRUE(tern_ip_iface_up(c.I(0)));
  EXPECT_EQ(c.I(0)->flags & TERN_NETDEV_NEXT_HOP, 0);
  // A device that takes next hops says so, with room for them.
  Link hop(1500, 14, 4, true);
  tern_ip_iface i;
  ASSERT_EQ(tern_ip_iface_add(&c.stack, &i, hop.A()), 0);
  EXPECT_NE(i.flags & TERN_NETDEV_NEXT_HOP, 0);
  EXPECT_EQ(i.headroom, 14 + TERN_PKT_NEXT_HOP6_LEN);
  // One that is down when added.
  Link down;
  tern_memnetdev_set_up(&down.pair, false);
  tern_ip_iface j;
  ASSERT_EQ(tern_ip_iface_add(&c.stack, &j, down.A()), 0);
  EXPECT_FALSE(tern_ip_iface_up(&j));
}

TEST(IpIface, EventsRereadTheDeviceAndReachTheApplication) {
  Core c(2);
  CountingWaker app;
  tern_cx acx = app.Cx();
  uint32_t ev = 0;
  EXPECT_EQ(tern_ip_iface_poll_event(c.I(0), &acx, &ev), TERN_PENDING);
  c.Run();
  EXPECT_EQ(app.Take(), 0);
  // A renegotiated MTU and more headroom (the device's get_info says so
  // once it reports the event).
  c.L(0).dev.extra_headroom = 10;
  tern_memnetdev_set_mtu(&c.L(0).pair, 1280);
  EXPECT_EQ(c.I(0)->mtu, 1500);  // not before the runner saw it
  c.Run();
  EXPECT_EQ(c.I(0)->mtu, 1280);
  EXPECT_EQ(c.I(0)->headroom, 24);
  EXPECT_EQ(c.I(1)->mtu, 1500);  // the other interface's device is another
  EXPECT_EQ(app.Take(), 1);
  EXPECT_EQ(tern_ip_iface_poll_event(c.I(0), &acx, &ev), TERN_READY);
  EXPECT_EQ(ev, static_cast<uint32_t>(TERN_NETDEV_EV_INFO));
  EXPECT_EQ(tern_ip_iface_poll_event(c.I(0), &acx, &ev), TERN_PENDING);
  // The family heard of it too, for that interface.
  ASSERT_EQ(c.fam.events.size(), 1u);
  EXPECT_EQ(c.fam.events[0], static_cast<uint32_t>(TERN_NETDEV_EV_INFO));
  EXPECT_EQ(c.fam.event_ifaces[0], c.I(0));
  // An MTU change, then the link going down, before the application
  // looked: one report with both bits, the facts as they are now.
  tern_memnetdev_set_mtu(&c.L(0).pair, 1400);
  c.Run();
  tern_memnetdev_set_up(&c.L(0).pair, false);
  c.Run();
  EXPECT_FALSE(tern_ip_iface_up(c.I(0)));
  EXPECT_EQ(app.Take(), 1);  // woken once: the waker was taken
  EXPECT_EQ(tern_ip_iface_poll_event(c.I(0), &acx, &ev), TERN_READY);
  EXPECT_EQ(ev,
            static_cast<uint32_t>(TERN_NETDEV_EV_INFO | TERN_NETDEV_EV_LINK));
  EXPECT_EQ(c.I(0)->mtu, 1400);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).dev_events, 3u);
}

// ---- the transmit queue ----

TEST(IpQueue, BoundedOnADeviceThatIsPending) {
  // The device holds 2 packets; the interface's queue TERN_IP_TXQ_MAX.
  Core c(1, 2, 16);
  c.Run();
  tern_ip_iface *i = c.I(0);
  for (int n = 0; n < 2 + TERN_IP_TXQ_MAX; n++) {
    ASSERT_EQ(c.Send(kPeer, static_cast<uint8_t>(n)), 0) << n;
    if (n == 1) {
      c.Run();  // these two go to the device
      EXPECT_EQ(tern_memnetdev_pending_ab(&c.L(0).pair), 2);
    }
  }
  c.Run();  // the device is full (PENDING): all stay queued
  EXPECT_EQ(i->txq_len, TERN_IP_TXQ_MAX);
  // The next sender waits for room...
  CountingWaker sender;
  tern_cx scx = sender.Cx();
  tern_waiter w = TERN_WAITER_INIT;
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &scx, &w, i), TERN_PENDING);
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &scx, &w, i), TERN_PENDING);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).tx_waits, 1u);
  // ...and one that does not wait is refused.
  EXPECT_EQ(c.Send(kPeer, 99), TERN_EAGAIN);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).tx_queue_full, 1u);
  EXPECT_EQ(sender.Take(), 0);
  // The peer takes one: the device wakes the runner, which moves one
  // packet from the queue to the device and wakes the sender.
  Bytes got;
  ASSERT_TRUE(c.L(0).Take(&got));
  EXPECT_EQ(got[4], 0);
  c.Run();
  EXPECT_EQ(i->txq_len, TERN_IP_TXQ_MAX - 1);
  EXPECT_EQ(sender.Take(), 1);
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &scx, &w, i), TERN_READY);
  ASSERT_EQ(c.Send(kPeer, 100), 0);
  EXPECT_EQ(i->txq_len, TERN_IP_TXQ_MAX);
  // Everything comes out, in order.
  std::vector<uint8_t> order = {0};
  for (;;) {
    c.Run();
    if (!c.L(0).Take(&got)) {
      break;
    }
    order.push_back(got[4]);
  }
  ASSERT_EQ(order.size(), 3u + TERN_IP_TXQ_MAX);
  for (size_t k = 0; k + 1 < order.size(); k++) {
    EXPECT_EQ(order[k], k);
  }
  EXPECT_EQ(order.back(), 100);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).tx_packets, 3u + TERN_IP_TXQ_MAX);
  EXPECT_EQ(tern_pkt_pool_available(&c.pool.pool), 16u);
}

TEST(IpQueue, ACancelledWaiterPassesItsWakeOn) {
  Core c(1, 1, 16);
  c.Run();
  tern_ip_iface *i = c.I(0);
  for (int n = 0; n < 1 + TERN_IP_TXQ_MAX; n++) {
    ASSERT_EQ(c.Send(kPeer, static_cast<uint8_t>(n)), 0);
    c.Run();
  }
  ASSERT_EQ(i->txq_len, TERN_IP_TXQ_MAX);
  CountingWaker s1, s2;
  tern_cx c1 = s1.Cx(), c2 = s2.Cx();
  tern_waiter w1 = TERN_WAITER_INIT, w2 = TERN_WAITER_INIT;
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &c1, &w1, i), TERN_PENDING);
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &c2, &w2, i), TERN_PENDING);
  Bytes got;
  ASSERT_TRUE(c.L(0).Take(&got));
  c.Run();  // one packet moves on: one waiter, the first, is woken
  EXPECT_EQ(s1.Take(), 1);
  EXPECT_EQ(s2.Take(), 0);
  tern_ip_cancel_wait(&c.stack, &w1, i);  // it gives up: the next one
  EXPECT_EQ(s2.Take(), 1);
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &c2, &w2, i), TERN_READY);
}

TEST(IpSender, MovingToAnotherInterfaceWithdrawsTheFirstWait) {
  Core c(2, 1, 16);
  c.Run();
  tern_ip_iface *i0 = c.I(0), *i1 = c.I(1);
  for (int n = 0; n < 1 + TERN_IP_TXQ_MAX; n++) {
    ASSERT_EQ(c.Send(kPeer, static_cast<uint8_t>(n), i0->id), 0);
    c.Run();
  }
  ASSERT_EQ(i0->txq_len, TERN_IP_TXQ_MAX);
  CountingWaker s1, s2;
  tern_cx c1 = s1.Cx(), c2 = s2.Cx();
  tern_ip_sender tx = {};
  tern_waiter w2 = TERN_WAITER_INIT;
  // A packet, then room: i0 is full, so it waits there, ahead of w2.
  ASSERT_EQ(tern_ip_sender_poll_alloc(&c.stack, &c1, &tx), TERN_READY);
  ASSERT_NE(tx.pkt, nullptr);
  tern_pkt *held = tx.pkt;
  ASSERT_EQ(tern_ip_sender_poll_alloc(&c.stack, &c1, &tx), TERN_READY);
  EXPECT_EQ(tx.pkt, held);  // the one it holds
  EXPECT_EQ(tern_ip_sender_poll_room(&c.stack, &c1, &tx, i0), TERN_PENDING);
  EXPECT_EQ(tx.iface, i0);
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &c2, &w2, i0), TERN_PENDING);
  // The route moved to i1, which has room: the wait on i0 is withdrawn.
  EXPECT_EQ(tern_ip_sender_poll_room(&c.stack, &c1, &tx, i1), TERN_READY);
  EXPECT_EQ(tx.iface, nullptr);
  Bytes got;
  ASSERT_TRUE(c.L(0).Take(&got));
  c.Run();  // room on i0: the wake goes to w2, the one still waiting
  EXPECT_EQ(s1.Take(), 0);
  EXPECT_EQ(s2.Take(), 1);
  // Release frees the packet it holds and leaves it empty.
  size_t free_before = tern_pkt_pool_available(&c.pool.pool);
  tern_ip_sender_release(&c.stack, &tx);
  EXPECT_EQ(tx.pkt, nullptr);
  EXPECT_EQ(tx.iface, nullptr);
  EXPECT_EQ(tern_pkt_pool_available(&c.pool.pool), free_before + 1);
}

TEST(IpSender, ReleaseWithdrawsARoomWait) {
  Core c(1, 1, 16);
  c.Run();
  tern_ip_iface *i = c.I(0);
  for (int n = 0; n < 1 + TERN_IP_TXQ_MAX; n++) {
    ASSERT_EQ(c.Send(kPeer, static_cast<uint8_t>(n)), 0);
    c.Run();
  }
  CountingWaker s1, s2;
  tern_cx c1 = s1.Cx(), c2 = s2.Cx();
  tern_ip_sender tx = {};
  tern_waiter w2 = TERN_WAITER_INIT;
  EXPECT_EQ(tern_ip_sender_poll_room(&c.stack, &c1, &tx, i), TERN_PENDING);
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &c2, &w2, i), TERN_PENDING);
  tern_ip_sender_release(&c.stack, &tx);
  EXPECT_EQ(tx.iface, nullptr);
  Bytes got;
  ASSERT_TRUE(c.L(0).Take(&got));
  c.Run();
  EXPECT_EQ(s1.Take(), 0);
  EXPECT_EQ(s2.Take(), 1);
}

TEST(IpAddr, WhatABoundAddressTakes) {
  tern_ip_addr none = {};
  tern_ip_addr any4 = {};
  any4.family = TERN_IP_V4;
  tern_ip_addr a = Dst(192, 0, 2, 1), b = Dst(192, 0, 2, 2);
  EXPECT_TRUE(tern_ip_addr_takes(&none, &a));      // no family: any address
  EXPECT_TRUE(tern_ip_addr_takes(&any4, &a));      // 0.0.0.0: any IPv4 one
  EXPECT_TRUE(tern_ip_addr_takes(&a, &a));         // itself
  EXPECT_FALSE(tern_ip_addr_takes(&a, &b));        // no other
  EXPECT_FALSE(tern_ip_addr_takes(&a, &any4));     // nor the unspecified one
  EXPECT_FALSE(tern_ip_addr_takes(&any4, &none));  // nor another family
#if TERN_CONFIG_IPV6
  tern_ip_addr any6 = {}, x = {}, y = {};
  any6.family = x.family = y.family = TERN_IP_V6;
  x.u.v6.b[0] = y.u.v6.b[0] = 0x20;
  x.u.v6.b[15] = 1;
  y.u.v6.b[15] = 2;
  EXPECT_TRUE(tern_ip_addr_takes(&any6, &x));
  EXPECT_FALSE(tern_ip_addr_takes(&any6, &a));
  EXPECT_FALSE(tern_ip_addr_takes(&any4, &x));
  EXPECT_TRUE(tern_ip_addr_takes(&x, &x));
  EXPECT_FALSE(tern_ip_addr_takes(&x, &y));  // differs in the last word
#endif
}

TEST(IpQueue, LinkDownDrainsTheQueueAndWakesSenders) {
  Core c(1, 1, 16);
  c.Run();
  tern_ip_iface *i = c.I(0);
  // The device takes one, the queue holds TERN_IP_TXQ_MAX.
  ASSERT_EQ(c.Send(kPeer, 0), 0);
  c.Run();
  for (int n = 0; n < TERN_IP_TXQ_MAX; n++) {
    ASSERT_EQ(c.Send(kPeer, 1), 0);
  }
  CountingWaker sender;
  tern_cx scx = sender.Cx();
  tern_waiter w = TERN_WAITER_INIT;
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &scx, &w, i), TERN_PENDING);
  tern_ip_route r;
  ASSERT_EQ(tern_ip_route_lookup(&c.stack, &kPeer, 0, &r), 0);
  tern_memnetdev_set_up(&c.L(0).pair, false);  // frees the device's one
  c.Run();
  EXPECT_FALSE(tern_ip_iface_up(i));
  EXPECT_EQ(i->txq_len, 0);
  EXPECT_EQ(i->txq_head, nullptr);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).tx_drop_down,
            static_cast<uint32_t>(TERN_IP_TXQ_MAX));
  // The waiting sender is woken; its room wait is over (the send fails).
  EXPECT_EQ(sender.Take(), 1);
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &scx, &w, i), TERN_READY);
  EXPECT_EQ(tern_ip_send(&c.stack, c.Packet(r, 2), &r, &kPeer, 253, 0),
            TERN_ENETDOWN);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).tx_drop_down, TERN_IP_TXQ_MAX + 1u);
  // A fresh sender is not held up by a link that is down either.
  tern_waiter w2 = TERN_WAITER_INIT;
  EXPECT_EQ(tern_ip_poll_room(&c.stack, &scx, &w2, i), TERN_READY);
  // And routing says so.
  EXPECT_EQ(c.Send(kPeer, 3), TERN_ENETDOWN);
  EXPECT_EQ(tern_pkt_pool_available(&c.pool.pool), 16u);
  EXPECT_TRUE(c.L(0).TakeAll().empty());
  // Up again: sends go out.
  tern_memnetdev_set_up(&c.L(0).pair, true);
  c.Run();
  ASSERT_EQ(c.Send(kPeer, 4), 0);
  c.Run();
  EXPECT_EQ(c.L(0).TakeAll().size(), 1u);
}

TEST(IpQueue, ADeviceThatRefusesAPacketIsCounted) {
  Core c;
  tern_memnetdev_set_mtu(&c.L(0).pair, 100);
  c.Run();
  // Longer than the memory device's MTU (the fake family does not
  // check): the device frees it with TERN_EMSGSIZE.
  ASSERT_EQ(c.Send(kPeer, 1, 0, 200), 0);
  c.Run();
  EXPECT_TRUE(c.L(0).TakeAll().empty());
  EXPECT_EQ(tern_ip_get_stats(&c.stack).tx_dev_errors, 1u);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).tx_packets, 0u);
  EXPECT_EQ(tern_pkt_pool_available(&c.pool.pool), 8u);
}

TEST(IpQueue, LoopbackGoesThroughTheQueue) {
  Core c;
  c.Run();
  const tern_ip_addr self = Dst(127, 0, 0, 1);
  ASSERT_EQ(c.Send(kPeer, 1), 0);
  ASSERT_EQ(c.Send(self, 2), 0);
  EXPECT_EQ(c.I(0)->txq_len, 2);
  EXPECT_TRUE(c.fam.received.empty());  // not before the runner's turn
  c.Run();
  ASSERT_EQ(c.fam.received.size(), 1u);
  EXPECT_EQ(c.fam.received[0],
            Bytes({0x40, 253, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2}));
  EXPECT_EQ(c.fam.casts[0], TERN_PKT_LINK_LOOPBACK);
  EXPECT_EQ(c.fam.where[0], c.I(0));
  Bytes got;
  ASSERT_TRUE(c.L(0).Take(&got));
  EXPECT_EQ(got[4], 1);
  EXPECT_FALSE(c.L(0).Take(&got));  // never given to the device
  tern_ip_stats st = tern_ip_get_stats(&c.stack);
  EXPECT_EQ(st.tx_loopback, 1u);
  EXPECT_EQ(st.tx_packets, 1u);
  EXPECT_EQ(st.rx_packets, 1u);  // looped back counts as received
  EXPECT_EQ(tern_pkt_pool_available(&c.pool.pool), 8u);
}

// A link that goes down drops what was queued for it, but not the
// loopback queued with it, which takes no link: it is received in its
// order. (The link event emptied the whole queue before, so an accepted
// datagram to ourselves was lost.)
TEST(IpQueue, LinkDownKeepsTheLoopbackQueued) {
  Core c;
  c.Run();
  const tern_ip_addr self = Dst(127, 0, 0, 1);
  ASSERT_EQ(c.Send(kPeer, 1), 0);
  ASSERT_EQ(c.Send(self, 2), 0);
  ASSERT_EQ(c.Send(kPeer, 3), 0);
  ASSERT_EQ(c.Send(self, 4), 0);
  tern_memnetdev_set_up(&c.L(0).pair, false);
  c.Run();
  EXPECT_FALSE(tern_ip_iface_up(c.I(0)));
  ASSERT_EQ(c.fam.received.size(), 2u);
  EXPECT_EQ(c.fam.received[0][4], 2);
  EXPECT_EQ(c.fam.received[1][4], 4);
  EXPECT_EQ(c.fam.casts[1], TERN_PKT_LINK_LOOPBACK);
  EXPECT_TRUE(c.L(0).TakeAll().empty());
  EXPECT_EQ(c.I(0)->txq_len, 0);
  tern_ip_stats st = tern_ip_get_stats(&c.stack);
  EXPECT_EQ(st.tx_drop_down, 2u);
  EXPECT_EQ(st.tx_loopback, 2u);
  EXPECT_EQ(st.tx_packets, 0u);
  EXPECT_EQ(tern_pkt_pool_available(&c.pool.pool), 8u);
}

// ---- receiving ----

TEST(IpRx, PacketsGoToTheirFamilyByVersion) {
  Core c;
  c.L(0).Inject(Bytes({0x45, 1, 2, 3}));
  c.L(0).Inject(Bytes({0x60, 1, 2, 3}), TERN_PKT_LINK_MULTICAST);  // no IPv6
  c.L(0).Inject(Bytes({0x40}), TERN_PKT_LINK_BROADCAST);
  c.Run();
  ASSERT_EQ(c.fam.received.size(), 2u);
  EXPECT_EQ(c.fam.received[0], Bytes({0x45, 1, 2, 3}));
  EXPECT_EQ(c.fam.casts[0], TERN_PKT_LINK_UNICAST);
  EXPECT_EQ(c.fam.casts[1], TERN_PKT_LINK_BROADCAST);
  tern_ip_stats st = tern_ip_get_stats(&c.stack);
  EXPECT_EQ(st.rx_packets, 3u);
  EXPECT_EQ(st.rx_drop_family, 1u);
  EXPECT_EQ(tern_pkt_pool_available(&c.L(0).peer_pool.pool), 16u);
}

TEST(IpRx, AClosedDeviceIsReceivedFromAgainAfterItsLinkComesUp) {
  Core c;
  c.L(0).dev.rx_closed = true;
  c.Run();
  EXPECT_NE(c.I(0)->flags & TERN_IP_IFACE_RX_CLOSED, 0);
  EXPECT_EQ(tern_ip_get_stats(&c.stack).rx_dev_errors, 1u);
  EXPECT_EQ(c.L(0).dev.closed_reports, 1);
  // Not polled again, even with something to receive.
  c.L(0).dev.rx_closed = false;
  c.L(0).Inject(Bytes({0x45, 0}));
  c.Run();
  EXPECT_EQ(c.L(0).dev.closed_reports, 1);
  EXPECT_TRUE(c.fam.received.empty());
  // A link that goes down (the queued packet is lost with it) and comes
  // up again is a device worth receiving from.
  tern_memnetdev_set_up(&c.L(0).pair, false);
  tern_memnetdev_set_up(&c.L(0).pair, true);
  c.L(0).Inject(Bytes({0x45, 1}));
  c.Run();
  EXPECT_EQ(c.I(0)->flags & TERN_IP_IFACE_RX_CLOSED, 0);
  ASSERT_EQ(c.fam.received.size(), 1u);
  EXPECT_EQ(c.fam.received[0], Bytes({0x45, 1}));
  EXPECT_EQ(tern_pkt_pool_available(&c.L(0).peer_pool.pool), 16u);
}

TEST(IpRx, AFloodOnOneInterfaceDoesNotStarveTheOther) {
  Core c(2);
  for (int n = 0; n < TERN_IP_RX_BUDGET + 4; n++) {
    c.L(0).Inject(Bytes({0x45, static_cast<uint8_t>(n)}));
  }
  c.L(1).Inject(Bytes({0x45, 0xee}));
  EXPECT_TRUE(c.Poll());  // the budget ran out: it woke itself
  ASSERT_EQ(c.fam.received.size(), TERN_IP_RX_BUDGET + 1u);
  EXPECT_EQ(c.fam.where.back(), c.I(1));  // the other one had its turn
  c.Run();
  EXPECT_EQ(c.fam.received.size(), TERN_IP_RX_BUDGET + 5u);
}

// ---- the pool ----

TEST(IpPool, TheReceiveReserveKeepsPacketsForReceivers) {
  // A quarter of the pool (8 here: 2) is kept for try_alloc.
  Core c;
  EXPECT_EQ(c.pool.pool.rx_reserve, 2);
  CountingWaker sender;
  tern_cx scx = sender.Cx();
  std::vector<tern_pkt *> got;
  tern_ip_sender s{};  // a transport's sender, zero-initialised
  for (int n = 0; n < 6; n++) {
    ASSERT_EQ(tern_ip_sender_poll_alloc(&c.stack, &scx, &s), TERN_READY) << n;
    got.push_back(s.pkt);
    s.pkt = nullptr;  // taken: the next poll asks the pool again
  }
  EXPECT_EQ(tern_ip_sender_poll_alloc(&c.stack, &scx, &s), TERN_PENDING);
  // A receive path still gets the last two.
  tern_pkt *r1 = tern_pkt_pool_try_alloc(&c.pool.pool);
  tern_pkt *r2 = tern_pkt_pool_try_alloc(&c.pool.pool);
  EXPECT_NE(r1, nullptr);
  EXPECT_NE(r2, nullptr);
  tern_pkt_free(r1);
  tern_pkt_free(r2);
  EXPECT_EQ(sender.Take(), 0);  // only the reserve is free
  tern_pkt_free(got.back());
  got.pop_back();
  EXPECT_EQ(sender.Take(), 1);
  ASSERT_EQ(tern_ip_sender_poll_alloc(&c.stack, &scx, &s), TERN_READY);
  got.push_back(s.pkt);
  for (tern_pkt *q : got) {
    tern_pkt_free(q);
  }
  EXPECT_EQ(tern_pkt_pool_available(&c.pool.pool), 8u);
}

TEST(IpPool, TheReserveIsAQuarterAtLeastOneAndAPoolsOwnIsKept) {
  TestRng rng;
  tern_rng r = rng.Rng();
  struct Case {
    size_t count;
    uint16_t before, want;
  } cases[] = {{1, 0, 0}, {2, 0, 1},  {3, 0, 1}, {4, 0, 1},
               {8, 0, 2}, {16, 0, 4}, {8, 1, 1}, {8, 5, 5}};
  for (const Case &k : cases) {
    SCOPED_TRACE(k.count);
    Pool pool(k.count, 64);
    tern_pkt_pool_set_rx_reserve(&pool.pool, k.before);
    tern_ip_stack s;
    ASSERT_EQ(tern_ip_stack_init(&s, &pool.pool, &r), 0);
    EXPECT_EQ(pool.pool.rx_reserve, k.want);
  }
}

TEST(IpPool, MakeRoomMovesTheDataBackOrSaysNo) {
  Pool pool(1, 64);
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool.pool);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  memcpy(tern_pkt_put(p, 5), "hello", 5);
  EXPECT_EQ(tern_ip_make_room(p, 2), 0);  // enough already
  EXPECT_EQ(tern_pkt_headroom(p), 4u);
  EXPECT_EQ(tern_ip_make_room(p, 20), 0);
  EXPECT_EQ(tern_pkt_headroom(p), 20u);
  EXPECT_EQ(B(tern_pkt_data(p), tern_pkt_len(p)),
            B((const uint8_t *)"hello", 5));
  EXPECT_EQ(tern_ip_make_room(p, 60), TERN_ENOSPC);  // 60 + 5 > 64
  EXPECT_EQ(tern_pkt_headroom(p), 20u);              // unchanged
  EXPECT_EQ(tern_ip_make_room(p, 59), 0);
  EXPECT_EQ(tern_pkt_tailroom(p), 0u);
  tern_pkt_free(p);
}

// ---- transports ----

struct FakeProto {
  tern_ip_proto proto = {};
  int inputs = 0, errors = 0;
  static tern_ip_verdict Input(void *ctx, const tern_ip_rx *, tern_pkt *) {
    static_cast<FakeProto *>(ctx)->inputs++;
    return TERN_IP_CONSUMED;
  }
  static void Error(void *ctx, const tern_ip_error *) {
    static_cast<FakeProto *>(ctx)->errors++;
  }
  explicit FakeProto(uint8_t protocol, bool with_error = true) {
    proto.protocol = protocol;
    proto.input = Input;
    proto.error = with_error ? Error : nullptr;
    proto.ctx = this;
  }
};

TEST(IpRegister, Rules) {
  Core c;
  FakeProto icmp(TERN_IP_PROTO_ICMP), icmp6(TERN_IP_PROTO_ICMPV6);
  FakeProto u1(TERN_IP_PROTO_UDP), u2(TERN_IP_PROTO_UDP);
  FakeProto tcp(TERN_IP_PROTO_TCP, false);
  // ICMP and ICMPv6 are the families' own.
  EXPECT_EQ(tern_ip_register(&c.stack, &icmp.proto), TERN_EADDRINUSE);
  EXPECT_EQ(tern_ip_register(&c.stack, &icmp6.proto), TERN_EADDRINUSE);
  EXPECT_EQ(tern_ip_register(&c.stack, &u1.proto), 0);
  EXPECT_EQ(tern_ip_register(&c.stack, &u2.proto), TERN_EADDRINUSE);
  // The same struct twice is its protocol twice.
  EXPECT_EQ(tern_ip_register(&c.stack, &u1.proto), TERN_EADDRINUSE);
  EXPECT_EQ(c.stack.protos, &u1.proto);  // once, the list not looped
  EXPECT_EQ(u1.proto.next, nullptr);
  EXPECT_FALSE(tern_ip_has_proto(&c.stack, TERN_IP_PROTO_TCP));
  EXPECT_EQ(tern_ip_register(&c.stack, &tcp.proto), 0);
  EXPECT_TRUE(tern_ip_has_proto(&c.stack, TERN_IP_PROTO_TCP));
  EXPECT_TRUE(tern_ip_has_proto(&c.stack, TERN_IP_PROTO_UDP));
  EXPECT_FALSE(tern_ip_has_proto(&c.stack, TERN_IP_PROTO_ICMP));
  FakeProto none(99);
  none.proto.input = nullptr;
  EXPECT_EQ(tern_ip_register(&c.stack, &none.proto), TERN_EINVAL);
  EXPECT_EQ(tern_ip_register(nullptr, &u2.proto), TERN_EINVAL);
  EXPECT_EQ(tern_ip_register(&c.stack, nullptr), TERN_EINVAL);

  // Delivery by protocol.
  Pool pool(1, 64);
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool.pool);
  tern_ip_rx rx = {};
  rx.iface = c.I(0);
  rx.protocol = TERN_IP_PROTO_UDP;
  EXPECT_EQ(tern_ip_deliver(&c.stack, &rx, p), TERN_IP_CONSUMED);
  rx.protocol = 99;
  EXPECT_EQ(tern_ip_deliver(&c.stack, &rx, p), TERN_IP_NO_PROTOCOL);
  EXPECT_EQ(u1.inputs, 1);
  tern_pkt_free(p);
  // Errors to the quoted protocol's transport, if it takes them, which
  // the family is told (it counts them so).
  tern_ip_error e = {};
  e.protocol = TERN_IP_PROTO_UDP;
  EXPECT_TRUE(tern_ip_deliver_error(&c.stack, &e));
  e.protocol = TERN_IP_PROTO_TCP;  // no error function
  EXPECT_FALSE(tern_ip_deliver_error(&c.stack, &e));
  e.protocol = 99;  // nobody
  EXPECT_FALSE(tern_ip_deliver_error(&c.stack, &e));
  EXPECT_EQ(u1.errors, 1);
  EXPECT_EQ(u2.errors + tcp.errors + u2.inputs + tcp.inputs, 0);
}

// ---- ephemeral ports (RFC 6056 3.3.1) ----

struct Ports {
  std::set<uint16_t> taken;
  bool all = false;
  int asked = 0;
  static bool InUse(void *ctx, uint16_t port) {
    auto *p = static_cast<Ports *>(ctx);
    p->asked++;
    return p->all || p->taken.count(port) != 0;
  }
};

TEST(IpEphemeral, ARandomStartThenTheNextFreeOne) {
  Core c;
  // The RNG gives 0x1234 (as the bytes of a native uint16_t): the walk
  // starts at 49152 + 0x1234 % 16384.
  uint16_t r = 0x1234;
  uint8_t bytes[2];
  memcpy(bytes, &r, 2);
  Ports ports;
  c.rng.script = {bytes[0], bytes[1]};
  EXPECT_EQ(tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports),
            49152 + 0x1234);
  EXPECT_EQ(ports.asked, 1);
  // With that one and the next two taken: the third after it.
  ports.taken = {49152 + 0x1234, 49152 + 0x1235, 49152 + 0x1236};
  c.rng.script = {bytes[0], bytes[1]};
  EXPECT_EQ(tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports),
            49152 + 0x1237);
  // From the top of the range, the walk wraps to its bottom.
  r = 0xffff;  // 65535 % 16384 = 16383: port 65535
  memcpy(bytes, &r, 2);
  ports.taken = {65535};
  c.rng.script = {bytes[0], bytes[1]};
  EXPECT_EQ(tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports), 49152);
  ports.taken = {};
  c.rng.script = {bytes[0], bytes[1]};
  EXPECT_EQ(tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports), 65535);
}

TEST(IpEphemeral, AllTakenIsEaddrinuseAfterOneRound) {
  Core c;
  Ports ports;
  ports.all = true;
  EXPECT_EQ(tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports),
            TERN_EADDRINUSE);
  EXPECT_EQ(ports.asked, 16384);  // each port once
  // One free port anywhere is found.
  ports.all = false;
  for (uint32_t p = 49152; p <= 65535; p++) {
    if (p != 50000) {
      ports.taken.insert(static_cast<uint16_t>(p));
    }
  }
  EXPECT_EQ(tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports), 50000);
}

TEST(IpEphemeral, AFailedRngIsEio) {
  Core c;
  Ports ports;
  c.rng.fail = true;
  EXPECT_EQ(tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports), TERN_EIO);
  EXPECT_EQ(ports.asked, 0);
}

TEST(IpEphemeral, NotSequentialAcrossCalls) {
  // Each pick draws a new start: an observer cannot predict the next
  // port from the last (what a counter would give away).
  Core c;
  Ports ports;
  std::vector<int> got;
  for (int n = 0; n < 16; n++) {
    int p = tern_ip_ephemeral_port(&c.stack, Ports::InUse, &ports);
    ASSERT_GE(p, 49152);
    ASSERT_LE(p, 65535);
    got.push_back(p);
    ports.taken.insert(static_cast<uint16_t>(p));
  }
  int steps_of_one = 0;
  for (size_t k = 1; k < got.size(); k++) {
    steps_of_one += got[k] == got[k - 1] + 1;
  }
  EXPECT_LT(steps_of_one, 3);
  EXPECT_EQ(std::set<int>(got.begin(), got.end()).size(), got.size());
  EXPECT_NE(got[0], 49152);
}

// ---- stopping ----

TEST(IpStack, StopEndsTheRunnerAndItMayRunAgain) {
  Core c;
  c.Run();
  ASSERT_EQ(c.Send(kPeer, 1), 0);
  tern_ip_stack_stop(&c.stack);
  EXPECT_EQ(c.runner.Take(), 1);
  EXPECT_EQ(tern_ip_stack_poll_run(&c.stack, &c.cx), TERN_READY);
  EXPECT_EQ(c.I(0)->txq_len, 1);  // queued packets stay queued
  c.stack.stopped = 0;
  c.Run();
  EXPECT_EQ(c.L(0).TakeAll().size(), 1u);
}

}  // namespace
