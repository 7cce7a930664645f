// Test helpers for the IP core and the layers on it: a deterministic RNG,
// a packet pool, a pass-through device that can claim more than the
// device under it, and a link (a memory netdev pair) whose far end the
// test plays.
#ifndef TERN_IP_CORE_CORE_TESTING_H
#define TERN_IP_CORE_CORE_TESTING_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "executor/test_waker.h"
#include "tern/hal_rng.h"
#include "tern/memnetdev.h"
#include "tern/netdev.h"
#include "tern/pkt.h"

namespace tern_test {

using Bytes = std::vector<uint8_t>;

inline Bytes B(const uint8_t *p, size_t n) {
  return Bytes(p, p + n);
}

// A deterministic RNG for the stack (splitmix64 from a seed): the same
// seed gives the same identifiers, another seed others. `script` bytes
// come out first, when a test needs exact values; `fail` makes it report
// TERN_EIO.
struct TestRng {
  uint64_t state;
  bool fail = false;
  int calls = 0;
  std::deque<uint8_t> script;

  explicit TestRng(uint64_t seed = 1) : state(seed) {}
  TestRng(const TestRng &) = delete;  // the stack keeps a pointer to it

  static int Fill(void *self, void *buf, size_t len) {
    auto *r = static_cast<TestRng *>(self);
    r->calls++;
    if (r->fail) {
      return TERN_EIO;
    }
    auto *b = static_cast<uint8_t *>(buf);
    for (size_t i = 0; i < len; i++) {
      if (!r->script.empty()) {
        b[i] = r->script.front();
        r->script.pop_front();
        continue;
      }
      uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      b[i] = static_cast<uint8_t>(z ^ (z >> 31));
    }
    return 0;
  }
  tern_rng Rng() {
    return tern_rng{&TestRng::Fill, this};
  }
};

// A packet pool over storage the object owns.
struct Pool {
  static constexpr size_t kBuf = 1600;
  static constexpr size_t kMax = 16;
  alignas(16) uint8_t storage[TERN_PKT_POOL_STORAGE_SIZE(kMax, kBuf)];
  tern_pkt_pool pool;
  explicit Pool(size_t count = 8, size_t buf = kBuf) {
    EXPECT_LE(count, kMax);
    EXPECT_LE(buf, kBuf);
    EXPECT_EQ(
        tern_pkt_pool_init(&pool, storage, TERN_PKT_STRIDE(buf) * count, buf),
        static_cast<int>(count));
  }
};

// A device around another (a memory netdev end) that passes everything
// through, and can claim more: TERN_NETDEV_NEXT_HOP with room for the next
// hop in its headroom (as the Ethernet adapter does), extra headroom, a
// receive side that reports TERN_ECLOSED, a link-layer cast for each
// received packet (as an Ethernet adapter would set it). It counts the
// addresses it is told.
struct WrapDev {
  tern_netdev inner;
  tern_netdev_ops ops = {};
  bool next_hop = false;        // claim TERN_NETDEV_NEXT_HOP
  uint16_t extra_headroom = 0;  // claimed on top of the inner device's
  bool rx_closed = false;       // poll_recv: TERN_ECLOSED
  int closed_reports = 0;       // times it said so
  std::deque<uint8_t> casts;    // link_cast for the next packets received
  int set_addr_calls = 0;
  uint8_t addr[4] = {9, 9, 9, 9};  // the last IPv4 address told

  explicit WrapDev(tern_netdev in) : inner(in) {
    ops.poll_recv = Recv;
    ops.poll_send = Send;
    ops.get_info = Info;
    ops.get_stats = Stats;
    ops.poll_event = Event;
    ops.set_addr = SetAddr;
    ops.mcast = Mcast;
  }
  WrapDev(const WrapDev &) = delete;
  tern_netdev Dev() {
    return tern_netdev{&ops, this};
  }

