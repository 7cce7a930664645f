// The IPv4 layer against a peer played by the test over a memory netdev,
// with datagrams from real captures (capture_vectors*.h).
#include "tern/ipv4.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ip/ipv4/capture_vectors.h"
#include "ip/ipv4/capture_vectors_big.h"
#include "ip/ipv4/stack_testing.h"
#include "tern/sim.h"

namespace {

using tern_test::B;
using tern_test::Bench;
using tern_test::Bytes;
using tern_test::FixIpChecksum;
using tern_test::Link;

// A stand-in transport: counts what it is given and answers a fixed
// verdict.
struct FakeProto {
  tern_ipv4_proto proto = {};
  tern_ipv4_verdict verdict = TERN_IPV4_NO_LISTENER;
  int calls = 0;
  tern_ipv4_rx last = {};
  Bytes payload;

  static tern_ipv4_verdict Input(void *ctx, const tern_ipv4_rx *rx,
                                 tern_pkt *pkt) {
    auto *f = static_cast<FakeProto *>(ctx);
    f->calls++;
    f->last = *rx;
    f->payload.assign(tern_pkt_data(pkt),
                      tern_pkt_data(pkt) + tern_pkt_len(pkt));
    return f->verdict;
  }
  explicit FakeProto(uint8_t protocol) {
    proto.protocol = protocol;
    proto.input = Input;
    proto.ctx = this;
  }
};

// A device that records what the stack told it with set_ipv4, around a
// memory netdev end.
struct AddrDev {
  tern_netdev inner;
  uint8_t addr[4] = {9, 9, 9, 9};
  int calls = 0;
  uint16_t extra_headroom = 0;  // claimed on top of the inner device's
  tern_netdev_ops ops;

  static tern_poll Recv(void *self, tern_cx *cx, tern_pkt **p, int *err) {
    auto *d = static_cast<AddrDev *>(self);
    return tern_netdev_poll_recv(&d->inner, cx, p, err);
  }
  static tern_poll Send(void *self, tern_cx *cx, tern_pkt *p, int *err) {
    auto *d = static_cast<AddrDev *>(self);
    return tern_netdev_poll_send(&d->inner, cx, p, err);
  }
  static void Info(void *self, tern_netdev_info *info) {
    auto *d = static_cast<AddrDev *>(self);
    *info = tern_netdev_get_info(&d->inner);
    info->headroom = static_cast<uint16_t>(info->headroom + d->extra_headroom);
  }
  static void SetIpv4(void *self, const uint8_t a[4]) {
    auto *d = static_cast<AddrDev *>(self);
    memcpy(d->addr, a, 4);
    d->calls++;
  }
  explicit AddrDev(tern_netdev in) : inner(in), ops() {
    ops.poll_recv = Recv;
    ops.poll_send = Send;
    ops.get_info = Info;
    ops.set_ipv4 = SetIpv4;
  }
  tern_netdev Dev() {
    return tern_netdev{&ops, this};
  }
};

// The kernel's echo replies differ from a request only in type, checksum
// and the IP header's identification (and so its checksum) and flags
// (Linux replies without DF). Seeding the stack's identification counter
// with the kernel's value therefore makes the whole reply comparable.
TEST(Ipv4Echo, ReplyTo56BytePingMatchesLinux) {
  Bench b;
  b.stack.next_ident = 0x4be4;
  auto out = b.Exchange(B(kEchoRequest, sizeof kEchoRequest));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], B(kEchoReply, sizeof kEchoReply));
  EXPECT_EQ(b.Stats().icmp_echo_replies, 1u);
  // Built in the request's own buffer: the stack's pool was not touched.
  EXPECT_EQ(tern_pkt_pool_get_stats(&b.pool.pool).allocs, 0u);
}

TEST(Ipv4Echo, ReplyTo1472BytePingMatchesLinux) {
  Bench b;
  b.stack.next_ident = 0x4be5;
  auto out = b.Exchange(B(kBigEchoRequest, sizeof kBigEchoRequest));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), 1500u);
  EXPECT_EQ(out[0], B(kBigEchoReply, sizeof kBigEchoReply));
}

TEST(Ipv4Echo, ReplyToEmptyPingMatchesLinux) {
  Bench b;
  b.stack.next_ident = 0x4be6;
  auto out = b.Exchange(B(kEmptyEchoRequest, sizeof kEmptyEchoRequest));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], B(kEmptyEchoReply, sizeof kEmptyEchoReply));
}

