// UDP sockets over the IPv4 stack, the test playing the peer at
// 192.0.2.1 with datagrams from udp_echo.pcap.
#include "tern/udp.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ip/ipv4/capture_vectors.h"
#include "ip/ipv4/stack_testing.h"
#include "transport/udp/capture_vectors.h"

namespace {

using tern_test::B;
using tern_test::Bytes;
using tern_test::CountingWaker;
using tern_test::FixIpChecksum;

tern_endpoint Ep(tern_ipv4_addr a, uint16_t port) {
  tern_endpoint e = {};
  e.addr.family = TERN_IP_V4;
  e.addr.u.v4 = a;
  e.port = port;
  return e;
}

const tern_endpoint kPeer = Ep(tern_ipv4(192, 0, 2, 1), 40000);

struct UdpBench : tern_test::Bench {
  tern_udp_layer udp;
  tern_udp_sock sock = {};  // a socket starts zeroed
  uint8_t ring[4096];
  CountingWaker app;  // the application task's waker
  tern_cx acx = app.Cx();

  explicit UdpBench(uint16_t mtu = 1500) : Bench(mtu) {
    EXPECT_EQ(tern_udp_init(&udp, &stack), 0);
  }

  // Receives one datagram that must be there.
  std::string Recv(tern_endpoint *from, size_t cap = 2048, int *n = nullptr) {
    std::vector<char> buf(cap);
    int len = -100;
    EXPECT_EQ(tern_udp_poll_recv_from(&sock, &acx, from, buf.data(), cap, &len),
              TERN_READY);
    if (n != nullptr) {
      *n = len;
    }
    if (len < 0) {
      return "";
    }
    return std::string(buf.data(), std::min(cap, static_cast<size_t>(len)));
  }

  int SendTo(const tern_endpoint &dst, const void *data, size_t len) {
    int err = 1;
    EXPECT_EQ(tern_udp_poll_send_to(&sock, &acx, &dst, data, len, &err),
              TERN_READY);
    Run();
    return err;
  }
};

TEST(Udp, ADatagramToABoundSocketIsReceivedWithItsSource) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  tern_endpoint from;
  int n = 0;
  EXPECT_EQ(tern_udp_poll_recv_from(&b.sock, &b.acx, &from, nullptr, 0, &n),
            TERN_PENDING);
  EXPECT_TRUE(b.Exchange(B(kUdpEchoRequest, sizeof kUdpEchoRequest)).empty());
  EXPECT_EQ(b.app.Take(), 1);  // the waiting reader was woken
  EXPECT_EQ(b.Recv(&from), "hello, echo\n");
  EXPECT_EQ(from.addr.family, TERN_IP_V4);
  EXPECT_EQ(Bytes(from.addr.u.v4.b, from.addr.u.v4.b + 4),
            Bytes({192, 0, 2, 1}));
  EXPECT_EQ(from.port, 40000);
  EXPECT_EQ(tern_udp_pending(&b.sock), 0u);
  EXPECT_EQ(tern_pkt_pool_available(&b.link.peer_pool.pool), 16u);
}

// socat's echo went out of a kernel UDP socket: DF, TTL 64, the kernel's
// IP identification. With our counter seeded to the kernel's value the
// datagrams are identical byte for byte.
TEST(Udp, SendToProducesTheBytesLinuxSent) {
  struct Case {
    const uint8_t *req;
    size_t req_len;
    const uint8_t *reply;
    size_t reply_len;
    uint16_t port, ident;
  } cases[] = {
      {kUdpEchoRequest, sizeof kUdpEchoRequest, kUdpEchoReply,
       sizeof kUdpEchoReply, 7, 0x78d3},
      {kUdpBigRequest, sizeof kUdpBigRequest, kUdpBigReply, sizeof kUdpBigReply,
       7, 0x7920},
      {kUdpEmptyRequest, sizeof kUdpEmptyRequest, kUdpEmptyReply,
       sizeof kUdpEmptyReply, 7007, 0x7922},
  };
  for (const Case &c : cases) {
    UdpBench b;
    ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, c.port, b.ring, sizeof b.ring), 0);
    EXPECT_TRUE(b.Exchange(B(c.req, c.req_len)).empty());
    tern_endpoint from;
    std::string got = b.Recv(&from);
    EXPECT_EQ(got.size(), c.req_len - 28);
    b.stack.next_ident = c.ident;
    EXPECT_EQ(b.SendTo(from, got.data(), got.size()), 0);
    auto out = b.link.TakeAll();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], B(c.reply, c.reply_len));
    EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
  }
}

