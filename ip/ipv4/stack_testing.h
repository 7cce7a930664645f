// A test bench for the IP stack with IPv4: one tern_ip_stack with the IPv4
// layer and one interface over end A of a memory netdev pair (medium IP,
// ip/core/core_testing.h's Link); the test plays the peer on end B,
// injecting datagrams and reading what the stack sent. The runner is
// polled by hand with a counting waker, and the stack's RNG is a
// deterministic fill, so every run sees the same identifiers. Also: the
// helpers for comparing our datagrams with captured ones.
#ifndef TERN_IP_IPV4_STACK_TESTING_H
#define TERN_IP_IPV4_STACK_TESTING_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "ip/core/core_testing.h"
#include "tern/checksum.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/pkt.h"

namespace tern_test {

// Recomputes the IPv4 header checksum after a test edited the header.
inline void FixIpChecksum(Bytes &d) {
  size_t hlen = static_cast<size_t>(d[0] & 0x0f) * 4;
  d[10] = d[11] = 0;
  uint16_t c = tern_checksum(d.data(), hlen);
  d[10] = static_cast<uint8_t>(c >> 8);
  d[11] = static_cast<uint8_t>(c);
}

// The IPv4 identification of a datagram.
inline uint16_t Ident(const Bytes &d) {
  return static_cast<uint16_t>(d[4] << 8 | d[5]);
}

// Whether a datagram is atomic (RFC 6864 section 4): DF set, MF clear,
// fragment offset 0.
inline bool Atomic(const Bytes &d) {
  return d[6] == 0x40 && d[7] == 0;
}

// Whether a datagram we sent equals one a reference implementation sent,
// but for the IP identification (RFC 7739: ours comes from a keyed hash,
// so it cannot be the kernel's) and so the header checksum: ours must
// verify, then the reference's two fields are copied over ours and the
// rest compared byte for byte.
inline ::testing::AssertionResult SameButIdent(Bytes got, const Bytes &want) {
  if (got.size() < 20 || want.size() < 20) {
    return ::testing::AssertionFailure() << "not IPv4 datagrams: " << got.size()
                                         << " and " << want.size() << " bytes";
  }
  size_t hlen = static_cast<size_t>(got[0] & 0x0f) * 4;
  if (hlen < 20 || hlen > got.size() || tern_checksum(got.data(), hlen) != 0) {
    return ::testing::AssertionFailure() << "our header checksum is wrong";
  }
  got[4] = want[4];
  got[5] = want[5];
  got[10] = want[10];
  got[11] = want[11];
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure()
           << got.size() << " bytes, wanted " << want.size();
  }
  for (size_t i = 0; i < got.size(); i++) {
    if (got[i] != want[i]) {
      return ::testing::AssertionFailure()
             << "byte " << i << " is " << int(got[i]) << ", wanted "
             << int(want[i]);
    }
  }
  return ::testing::AssertionSuccess();
}

// An ICMP error from `from` about the datagram `quoted` (its first
// quote_len bytes), as a router or the peer sends it to `to`.
inline Bytes IcmpError(uint8_t type, uint8_t code, const Bytes &quoted,
                       size_t quote_len,
                       tern_ipv4_addr from = tern_ipv4(192, 0, 2, 1),
                       uint16_t mtu = 0,
                       tern_ipv4_addr to = tern_ipv4(192, 0, 2, 2)) {
  Bytes m(8, 0);
  m[0] = type;
  m[1] = code;
  m[6] = static_cast<uint8_t>(mtu >> 8);
  m[7] = static_cast<uint8_t>(mtu);
  m.insert(m.end(), quoted.begin(),
           quoted.begin() + static_cast<long>(quote_len));
  uint16_t c = tern_checksum(m.data(), m.size());
  m[2] = static_cast<uint8_t>(c >> 8);
  m[3] = static_cast<uint8_t>(c);
  Bytes d = {0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, TERN_IP_PROTO_ICMP, 0, 0};
  d.insert(d.end(), from.b, from.b + 4);
  d.insert(d.end(), to.b, to.b + 4);
  d.insert(d.end(), m.begin(), m.end());
  d[2] = static_cast<uint8_t>(d.size() >> 8);
  d[3] = static_cast<uint8_t>(d.size());
  FixIpChecksum(d);
  return d;
}

// An IPv4 address as the family-neutral type, and an endpoint.
inline tern_ip_addr Ip4(tern_ipv4_addr a) {
  tern_ip_addr r = {};
  r.family = TERN_IP_V4;
  r.u.v4 = a;
  return r;
}

inline tern_endpoint Ep(tern_ipv4_addr a, uint16_t port, uint8_t scope = 0) {
  tern_endpoint e = {};
  e.addr = Ip4(a);
  e.port = port;
  e.scope = scope;
  return e;
}