TEST(Ipv4Echo, WithoutHeadroomTheReplyIsMovedInItsBuffer) {
  // A device that needs more room in front than its received packets
  // have: the reply is moved back in the request's buffer (which has the
  // tailroom), still without taking a packet from the stack's pool.
  tern_test::Pool pool;
  Link link;
  link.peer_headroom = 14;
  AddrDev dev(link.A());
  dev.extra_headroom = 16;
  tern_ipv4_stack s;
  tern_ipv4_iface i;
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  ASSERT_EQ(tern_ipv4_stack_init(&s, &pool.pool), 0);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_ipv4_iface_add(&s, &i, dev.Dev(), &a, 24, nullptr), 0);
  s.next_ident = 0x4be4;
  link.Inject(B(kEchoRequest, sizeof kEchoRequest));
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  Bytes got;
  ASSERT_TRUE(link.Take(&got));
  EXPECT_EQ(got, B(kEchoReply, sizeof kEchoReply));
  EXPECT_EQ(tern_pkt_pool_get_stats(&pool.pool).allocs, 0u);
  EXPECT_EQ(tern_pkt_pool_available(&pool.pool), 8u);
  EXPECT_EQ(tern_pkt_pool_available(&link.peer_pool.pool), 16u);
  // The same for a port unreachable, whose 8-byte header needs more.
  FakeProto udp(TERN_IP_PROTO_UDP);
  ASSERT_EQ(tern_ipv4_register_proto(&s, &udp.proto), 0);
  s.next_ident = 0x1259;
  link.Inject(B(kUdpToClosedPort, sizeof kUdpToClosedPort));
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  ASSERT_TRUE(link.Take(&got));
  EXPECT_EQ(got, B(kPortUnreachable, sizeof kPortUnreachable));
  // When the tailroom is short too, nothing is sent and it is counted:
  // 200 more bytes in front of a 1500-byte reply in a 1600-byte buffer.
  dev.extra_headroom = 200;
  ASSERT_EQ(tern_ipv4_iface_set_addr(&i, &a, 24, nullptr), 0);  // re-read
  link.Inject(B(kBigEchoRequest, sizeof kBigEchoRequest));
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  EXPECT_FALSE(link.Take(&got));
  EXPECT_EQ(s.stats.tx_no_room, 1u);
  EXPECT_EQ(tern_pkt_pool_available(&link.peer_pool.pool), 16u);
}

TEST(Ipv4Echo, RequestWithOptionsIsAnsweredWithoutThem) {
  Bench b;
  b.stack.next_ident = 0x4be4;
  Bytes d = B(kRouterAlertHeader, sizeof kRouterAlertHeader);
  d.insert(d.end(), kEchoRequest + 20, kEchoRequest + sizeof kEchoRequest);
  auto out = b.Exchange(d);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], B(kEchoReply, sizeof kEchoReply));
}

TEST(Ipv4Echo, LinkPaddingIsNotEchoed) {
  Bench b;
  b.stack.next_ident = 0x4be6;
  Bytes d = B(kEmptyEchoRequest, sizeof kEmptyEchoRequest);
  d.resize(46, 0);  // an Ethernet minimum frame's padding
  auto out = b.Exchange(d);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], B(kEmptyEchoReply, sizeof kEmptyEchoReply));
}

TEST(Ipv4Echo, BroadcastPingIsIgnored) {
  Bench b;
  for (int last : {255, -1}) {
    Bytes d = B(kEchoRequest, sizeof kEchoRequest);
    if (last == 255) {
      d[19] = 255;  // 192.0.2.255, the subnet broadcast
    } else {
      d[16] = d[17] = d[18] = d[19] = 255;
    }
    FixIpChecksum(d);
    EXPECT_TRUE(b.Exchange(d).empty());
  }
  EXPECT_EQ(b.Stats().icmp_echo_bcast, 2u);
}

TEST(Ipv4Icmp, OtherTypesAndBadMessagesAreCounted) {
  Bench b;
  // The kernel's reply, as if we had pinged: not a request, ignored.
  Bytes reply = B(kEchoReply, sizeof kEchoReply);
  std::swap_ranges(reply.begin() + 12, reply.begin() + 16, reply.begin() + 16);
  FixIpChecksum(reply);
  EXPECT_TRUE(b.Exchange(reply).empty());
  EXPECT_EQ(b.Stats().icmp_rx_ignored, 1u);
  Bytes bad = B(kEchoRequest, sizeof kEchoRequest);
  bad[40] ^= 1;  // a data byte: the ICMP checksum fails
  EXPECT_TRUE(b.Exchange(bad).empty());
  EXPECT_EQ(b.Stats().icmp_rx_drop[-TERN_ICMPV4_DROP_CHECKSUM], 1u);
  Bytes runt = B(kEchoRequest, 24);  // 4 ICMP bytes
  runt[3] = 24;
  FixIpChecksum(runt);
  EXPECT_TRUE(b.Exchange(runt).empty());
  EXPECT_EQ(b.Stats().icmp_rx_drop[-TERN_ICMPV4_DROP_TRUNCATED], 1u);
}