TEST(Udp, AClosedPortGetsThePortUnreachableLinuxSent) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  b.stack.next_ident = 0x1259;
  auto out = b.Exchange(B(kUdpToClosedPort, sizeof kUdpToClosedPort));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], B(kPortUnreachable, sizeof kPortUnreachable));
  EXPECT_EQ(b.udp.stats.rx_no_listener, 1u);
  // Closing a socket closes its port too.
  tern_udp_close(&b.sock);
  auto again = b.Exchange(B(kUdpEchoRequest, sizeof kUdpEchoRequest));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0][20], TERN_ICMPV4_DEST_UNREACH);
  EXPECT_EQ(again[0][21], TERN_ICMPV4_PORT_UNREACH);
}

TEST(Udp, BadDatagramsAreDroppedAndCounted) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  Bytes d = B(kUdpEchoRequest, sizeof kUdpEchoRequest);
  d[30] ^= 1;  // payload: the checksum fails
  EXPECT_TRUE(b.Exchange(d).empty());
  EXPECT_EQ(b.udp.stats.rx_drop[-TERN_UDP_DROP_CHECKSUM], 1u);
  d = B(kUdpEchoRequest, sizeof kUdpEchoRequest);
  d[25] = 100;  // length field beyond the datagram
  EXPECT_TRUE(b.Exchange(d).empty());
  EXPECT_EQ(b.udp.stats.rx_drop[-TERN_UDP_DROP_LENGTH], 1u);
  d = B(kUdpEchoRequest, 24);  // 4 bytes of UDP
  d[3] = 24;
  FixIpChecksum(d);
  EXPECT_TRUE(b.Exchange(d).empty());
  EXPECT_EQ(b.udp.stats.rx_drop[-TERN_UDP_DROP_TRUNCATED], 1u);
  EXPECT_EQ(b.Stats().rx_drop_transport, 3u);
  EXPECT_EQ(tern_udp_pending(&b.sock), 0u);
}

// Nobody can bind port 0, so a datagram to it finds no socket: port
// unreachable, quoting it, as Linux answers (checked against the kernel
// with a raw socket to 127.0.0.1 port 0).
TEST(Udp, ADatagramToPort0GetsPortUnreachable) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  Bytes d = B(kUdpEchoRequest, sizeof kUdpEchoRequest);
  d[22] = d[23] = 0;  // to port 0
  d[26] = d[27] = 0;  // no checksum
  auto out = b.Exchange(d);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][20], TERN_ICMPV4_DEST_UNREACH);
  EXPECT_EQ(out[0][21], TERN_ICMPV4_PORT_UNREACH);
  EXPECT_EQ(Bytes(out[0].begin() + 28, out[0].begin() + 56),
            Bytes(d.begin(), d.begin() + 28));  // its IP header and 8 bytes
  EXPECT_EQ(b.udp.stats.rx_no_listener, 1u);
  EXPECT_EQ(tern_udp_pending(&b.sock), 0u);
}