// Sends a datagram of protocol 253 (RFC 3692 experimentation; or
// `protocol`: TERN_IP_PROTO_ICMP's go without DF) with a payload of len
// bytes (first byte `first`, then 0xab) to dst, the way a transport does:
// route, packet, tern_ip_send. Returns the route lookup's or
// tern_ip_send's result.
inline int SendRaw(tern_ip_stack *s, tern_ipv4_addr dst, size_t len = 8,
                   uint8_t first = 0xab, uint8_t scope = 0, uint8_t ttl = 0,
                   uint8_t protocol = 253) {
  tern_ip_addr d = Ip4(dst);
  tern_ip_route r;
  int rc = tern_ip_route_lookup(s, &d, scope, &r);
  if (rc != 0) {
    return rc;
  }
  tern_pkt *p = tern_pkt_pool_try_alloc(s->pool);
  EXPECT_NE(p, nullptr);
  if (p == nullptr) {
    return TERN_ENOBUFS;
  }
  EXPECT_EQ(tern_pkt_reserve(p, r.headroom), 0);
  uint8_t *at = tern_pkt_put(p, len);
  EXPECT_NE(at, nullptr);
  memset(at, 0xab, len);
  if (len > 0) {
    at[0] = first;
  }
  return tern_ip_send(s, p, &r, &d, protocol, ttl);
}

// A stack with one interface, 192.0.2.2/24, gateway 192.0.2.1 (the
// captures' addresses: the peer is 192.0.2.1).
struct Bench {
  Pool pool{8};
  Link link;
  TestRng rng;
  tern_ip_stack stack;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  CountingWaker runner_waker;
  tern_cx cx = runner_waker.Cx();

  explicit Bench(uint16_t mtu = 1500, uint16_t headroom = 14,
                 uint16_t queue_len = 16, bool next_hop = false,
                 uint64_t seed = 1, size_t pool_count = 8)
      : pool(pool_count), link(mtu, headroom, queue_len, next_hop), rng(seed) {
    tern_rng r = rng.Rng();
    EXPECT_EQ(tern_ip_stack_init(&stack, &pool.pool, &r), 0);
    EXPECT_EQ(tern_ipv4_init(&v4, &stack), 0);
    EXPECT_EQ(tern_ip_iface_add(&stack, &iface, link.A()), 0);
    tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
    EXPECT_EQ(tern_ipv4_set_addr(&iface, &a, 24, &gw), 0);
  }
  Bench(const Bench &) = delete;

  // Polls the runner until it stops waking itself (at most n polls).
  void Run(int n = 50) {
    for (int i = 0; i < n; i++) {
      runner_waker.Take();
      EXPECT_EQ(tern_ip_stack_poll_run(&stack, &cx), TERN_PENDING);
      if (runner_waker.wakes == 0) {
        return;
      }
    }
  }

  // Injects d (as a link-layer cast), runs the stack, returns what it
  // sent.
  std::vector<Bytes> Exchange(const Bytes &d,
                              uint8_t cast = TERN_PKT_LINK_UNICAST) {
    link.Inject(d, cast);
    Run();
    return link.TakeAll();
  }

  tern_ipv4_stats Stats() {
    return tern_ipv4_get_stats(&v4);
  }
  tern_ip_stats Core() {
    return tern_ip_get_stats(&stack);
  }
};

// Two interfaces, 192.0.2.2/24 with a gateway and 198.51.100.2/24 on an
// MTU of 576, both devices taking next hops.
struct TwoIfaces {
  Pool pool;
  Link l0{1500, 14, 16, true}, l1{576, 14, 16, true};
  TestRng rng;
  tern_ip_stack s;
  tern_ipv4_layer v4;
  tern_ip_iface i0, i1;
  CountingWaker w;
  tern_cx cx = w.Cx();
  tern_ipv4_addr a0 = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
  tern_ipv4_addr a1 = tern_ipv4(198, 51, 100, 2);

  TwoIfaces() {
    tern_rng r = rng.Rng();
    EXPECT_EQ(tern_ip_stack_init(&s, &pool.pool, &r), 0);
    EXPECT_EQ(tern_ipv4_init(&v4, &s), 0);
    EXPECT_EQ(tern_ip_iface_add(&s, &i0, l0.A()), 0);
    EXPECT_EQ(tern_ip_iface_add(&s, &i1, l1.A()), 0);
    EXPECT_EQ(tern_ipv4_set_addr(&i0, &a0, 24, &gw), 0);
    EXPECT_EQ(tern_ipv4_set_addr(&i1, &a1, 24, nullptr), 0);
  }
  TwoIfaces(const TwoIfaces &) = delete;
  void Run() {
    for (int n = 0; n < 10; n++) {
      w.Take();
      EXPECT_EQ(tern_ip_stack_poll_run(&s, &cx), TERN_PENDING);
      if (w.wakes == 0) {
        return;
      }
    }
  }

  // Injects d on link l, runs the stack, returns what it sent there.
  std::vector<Bytes> Exchange(Link &l, const Bytes &d,
                              uint8_t cast = TERN_PKT_LINK_UNICAST) {
    l.Inject(d, cast);
    Run();
    return l.TakeAll();
  }
};

}  // namespace tern_test

#endif  // TERN_IP_IPV4_STACK_TESTING_H