// Each malformed variant of the captured request is dropped, counted
// under its reason, and answered with nothing.
TEST(Ipv4Input, MalformedDatagramsAreDroppedAndCounted) {
  Bench b;
  const Bytes good = B(kEchoRequest, sizeof kEchoRequest);
  struct Case {
    const char *what;
    Bytes d;
    uint32_t tern_ipv4_stats::*counter;  // or nullptr: rx_drop[index]
    int drop_index;
  };
  std::vector<Case> cases;
  cases.push_back({"truncated", Bytes(good.begin(), good.end() - 1), nullptr,
                   -TERN_IPV4_DROP_TRUNCATED});
  cases.push_back({"runt", Bytes(good.begin(), good.begin() + 19), nullptr,
                   -TERN_IPV4_DROP_TRUNCATED});
  Bytes d = good;
  d[10] ^= 0x01;
  cases.push_back({"checksum", d, nullptr, -TERN_IPV4_DROP_CHECKSUM});
  d = good;
  d[0] = 0x65;
  FixIpChecksum(d);
  cases.push_back({"version", d, nullptr, -TERN_IPV4_DROP_VERSION});
  d = good;
  d[0] = 0x44;
  cases.push_back({"ihl", d, nullptr, -TERN_IPV4_DROP_IHL});
  d = good;
  d[2] = 0;
  d[3] = 19;
  FixIpChecksum(d);
  cases.push_back({"total length", d, nullptr, -TERN_IPV4_DROP_TOTAL_LENGTH});
  d = good;
  d[6] = 0x20;  // MF
  FixIpChecksum(d);
  cases.push_back({"first fragment", d, nullptr, -TERN_IPV4_DROP_FRAGMENT});
  d = good;
  d[6] = 0x00;
  d[7] = 0x10;  // offset 128
  FixIpChecksum(d);
  cases.push_back({"later fragment", d, nullptr, -TERN_IPV4_DROP_FRAGMENT});
  d = good;
  d[19] = 3;  // 192.0.2.3: someone else on the link
  FixIpChecksum(d);
  cases.push_back({"not for us", d, &tern_ipv4_stats::rx_drop_not_for_us, 0});
  d = good;
  d[16] = 198;
  d[17] = 51;
  d[18] = 100;
  d[19] = 2;  // another network: hosts do not forward
  FixIpChecksum(d);
  cases.push_back({"off-net", d, &tern_ipv4_stats::rx_drop_not_for_us, 0});
  d = good;
  d[16] = 224;
  d[17] = 0;
  d[18] = 0;
  d[19] = 1;  // multicast: no group joined
  FixIpChecksum(d);
  cases.push_back({"multicast", d, &tern_ipv4_stats::rx_drop_not_for_us, 0});
  d = good;
  d[12] = d[13] = d[14] = d[15] = 255;
  FixIpChecksum(d);
  cases.push_back(
      {"broadcast source", d, &tern_ipv4_stats::rx_drop_bad_src, 0});
  d = good;
  d[12] = 127;
  d[15] = 1;
  FixIpChecksum(d);
  cases.push_back({"loopback source", d, &tern_ipv4_stats::rx_drop_bad_src, 0});
  d = good;
  d[15] = 255;  // 192.0.2.255 as a source
  FixIpChecksum(d);
  cases.push_back(
      {"subnet bcast source", d, &tern_ipv4_stats::rx_drop_bad_src, 0});
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    tern_ipv4_stats before = b.Stats();
    EXPECT_TRUE(b.Exchange(c.d).empty());
    tern_ipv4_stats after = b.Stats();
    if (c.counter != nullptr) {
      EXPECT_EQ(after.*(c.counter), before.*(c.counter) + 1);
    } else {
      EXPECT_EQ(after.rx_drop[c.drop_index], before.rx_drop[c.drop_index] + 1);
    }
    EXPECT_EQ(after.rx_delivered, before.rx_delivered);
    EXPECT_EQ(after.rx_packets, before.rx_packets + 1);
  }
  // Every received buffer went back to the peer's pool.
  EXPECT_EQ(tern_pkt_pool_available(&b.link.peer_pool.pool), 16u);
}

TEST(Ipv4Input, TtlOneAndZeroAreAccepted) {
  // RFC 1122 3.2.1.7: a host MUST NOT discard a datagram just because it
  // was received with a TTL less than 2 (found in review: TTL 0 was
  // dropped).
  for (uint8_t ttl : {1, 0}) {
    Bench b;
    Bytes d = B(kEchoRequest, sizeof kEchoRequest);
    d[8] = ttl;
    FixIpChecksum(d);
    EXPECT_EQ(b.Exchange(d).size(), 1u) << "ttl " << int(ttl);
  }
}