TEST(Udp, ZeroChecksumIsAcceptedAndBroadcastIsDelivered) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  Bytes d = B(kUdpEchoRequest, sizeof kUdpEchoRequest);
  d[26] = d[27] = 0;  // RFC 768: the sender computed none
  EXPECT_TRUE(b.Exchange(d).empty());
  d[19] = 255;  // to 192.0.2.255
  FixIpChecksum(d);
  EXPECT_TRUE(b.Exchange(d).empty());
  d[16] = d[17] = d[18] = 255;  // to 255.255.255.255
  FixIpChecksum(d);
  EXPECT_TRUE(b.Exchange(d).empty());
  tern_endpoint from;
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(b.Recv(&from), "hello, echo\n");
  }
  // A broadcast to a closed port is not answered (RFC 1122 3.2.2).
  d[22] = 0x27;
  d[23] = 0x0f;  // port 9999
  d[26] = d[27] = 0;
  EXPECT_TRUE(b.Exchange(d).empty());
  EXPECT_EQ(b.Stats().icmp_refused, 1u);
}

TEST(Udp, AFullRingDropsWholeDatagrams) {
  UdpBench b;
  // Each 12-byte datagram takes 12 + 12 = 24 bytes: two fit in 50.
  static_assert(TERN_UDP_RECORD_HDR == 12, "the sizes below assume it");
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, 50), 0);
  const Bytes d = B(kUdpEchoRequest, sizeof kUdpEchoRequest);
  for (int i = 0; i < 3; i++) {
    b.Exchange(d);
  }
  EXPECT_EQ(tern_udp_pending(&b.sock), 2u);
  EXPECT_EQ(b.sock.stats.rx_dropped, 1u);
  tern_endpoint from;
  EXPECT_EQ(b.Recv(&from), "hello, echo\n");
  // Room for one again, behind the one still queued.
  b.Exchange(d);
  b.Exchange(d);
  EXPECT_EQ(b.sock.stats.rx_dropped, 2u);
  EXPECT_EQ(b.Recv(&from), "hello, echo\n");
  EXPECT_EQ(b.Recv(&from), "hello, echo\n");
  EXPECT_EQ(from.port, 40000);
  int n = 0;
  EXPECT_EQ(tern_udp_poll_recv_from(&b.sock, &b.acx, &from, nullptr, 0, &n),
            TERN_PENDING);
  // A datagram larger than the whole ring is never stored in part.
  b.Exchange(B(kUdpBigRequest, sizeof kUdpBigRequest));
  EXPECT_EQ(tern_udp_pending(&b.sock), 0u);
  EXPECT_EQ(b.sock.stats.rx_dropped, 3u);
}

// Datagrams of different senders and lengths come out in arrival order,
// each with its own source, also when the queue moved to the front.
TEST(Udp, DatagramsComeOutInOrderWithTheirSources) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, 80), 0);
  // The captured request from source port 40000 + i, its payload cut to
  // 12 - i bytes (checksum 0: none).
  auto Make = [](int i) {
    Bytes d = B(kUdpEchoRequest, sizeof kUdpEchoRequest - i);
    d[3] = (uint8_t)(d.size());
    d[21] = (uint8_t)(0x40 + i);  // 40000 = 0x9c40
    d[25] = (uint8_t)(d.size() - 20);
    d[26] = d[27] = 0;
    FixIpChecksum(d);
    return d;
  };
  std::string hello = "hello, echo\n";
  for (int i = 0; i < 3; i++) {
    EXPECT_TRUE(b.Exchange(Make(i)).empty());  // 24 + 23 + 22 = 69 bytes
  }
  EXPECT_EQ(b.Exchange(Make(3)).size(), 0u);  // 21 more do not fit in 80
  EXPECT_EQ(b.sock.stats.rx_dropped, 1u);
  tern_endpoint from;
  EXPECT_EQ(b.Recv(&from), hello);
  EXPECT_EQ(from.port, 40000);
  EXPECT_TRUE(b.Exchange(Make(4)).empty());  // now it fits, at the end
  for (int i : {1, 2, 4}) {
    EXPECT_EQ(b.Recv(&from), hello.substr(0, 12 - i)) << i;
    EXPECT_EQ(from.port, 40000 + i);
    EXPECT_EQ(Bytes(from.addr.u.v4.b, from.addr.u.v4.b + 4),
              Bytes({192, 0, 2, 1}));
  }
  EXPECT_EQ(tern_udp_pending(&b.sock), 0u);
}

