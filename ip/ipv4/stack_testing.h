// A test bench for the IPv4 stack: one stack whose interface is end A of
// a memory netdev pair (medium IP); the test plays the peer on end B,
// injecting datagrams and reading what the stack sent. The runner is
// polled by hand with a counting waker.
#ifndef TERN_IP_IPV4_STACK_TESTING_H
#define TERN_IP_IPV4_STACK_TESTING_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "executor/test_waker.h"
#include "tern/checksum.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/pkt.h"

namespace tern_test {

using Bytes = std::vector<uint8_t>;

inline Bytes B(const uint8_t *p, size_t n) {
  return Bytes(p, p + n);
}

// Recomputes the IPv4 header checksum after a test edited the header.
inline void FixIpChecksum(Bytes &d) {
  size_t hlen = static_cast<size_t>(d[0] & 0x0f) * 4;
  d[10] = d[11] = 0;
  uint16_t c = tern_checksum(d.data(), hlen);
  d[10] = static_cast<uint8_t>(c >> 8);
  d[11] = static_cast<uint8_t>(c);
}

// A packet pool over storage the object owns.
struct Pool {
  static constexpr size_t kBuf = 1600;
  alignas(16) uint8_t storage[TERN_PKT_POOL_STORAGE_SIZE(16, kBuf)];
  tern_pkt_pool pool;
  explicit Pool(size_t count = 8) {
    EXPECT_EQ(
        tern_pkt_pool_init(&pool, storage, TERN_PKT_STRIDE(kBuf) * count, kBuf),
        static_cast<int>(count));
  }
};

// One link: a memory netdev pair whose end A belongs to a stack.
struct Link {
  tern_memnetdev_pair pair;
  Pool peer_pool{16};
  CountingWaker peer_waker;
  tern_cx peer_cx = peer_waker.Cx();
  size_t peer_headroom = 64;  // what injected packets carry in front

  explicit Link(uint16_t mtu = 1500, uint16_t headroom = 14,
                uint16_t queue_len = 16) {
    tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
    cfg.mtu = mtu;
    cfg.headroom = headroom;
    cfg.queue_len = queue_len;
    tern_memnetdev_init(&pair, &cfg);
  }
  tern_netdev A() {
    return tern_memnetdev_a(&pair);
  }
  tern_netdev Peer() {
    return tern_memnetdev_b(&pair);
  }

  // The peer sends d to the stack.
  void Inject(const Bytes &d) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool.pool);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(tern_pkt_reserve(p, peer_headroom), 0);
    uint8_t *at = tern_pkt_put(p, d.size());
    ASSERT_NE(at, nullptr);
    memcpy(at, d.data(), d.size());
    tern_netdev dev = Peer();
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&dev, &peer_cx, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
  }

  // What the stack sent, oldest first; the next hops in hops.
  bool Take(Bytes *out, uint8_t hop[4] = nullptr) {
    tern_netdev dev = Peer();
    tern_pkt *p = nullptr;
    int err = 0;
    if (tern_netdev_poll_recv(&dev, &peer_cx, &p, &err) != TERN_READY) {
      return false;
    }
    EXPECT_EQ(err, 0);
    out->assign(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    if (hop != nullptr) {
      memcpy(hop, p->next_hop, 4);
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

// A stack with one interface, 192.0.2.2/24, gateway 192.0.2.1 (the
// captures' addresses: the peer is 192.0.2.1).
struct Bench {
  Pool pool{8};
  Link link;
  tern_ipv4_stack stack;
  tern_ipv4_iface iface;
  CountingWaker runner_waker;
  tern_cx cx = runner_waker.Cx();

  explicit Bench(uint16_t mtu = 1500, uint16_t headroom = 14)
      : link(mtu, headroom) {
    EXPECT_EQ(tern_ipv4_stack_init(&stack, &pool.pool), 0);
    tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
    EXPECT_EQ(tern_ipv4_iface_add(&stack, &iface, link.A(), &a, 24, &gw), 0);
  }

  // Polls the runner until it stops waking itself (at most n polls).
  void Run(int n = 50) {
    for (int i = 0; i < n; i++) {
      runner_waker.Take();
      EXPECT_EQ(tern_ipv4_stack_poll_run(&stack, &cx), TERN_PENDING);
      if (runner_waker.wakes == 0) {
        return;
      }
    }
  }

  // Injects d, runs the stack, returns what it sent.
  std::vector<Bytes> Exchange(const Bytes &d) {
    link.Inject(d);
    Run();
    return link.TakeAll();
  }

  tern_ipv4_stats Stats() {
    return tern_ipv4_get_stats(&stack);
  }
};

}  // namespace tern_test

#endif  // TERN_IP_IPV4_STACK_TESTING_H