TEST(Ipv4Unreach, ClosedPortGetsThePortUnreachableLinuxSent) {
  Bench b;
  FakeProto udp(TERN_IP_PROTO_UDP);
  ASSERT_EQ(tern_ipv4_register_proto(&b.stack, &udp.proto), 0);
  b.stack.next_ident = 0x1259;
  auto out = b.Exchange(B(kUdpToClosedPort, sizeof kUdpToClosedPort));
  ASSERT_EQ(udp.calls, 1);
  EXPECT_EQ(udp.payload, B(kUdpToClosedPort + 20, 23));
  EXPECT_EQ(udp.last.protocol, TERN_IP_PROTO_UDP);
  EXPECT_FALSE(udp.last.broadcast);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], B(kPortUnreachable, sizeof kPortUnreachable));
  EXPECT_EQ(b.Stats().icmp_unreach_sent, 1u);
}

TEST(Ipv4Unreach, UnknownProtocolGetsProtocolUnreachable) {
  Bench b;
  Bytes d = B(kUdpToClosedPort, sizeof kUdpToClosedPort);
  d[9] = 99;
  FixIpChecksum(d);
  auto out = b.Exchange(d);
  EXPECT_EQ(b.Stats().rx_drop_proto, 1u);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), 20u + 8 + d.size());
  EXPECT_EQ(out[0][20], TERN_ICMPV4_DEST_UNREACH);
  EXPECT_EQ(out[0][21], TERN_ICMPV4_PROTO_UNREACH);
  EXPECT_EQ(Bytes(out[0].begin() + 28, out[0].end()), d);
}

TEST(Ipv4Unreach, NoErrorsAboutBroadcastsOrWhenConsumed) {
  Bench b;
  FakeProto udp(TERN_IP_PROTO_UDP);
  ASSERT_EQ(tern_ipv4_register_proto(&b.stack, &udp.proto), 0);
  Bytes d = B(kUdpToClosedPort, sizeof kUdpToClosedPort);
  d[19] = 255;
  FixIpChecksum(d);
  EXPECT_TRUE(b.Exchange(d).empty());
  EXPECT_TRUE(udp.last.broadcast);
  udp.verdict = TERN_IPV4_CONSUMED;
  EXPECT_TRUE(b.Exchange(B(kUdpToClosedPort, sizeof kUdpToClosedPort)).empty());
  udp.verdict = TERN_IPV4_DROP;
  EXPECT_TRUE(b.Exchange(B(kUdpToClosedPort, sizeof kUdpToClosedPort)).empty());
  EXPECT_EQ(b.Stats().rx_drop_transport, 1u);
  EXPECT_EQ(udp.calls, 3);
}

TEST(Ipv4Unreach, RateLimiterStopsAFlood) {
  tern_sim_set_time(1000);
  Bench b;
  FakeProto udp(TERN_IP_PROTO_UDP);
  ASSERT_EQ(tern_ipv4_register_proto(&b.stack, &udp.proto), 0);
  const Bytes d = B(kUdpToClosedPort, sizeof kUdpToClosedPort);
  size_t sent = 0;
  for (int i = 0; i < 30; i++) {
    sent += b.Exchange(d).size();
  }
  EXPECT_EQ(sent, static_cast<size_t>(TERN_IPV4_ICMP_BURST));
  EXPECT_EQ(b.Stats().icmp_rate_limited, 30u - TERN_IPV4_ICMP_BURST);
  // One interval later: one more token.
  tern_sim_advance(TERN_IPV4_ICMP_INTERVAL_MS);
  EXPECT_EQ(b.Exchange(d).size(), 1u);
  EXPECT_EQ(b.Exchange(d).size(), 0u);
  // A long quiet spell refills the bucket, but no further than the burst.
  tern_sim_advance(60000);
  sent = 0;
  for (int i = 0; i < 30; i++) {
    sent += b.Exchange(d).size();
  }
  EXPECT_EQ(sent, static_cast<size_t>(TERN_IPV4_ICMP_BURST));
  // Echo replies are not limited.
  EXPECT_EQ(b.Exchange(B(kEchoRequest, sizeof kEchoRequest)).size(), 1u);
}

TEST(Ipv4Stack, RegistrationRules) {
  Bench b;
  FakeProto icmp(TERN_IP_PROTO_ICMP), u1(17), u2(17);
  EXPECT_EQ(tern_ipv4_register_proto(&b.stack, &icmp.proto), TERN_EADDRINUSE);
  EXPECT_EQ(tern_ipv4_register_proto(&b.stack, &u1.proto), 0);
  EXPECT_EQ(tern_ipv4_register_proto(&b.stack, &u2.proto), TERN_EADDRINUSE);
  // The same struct twice is its protocol twice.
  EXPECT_EQ(tern_ipv4_register_proto(&b.stack, &u1.proto), TERN_EADDRINUSE);
  EXPECT_EQ(b.stack.protos, &u1.proto);  // once, the list not looped
  EXPECT_EQ(u1.proto.next, nullptr);
  EXPECT_EQ(tern_ipv4_stack_init(&b.stack, nullptr), TERN_EINVAL);
}