TEST(Udp, ATooSmallBufferGetsTheStartAndTheFullLength) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  b.Exchange(B(kUdpEchoRequest, sizeof kUdpEchoRequest));
  b.Exchange(B(kUdpEchoRequest, sizeof kUdpEchoRequest));
  tern_endpoint from;
  int n = 0;
  EXPECT_EQ(b.Recv(&from, 5, &n), "hello");
  EXPECT_EQ(n, 12);                           // like recvfrom with MSG_TRUNC
  EXPECT_EQ(b.Recv(&from), "hello, echo\n");  // the next one is whole
}

TEST(Udp, BindRules) {
  UdpBench b;
  tern_udp_sock s2 = {}, s3 = {}, s4 = {};  // zeroed, as udp.h requires
  uint8_t r2[64], r3[64], r4[64];
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  EXPECT_EQ(tern_udp_bind(&b.udp, &s2, 7, r2, sizeof r2), TERN_EADDRINUSE);
  EXPECT_EQ(tern_udp_bind(&b.udp, &b.sock, 8, b.ring, sizeof b.ring),
            TERN_EINVAL);  // already bound
  EXPECT_EQ(tern_udp_bind(&b.udp, &s2, 8, r2, 7), TERN_EINVAL);
  EXPECT_EQ(tern_udp_bind(&b.udp, &s2, 8, nullptr, 64), TERN_EINVAL);
  ASSERT_EQ(tern_udp_bind(&b.udp, &s2, 0, r2, sizeof r2), 0);
  EXPECT_EQ(tern_udp_local_port(&s2), 49152);
  b.udp.next_ephemeral = 65535;  // wraps to the start of the range
  ASSERT_EQ(tern_udp_bind(&b.udp, &s3, 0, r3, sizeof r3), 0);
  EXPECT_EQ(tern_udp_local_port(&s3), 65535);
  ASSERT_EQ(tern_udp_bind(&b.udp, &s4, 0, r4, sizeof r4), 0);
  EXPECT_EQ(tern_udp_local_port(&s4), 49153);  // 49152 is taken
  tern_udp_close(&s2);
  tern_udp_close(&s2);  // idempotent
  EXPECT_EQ(tern_udp_local_port(&s2), 0);
  ASSERT_EQ(tern_udp_bind(&b.udp, &s2, 7 + 1, r2, sizeof r2), 0);
  tern_udp_layer other;
  EXPECT_EQ(tern_udp_init(&other, &b.stack), TERN_EADDRINUSE);
}

TEST(Udp, SendErrors) {
  UdpBench b;
  const char msg[] = "x";
  int err = 0;
  // Not bound yet.
  EXPECT_EQ(tern_udp_poll_send_to(&b.sock, &b.acx, &kPeer, msg, 1, &err),
            TERN_READY);
  EXPECT_EQ(err, TERN_EINVAL);
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  tern_endpoint v6 = kPeer;
  v6.addr.family = TERN_IP_V6;
  EXPECT_EQ(b.SendTo(v6, msg, 1), TERN_EINVAL);
  EXPECT_EQ(b.SendTo(Ep(tern_ipv4(192, 0, 2, 1), 0), msg, 1), TERN_EINVAL);
  EXPECT_EQ(b.SendTo(kPeer, nullptr, 1), TERN_EINVAL);
  static uint8_t big[1473];
  EXPECT_EQ(b.SendTo(kPeer, big, 1473), TERN_EMSGSIZE);  // 1501 bytes of IP
  EXPECT_EQ(b.SendTo(kPeer, big, 1472), 0);              // exactly 1500
  ASSERT_EQ(tern_ipv4_iface_set_addr(&b.iface, &b.iface.addr, 24, nullptr), 0);
  EXPECT_EQ(b.SendTo(Ep(tern_ipv4(203, 0, 113, 9), 7), msg, 1),
            TERN_ENETUNREACH);
  auto out = b.link.TakeAll();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 1500u);
  EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
}