  static tern_poll Recv(void *self, tern_cx *cx, tern_pkt **p, int *err) {
    auto *d = static_cast<WrapDev *>(self);
    if (d->rx_closed) {
      d->closed_reports++;
      *p = nullptr;
      *err = TERN_ECLOSED;
      return TERN_READY;
    }
    tern_poll r = tern_netdev_poll_recv(&d->inner, cx, p, err);
    if (r == TERN_READY && *p != nullptr && !d->casts.empty()) {
      (*p)->link_cast = d->casts.front();
      d->casts.pop_front();
    }
    return r;
  }
  static tern_poll Send(void *self, tern_cx *cx, tern_pkt *p, int *err) {
    auto *d = static_cast<WrapDev *>(self);
    return tern_netdev_poll_send(&d->inner, cx, p, err);
  }
  static void Info(void *self, tern_netdev_info *info) {
    auto *d = static_cast<WrapDev *>(self);
    *info = tern_netdev_get_info(&d->inner);
    info->headroom = static_cast<uint16_t>(info->headroom + d->extra_headroom);
    if (d->next_hop) {
      info->flags |= TERN_NETDEV_NEXT_HOP;
      info->headroom =
          static_cast<uint16_t>(info->headroom + TERN_PKT_NEXT_HOP6_LEN);
    }
  }
  static const tern_netdev_stats *Stats(void *self) {
    auto *d = static_cast<WrapDev *>(self);
    return tern_netdev_get_stats(&d->inner);
  }
  static tern_poll Event(void *self, tern_cx *cx, uint32_t *events) {
    auto *d = static_cast<WrapDev *>(self);
    return tern_netdev_poll_event(&d->inner, cx, events);
  }
  static int SetAddr(void *self, const uint8_t *a, size_t len) {
    auto *d = static_cast<WrapDev *>(self);
    d->set_addr_calls++;
    if (len == 4) {
      memcpy(d->addr, a, 4);
    }
    return tern_netdev_set_addr(&d->inner, a, len);
  }
  static int Mcast(void *self, const uint8_t *g, size_t len, bool join) {
    auto *d = static_cast<WrapDev *>(self);
    return tern_netdev_mcast(&d->inner, g, len, join);
  }
};

// One link: a memory netdev pair whose end A (through a WrapDev) belongs
// to a stack.
struct Link {
  tern_memnetdev_pair pair;
  WrapDev dev{tern_memnetdev_a(&pair)};
  Pool peer_pool{16};
  CountingWaker peer_waker;
  tern_cx peer_cx = peer_waker.Cx();
  size_t peer_headroom = 64;  // what injected packets carry in front

  // next_hop: the stack's device claims TERN_NETDEV_NEXT_HOP, so the
  // next hop of each packet it sends can be read (Take's hop).
  explicit Link(uint16_t mtu = 1500, uint16_t headroom = 14,
                uint16_t queue_len = 16, bool next_hop = false) {
    tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
    cfg.mtu = mtu;
    cfg.headroom = headroom;
    cfg.queue_len = queue_len;
    tern_memnetdev_init(&pair, &cfg);
    dev.next_hop = next_hop;
  }
  Link(const Link &) = delete;
  tern_netdev A() {
    return dev.Dev();
  }
  tern_netdev Peer() {
    return tern_memnetdev_b(&pair);
  }

  // The peer sends d to the stack, as a link-layer cast (what an Ethernet
  // adapter would have seen) of cast.
  void Inject(const Bytes &d, uint8_t cast = TERN_PKT_LINK_UNICAST) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool.pool);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(tern_pkt_reserve(p, peer_headroom), 0);
    uint8_t *at = tern_pkt_put(p, d.size());
    ASSERT_NE(at, nullptr);
    memcpy(at, d.data(), d.size());
    tern_netdev peer = Peer();
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&peer, &peer_cx, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
    dev.casts.push_back(cast);
  }

  // What the stack sent, oldest first; its next hop in hop (only on a
  // link made with next_hop: other devices are given none).
  bool Take(Bytes *out, uint8_t hop[4] = nullptr) {
    tern_netdev peer = Peer();
    tern_pkt *p = nullptr;
    int err = 0;
    if (tern_netdev_poll_recv(&peer, &peer_cx, &p, &err) != TERN_READY) {
      return false;
    }
    EXPECT_EQ(err, 0);
    out->assign(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    if (hop != nullptr) {
      if (dev.next_hop) {
        memcpy(hop, tern_pkt_next_hop(p), 4);
      } else {
        ADD_FAILURE() << "the link's device takes no next hops";
        memset(hop, 0, 4);
      }
    }
    tern_pkt_free(p);
    return true;
  }

  // Everything the stack sent.
  std::vector<Bytes> TakeAll() {
    std::vector<Bytes> v;
    Bytes b;
    while (Take(&b)) {
      v.push_back(b);
    }
    return v;
  }
};

}  // namespace tern_test

#endif  // TERN_IP_CORE_CORE_TESTING_H