TEST(Ipv4Iface, AddressChangesAreToldToTheDevice) {
  tern_test::Pool pool;
  Link link;
  AddrDev dev(link.A());
  tern_ipv4_stack s;
  tern_ipv4_iface i;
  ASSERT_EQ(tern_ipv4_stack_init(&s, &pool.pool), 0);
  ASSERT_EQ(tern_ipv4_iface_add(&s, &i, dev.Dev(), nullptr, 0, nullptr), 0);
  EXPECT_EQ(dev.calls, 1);
  EXPECT_EQ(Bytes(dev.addr, dev.addr + 4), Bytes({0, 0, 0, 0}));
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_ipv4_iface_set_addr(&i, &a, 24, nullptr), 0);
  EXPECT_EQ(dev.calls, 2);
  EXPECT_EQ(Bytes(dev.addr, dev.addr + 4), Bytes({192, 0, 2, 2}));
  EXPECT_EQ(tern_ipv4_iface_set_addr(&i, &a, 33, nullptr), TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_iface_add(&s, &i, dev.Dev(), &a, 24, nullptr),
            TERN_EINVAL);  // added twice
}

TEST(Ipv4Iface, EthernetMediumIsRefused) {
  tern_test::Pool pool;
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  tern_memnetdev_pair pair;
  tern_memnetdev_init(&pair, &cfg);
  tern_ipv4_stack s;
  tern_ipv4_iface i;
  ASSERT_EQ(tern_ipv4_stack_init(&s, &pool.pool), 0);
  EXPECT_EQ(
      tern_ipv4_iface_add(&s, &i, tern_memnetdev_a(&pair), nullptr, 0, nullptr),
      TERN_EINVAL);
}

TEST(Ipv4Iface, MtuBelow576IsRefused) {
  // Without reassembly only what arrives in one piece is received, and
  // every host must take 576-byte datagrams (RFC 791).
  tern_test::Pool pool;
  Link small(575), enough(576);
  tern_ipv4_stack s;
  tern_ipv4_iface i;
  ASSERT_EQ(tern_ipv4_stack_init(&s, &pool.pool), 0);
  EXPECT_EQ(tern_ipv4_iface_add(&s, &i, small.A(), nullptr, 0, nullptr),
            TERN_EINVAL);
  EXPECT_EQ(s.ifaces, nullptr);
  EXPECT_EQ(tern_ipv4_iface_add(&s, &i, enough.A(), nullptr, 0, nullptr), 0);
}

TEST(Ipv4Output, ShortHeadroomIsMovedOrRefused) {
  Bench b;
  // No headroom at all: the payload moves back in its buffer.
  tern_pkt *p = tern_pkt_pool_try_alloc(&b.pool.pool);
  ASSERT_NE(p, nullptr);
  memset(tern_pkt_put(p, 8), 0xab, 8);
  tern_ipv4_addr dst = tern_ipv4(192, 0, 2, 1);
  ASSERT_EQ(tern_ipv4_output(&b.stack, p, nullptr, &dst, 253, 0), 0);
  b.Run();
  auto out = b.link.TakeAll();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), 28u);
  EXPECT_EQ(Bytes(out[0].begin() + 20, out[0].end()), Bytes(8, 0xab));
  EXPECT_EQ(tern_checksum(out[0].data(), 20), 0);
  // A device that wants 120 bytes in front: a 1480-byte payload with 10
  // in front cannot move back far enough in its 1600-byte buffer
  // (120 + 20 + 1480 > 1600): TERN_ENOSPC, counted, the packet freed.
  Bench big(1500, 120);
  p = tern_pkt_pool_try_alloc(&big.pool.pool);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(tern_pkt_capacity(p), 1600u);
  ASSERT_EQ(tern_pkt_reserve(p, 10), 0);
  ASSERT_NE(tern_pkt_put(p, 1480), nullptr);
  EXPECT_EQ(tern_ipv4_output(&big.stack, p, nullptr, &dst, 253, 0),
            TERN_ENOSPC);
  EXPECT_EQ(big.Stats().tx_no_room, 1u);
  EXPECT_EQ(tern_pkt_pool_available(&big.pool.pool), 8u);
}

// A packet of protocol 253 with an 8-byte payload (n its first byte)
// and 64 bytes of headroom, from pool.
tern_pkt *Payload(tern_pkt_pool *pool, uint8_t n = 0xab) {
  tern_pkt *p = tern_pkt_pool_try_alloc(pool);
  EXPECT_NE(p, nullptr);
  EXPECT_EQ(tern_pkt_reserve(p, 64), 0);
  memset(tern_pkt_put(p, 8), 0xab, 8);
  tern_pkt_data(p)[0] = n;
  return p;
}