// An MTU larger than the pool's 1600-byte packets: the packet is the limit.
TEST(Udp, ADatagramNoPoolPacketHoldsIsRefused) {
  UdpBench b(9000);
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  static uint8_t big[1600];
  // 14 (Ethernet-sized headroom) + 20 + 8 + 1558 = 1600: fits exactly.
  EXPECT_EQ(b.SendTo(kPeer, big, 1559), TERN_EMSGSIZE);
  EXPECT_EQ(b.SendTo(kPeer, big, 1600), TERN_EMSGSIZE);
  // A length whose 8 + len wraps must not pass for a small one.
  EXPECT_EQ(b.SendTo(kPeer, big, SIZE_MAX - 3), TERN_EMSGSIZE);
  EXPECT_EQ(b.SendTo(kPeer, big, 1558), 0);
  auto out = b.link.TakeAll();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 20u + 8u + 1558u);
  EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
}

TEST(Udp, AnEmptyPoolMakesSendToWaitAndResume) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  std::vector<tern_pkt *> held;
  while (tern_pkt *p = tern_pkt_pool_try_alloc(&b.pool.pool)) {
    held.push_back(p);
  }
  const char msg[] = "hello, echo\n";
  int err = 1;
  EXPECT_EQ(tern_udp_poll_send_to(&b.sock, &b.acx, &kPeer, msg, 12, &err),
            TERN_PENDING);
  EXPECT_EQ(tern_udp_poll_send_to(&b.sock, &b.acx, &kPeer, msg, 12, &err),
            TERN_PENDING);  // still waiting
  EXPECT_EQ(b.app.Take(), 0);
  tern_pkt_free(held.back());
  held.pop_back();
  EXPECT_EQ(b.app.Take(), 1);  // the free woke the sender
  EXPECT_EQ(tern_udp_poll_send_to(&b.sock, &b.acx, &kPeer, msg, 12, &err),
            TERN_READY);
  EXPECT_EQ(err, 0);
  b.Run();
  auto out = b.link.TakeAll();
  ASSERT_EQ(out.size(), 1u);
  Bytes want = B(kUdpEchoReply, sizeof kUdpEchoReply);
  want[4] = want[5] = 0;  // our first identification
  FixIpChecksum(want);
  EXPECT_EQ(out[0], want);
  for (tern_pkt *p : held) {
    tern_pkt_free(p);
  }
  EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
}

TEST(Udp, CloseWakesTheReaderAndWithdrawsAPendingSend) {
  UdpBench b;
  ASSERT_EQ(tern_udp_bind(&b.udp, &b.sock, 7, b.ring, sizeof b.ring), 0);
  tern_endpoint from;
  int n = 0;
  EXPECT_EQ(tern_udp_poll_recv_from(&b.sock, &b.acx, &from, nullptr, 0, &n),
            TERN_PENDING);
  std::vector<tern_pkt *> held;
  while (tern_pkt *p = tern_pkt_pool_try_alloc(&b.pool.pool)) {
    held.push_back(p);
  }
  CountingWaker sender;
  tern_cx scx = sender.Cx();
  int err = 1;
  EXPECT_EQ(tern_udp_poll_send_to(&b.sock, &scx, &kPeer, "x", 1, &err),
            TERN_PENDING);
  tern_udp_close(&b.sock);
  EXPECT_EQ(b.app.Take(), 1);
  EXPECT_EQ(tern_udp_poll_recv_from(&b.sock, &b.acx, &from, nullptr, 0, &n),
            TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  for (tern_pkt *p : held) {
    tern_pkt_free(p);  // nobody waits any more: all return to the pool
  }
  EXPECT_EQ(sender.Take(), 0);
  EXPECT_EQ(tern_pkt_pool_available(&b.pool.pool), 8u);
}

}  // namespace