TEST(Ipv4Output, WithTheRouteGoesOutAsWithoutIt) {
  Bench b;
  // The same datagrams (ident seeded the same) through both functions,
  // off-link (next hop the gateway) and on-link, with a TTL and with
  // the default; the next hops compared too.
  const tern_ipv4_addr dsts[] = {tern_ipv4(198, 51, 100, 7),
                                 tern_ipv4(192, 0, 2, 9)};
  for (const tern_ipv4_addr &dst : dsts) {
    for (uint8_t ttl : {0, 3}) {
      b.stack.next_ident = 0x1234;
      ASSERT_EQ(tern_ipv4_output(&b.stack, Payload(&b.pool.pool), nullptr, &dst,
                                 253, ttl),
                0);
      b.Run();
      Bytes plain, routed;
      uint8_t plain_hop[4], routed_hop[4];
      ASSERT_TRUE(b.link.Take(&plain, plain_hop));
      tern_ipv4_route r;
      ASSERT_EQ(tern_ipv4_route_lookup(&b.stack, &dst, &r), 0);
      b.stack.next_ident = 0x1234;
      ASSERT_EQ(tern_ipv4_output_route(&b.stack, Payload(&b.pool.pool), &r,
                                       &dst, 253, ttl),
                0);
      b.Run();
      ASSERT_TRUE(b.link.Take(&routed, routed_hop));
      EXPECT_TRUE(b.link.TakeAll().empty());
      EXPECT_EQ(routed, plain);
      EXPECT_EQ(Bytes(routed_hop, routed_hop + 4),
                Bytes(plain_hop, plain_hop + 4));
      EXPECT_EQ(Bytes(routed_hop, routed_hop + 4),
                Bytes(r.next_hop.b, r.next_hop.b + 4));
      ASSERT_EQ(routed.size(), 28u);
      EXPECT_EQ(tern_checksum(routed.data(), 20), 0);
      EXPECT_EQ(routed[8], ttl != 0 ? ttl : TERN_IPV4_DEFAULT_TTL);
    }
  }
  EXPECT_EQ(b.Stats().tx_packets, 8u);
  EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
}

TEST(Ipv4Output, WithTheRouteFromTheRoutesSourceAndChecked) {
  Bench b, other;
  tern_ipv4_addr dst = tern_ipv4(192, 0, 2, 9);
  tern_ipv4_route r;
  ASSERT_EQ(tern_ipv4_route_lookup(&b.stack, &dst, &r), 0);
  // The source is the route's: the caller may set another.
  r.src = tern_ipv4(192, 0, 2, 77);
  ASSERT_EQ(
      tern_ipv4_output_route(&b.stack, Payload(&b.pool.pool), &r, &dst, 253, 0),
      0);
  b.Run();
  auto out = b.link.TakeAll();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Bytes(out[0].begin() + 12, out[0].begin() + 16),
            Bytes({192, 0, 2, 77}));
  EXPECT_EQ(tern_checksum(out[0].data(), 20), 0);
  // Bad arguments: TERN_EINVAL, the packet taken (freed) but for a NULL
  // one; a route of another stack is refused, nothing is sent.
  EXPECT_EQ(tern_ipv4_output_route(&b.stack, nullptr, &r, &dst, 253, 0),
            TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_output_route(&b.stack, Payload(&b.pool.pool), nullptr,
                                   &dst, 253, 0),
            TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_output_route(&b.stack, Payload(&b.pool.pool), &r, nullptr,
                                   253, 0),
            TERN_EINVAL);
  EXPECT_EQ(
      tern_ipv4_output_route(nullptr, Payload(&b.pool.pool), &r, &dst, 253, 0),
      TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_output_route(&other.stack, Payload(&b.pool.pool), &r,
                                   &dst, 253, 0),
            TERN_EINVAL);
  tern_ipv4_route none = {};
  EXPECT_EQ(tern_ipv4_output_route(&b.stack, Payload(&b.pool.pool), &none, &dst,
                                   253, 0),
            TERN_EINVAL);
  // Too big for the route's MTU: TERN_EMSGSIZE, counted, freed.
  tern_pkt *p = tern_pkt_pool_try_alloc(&b.pool.pool);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(tern_pkt_reserve(p, 34), 0);
  ASSERT_NE(tern_pkt_put(p, 1481), nullptr);
  EXPECT_EQ(tern_ipv4_output_route(&b.stack, p, &r, &dst, 253, 0),
            TERN_EMSGSIZE);
  EXPECT_EQ(b.Stats().tx_too_big, 1u);
  b.Run();
  EXPECT_TRUE(b.link.TakeAll().empty());
  EXPECT_TRUE(other.link.TakeAll().empty());
  EXPECT_EQ(b.Stats().tx_packets, 1u);
  EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
}

// Sends an 8-byte payload of protocol 253 (RFC 3692 experimentation) to
// dst through tern_ipv4_output.
int Send(tern_ipv4_stack *s, tern_ipv4_addr dst, size_t len = 8) {
  tern_pkt *p = tern_pkt_pool_try_alloc(s->pool);
  EXPECT_NE(p, nullptr);
  EXPECT_EQ(tern_pkt_reserve(p, 64), 0);
  memset(tern_pkt_put(p, len), 0xab, len);
  return tern_ipv4_output(s, p, nullptr, &dst, 253, 0);
}

TEST(Ipv4Route, TwoInterfacesAndAGateway) {
  tern_test::Pool pool;
  Link l0, l1(576);
  tern_ipv4_stack s;
  tern_ipv4_iface i0, i1;
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  ASSERT_EQ(tern_ipv4_stack_init(&s, &pool.pool), 0);
  tern_ipv4_addr a0 = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
  tern_ipv4_addr a1 = tern_ipv4(198, 51, 100, 2);
  ASSERT_EQ(tern_ipv4_iface_add(&s, &i0, l0.A(), &a0, 24, &gw), 0);
  ASSERT_EQ(tern_ipv4_iface_add(&s, &i1, l1.A(), &a1, 24, nullptr), 0);

  struct Want {
    tern_ipv4_addr dst;
    Link *link;
    tern_ipv4_addr hop;
    tern_ipv4_addr src;
  } wants[] = {
      {tern_ipv4(198, 51, 100, 7), &l1, tern_ipv4(198, 51, 100, 7), a1},
      {tern_ipv4(192, 0, 2, 9), &l0, tern_ipv4(192, 0, 2, 9), a0},
      {tern_ipv4(203, 0, 113, 9), &l0, gw, a0},  // off-link: the gateway
      {tern_ipv4(198, 51, 100, 255), &l1, tern_ipv4(198, 51, 100, 255), a1},
      {tern_ipv4(255, 255, 255, 255), &l0, tern_ipv4(255, 255, 255, 255), a0},
  };
  for (const Want &want : wants) {
    char text[TERN_IPV4_STRLEN];
    tern_ipv4_format(&want.dst, text, sizeof text);
    SCOPED_TRACE(text);
    ASSERT_EQ(Send(&s, want.dst), 0);
    EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
    Bytes got;
    uint8_t hop[4];
    ASSERT_TRUE(want.link->Take(&got, hop));
    EXPECT_FALSE((want.link == &l0 ? &l1 : &l0)->Take(&got));
    EXPECT_EQ(Bytes(hop, hop + 4), Bytes(want.hop.b, want.hop.b + 4));
    ASSERT_EQ(got.size(), 28u);
    EXPECT_EQ(Bytes(got.begin() + 12, got.begin() + 16),
              Bytes(want.src.b, want.src.b + 4));
    EXPECT_EQ(Bytes(got.begin() + 16, got.begin() + 20),
              Bytes(want.dst.b, want.dst.b + 4));
    EXPECT_EQ(got[6], 0x40);  // DF
    EXPECT_EQ(got[8], TERN_IPV4_DEFAULT_TTL);
    EXPECT_EQ(got[9], 253);
    EXPECT_EQ(tern_checksum(got.data(), 20), 0);
  }
  // l1's MTU is 576: 556 bytes of payload fit, 557 do not.
  EXPECT_EQ(Send(&s, tern_ipv4(198, 51, 100, 7), 556), 0);
  EXPECT_EQ(Send(&s, tern_ipv4(198, 51, 100, 7), 557), TERN_EMSGSIZE);
  EXPECT_EQ(s.stats.tx_too_big, 1u);
  // Without the gateway nothing is off-link reachable.
  ASSERT_EQ(tern_ipv4_iface_set_addr(&i0, &a0, 24, nullptr), 0);
  EXPECT_EQ(Send(&s, tern_ipv4(203, 0, 113, 9)), TERN_ENETUNREACH);
  EXPECT_EQ(s.stats.tx_no_route, 1u);
  tern_ipv4_stack_poll_run(&s, &cx);
  l1.TakeAll();
  EXPECT_EQ(tern_pkt_pool_available(&pool.pool), 8u);
}

TEST(Ipv4Route, DatagramsToOurselvesLoopBack) {
  Bench b;
  FakeProto p(253);
  p.verdict = TERN_IPV4_CONSUMED;
  ASSERT_EQ(tern_ipv4_register_proto(&b.stack, &p.proto), 0);
  ASSERT_EQ(Send(&b.stack, tern_ipv4(192, 0, 2, 2)), 0);
  b.Run();
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.payload, Bytes(8, 0xab));
  EXPECT_TRUE(b.link.TakeAll().empty());
  EXPECT_EQ(b.Stats().tx_loopback, 1u);
  EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
}

TEST(Ipv4Runner, ADeviceThatIsFullKeepsTheRestQueued) {
  tern_test::Pool pool;
  Link link(1500, 14, 1);  // the device queues one packet
  tern_ipv4_stack s;
  tern_ipv4_iface i;
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  ASSERT_EQ(tern_ipv4_stack_init(&s, &pool.pool), 0);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_ipv4_iface_add(&s, &i, link.A(), &a, 24, nullptr), 0);
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);  // registers
  for (int n = 0; n < 3; n++) {
    ASSERT_EQ(Send(&s, tern_ipv4(192, 0, 2, 1)), 0);
  }
  EXPECT_GT(w.Take(), 0);  // output woke the runner
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  size_t queued = 0;
  for (tern_pkt *q = i.txq_head; q != nullptr; q = q->next) {
    queued++;
  }
  EXPECT_EQ(queued, 2u);
  std::vector<uint16_t> idents;
  for (int n = 0; n < 3; n++) {
    Bytes got;
    ASSERT_TRUE(link.Take(&got));
    idents.push_back(static_cast<uint16_t>(got[4] << 8 | got[5]));
    // The device wakes the runner when it has room for one it refused.
    EXPECT_EQ(w.Take(), n < 2 ? 1 : 0);
    EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  }
  EXPECT_EQ(idents, (std::vector<uint16_t>{0, 1, 2}));  // in order
  EXPECT_EQ(s.stats.tx_packets, 3u);
}

// Loopback shares the interface's transmit queue: a datagram to ourselves
// is received in its turn, so behind a full device it waits (in order),
// and an answer to a looped-back datagram loops back too.
TEST(Ipv4Runner, LoopbackWaitsBehindAFullDeviceInOrder) {
  tern_test::Pool pool;
  Link link(1500, 14, 1);  // the device queues one packet
  tern_ipv4_stack s;
  tern_ipv4_iface i;
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  ASSERT_EQ(tern_ipv4_stack_init(&s, &pool.pool), 0);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_ipv4_iface_add(&s, &i, link.A(), &a, 24, nullptr), 0);
  FakeProto p(253);
  ASSERT_EQ(tern_ipv4_register_proto(&s, &p.proto), 0);
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  ASSERT_EQ(Send(&s, tern_ipv4(192, 0, 2, 1)), 0);
  ASSERT_EQ(Send(&s, tern_ipv4(192, 0, 2, 1)), 0);
  ASSERT_EQ(Send(&s, a), 0);  // to ourselves, nobody listens
  EXPECT_GT(w.Take(), 0);     // output woke the runner
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  EXPECT_EQ(p.calls, 0);  // behind the second, which the device refused
  Bytes got;
  ASSERT_TRUE(link.Take(&got));
  EXPECT_EQ(w.Take(), 1);
  EXPECT_EQ(tern_ipv4_stack_poll_run(&s, &cx), TERN_PENDING);
  // Now received: port unreachable (to ourselves, looped back in turn
  // and ignored), never given to the device.
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(memcmp(&p.last.src, &a, 4), 0);
  EXPECT_EQ(i.txq_head, nullptr);
  ASSERT_TRUE(link.Take(&got));
  EXPECT_FALSE(link.Take(&got));
  EXPECT_EQ(s.stats.tx_loopback, 2u);  // the datagram and the error
  EXPECT_EQ(s.stats.icmp_unreach_sent, 1u);
  EXPECT_EQ(s.stats.icmp_rx_ignored, 1u);
  EXPECT_EQ(s.stats.rx_packets, 2u);
  EXPECT_EQ(s.stats.tx_packets, 2u);
  EXPECT_EQ(tern_pkt_pool_available(&pool.pool), 8u);
}

TEST(Ipv4Runner, AFloodIsTakenInBudgetsAndTheRunnerYields) {
  Bench b;
  for (int n = 0; n < TERN_IPV4_RX_BUDGET + 3; n++) {
    b.link.Inject(B(kEmptyEchoRequest, sizeof kEmptyEchoRequest));
  }
  b.runner_waker.Take();
  EXPECT_EQ(tern_ipv4_stack_poll_run(&b.stack, &b.cx), TERN_PENDING);
  EXPECT_EQ(b.Stats().rx_packets, static_cast<uint32_t>(TERN_IPV4_RX_BUDGET));
  EXPECT_GE(b.runner_waker.Take(), 1);  // it woke itself to go on
  b.Run();
  EXPECT_EQ(b.Stats().rx_packets, TERN_IPV4_RX_BUDGET + 3u);
  EXPECT_EQ(b.link.TakeAll().size(), TERN_IPV4_RX_BUDGET + 3u);
}

TEST(Ipv4Runner, StopEndsTheRunnerAndAClosedDeviceIsDown) {
  Bench b;
  b.Run();
  tern_memnetdev_close(&b.link.pair);
  b.Run();
  EXPECT_TRUE(b.iface.rx_down);
  EXPECT_EQ(b.Stats().rx_dev_errors, 1u);
  tern_ipv4_stack_stop(&b.stack);
  EXPECT_EQ(b.runner_waker.Take(), 1);
  EXPECT_EQ(tern_ipv4_stack_poll_run(&b.stack, &b.cx), TERN_READY);
}

}  // namespace
