// Security regressions of UDP over the IP core (issue 8, section 4). Each
// test says what it guards against and how the stack before the split into
// the IP core and IPv4 (e7ff452) behaved: every one of them failed there.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ip/ipv4/capture_vectors.h"
#include "ip/ipv4/stack_testing.h"
#include "tern/udp.h"
#include "transport/udp/capture_vectors.h"

namespace {

using tern_test::B;
using tern_test::Bench;
using tern_test::Bytes;
using tern_test::Ep;

struct UdpBench : Bench {
  tern_udp_layer udp;
  tern_udp_sock sock = {};
  uint8_t ring[1024];
  tern_test::CountingWaker app;
  tern_cx acx = app.Cx();
  explicit UdpBench(bool next_hop = false, uint64_t seed = 1)
      : Bench(1500, 14, 16, next_hop, seed) {
    EXPECT_EQ(tern_udp_init(&udp, &stack), 0);
  }
  int Bind(uint16_t port) {
    tern_endpoint l = {};
    l.port = port;
    return tern_udp_bind(&udp, &sock, &l, ring, sizeof ring);
  }
};

// 4.4: a subnet-directed broadcast (192.0.2.255 on 192.0.2.0/24) is sent
// as a link broadcast, next hop 255.255.255.255, like the limited one.
// With the address itself as the next hop, an Ethernet adapter would ARP
// for it, and whoever answers (any host may) gets the "broadcast" alone.
// Before the split the next hop was the destination, 192.0.2.255.
TEST(UdpSecurity, ASubnetBroadcastGoesOutAsALinkBroadcast) {
  UdpBench b(true);  // a device that takes next hops (the Ethernet adapter)
  ASSERT_EQ(b.Bind(5000), 0);
  for (const tern_ipv4_addr &dst :
       {tern_ipv4(192, 0, 2, 255), tern_ipv4(255, 255, 255, 255)}) {
    tern_endpoint to = Ep(dst, 9);
    int err = 1;
    ASSERT_EQ(tern_udp_poll_send_to(&b.sock, &b.acx, &to, "hi", 2, &err),
              TERN_READY);
    EXPECT_EQ(err, 0);
    b.Run();
    Bytes got;
    uint8_t hop[4];
    ASSERT_TRUE(b.link.Take(&got, hop));
    EXPECT_EQ(Bytes(hop, hop + 4), Bytes({255, 255, 255, 255}));
    EXPECT_EQ(Bytes(got.begin() + 16, got.begin() + 20),
              Bytes(dst.b, dst.b + 4));  // the IP destination is unchanged
  }
  // A unicast neighbour keeps its own address as the next hop.
  tern_endpoint to = Ep(tern_ipv4(192, 0, 2, 9), 9);
  int err = 1;
  ASSERT_EQ(tern_udp_poll_send_to(&b.sock, &b.acx, &to, "hi", 2, &err),
            TERN_READY);
  b.Run();
  Bytes got;
  uint8_t hop[4];
  ASSERT_TRUE(b.link.Take(&got, hop));
  EXPECT_EQ(Bytes(hop, hop + 4), Bytes({192, 0, 2, 9}));
}

// 4.4: a datagram to our unicast address that came in a link broadcast
// (RFC 1122 3.3.6) reaches no socket and, to a closed port, draws no port
// unreachable: one broadcast frame would otherwise draw an ICMP error from
// every host on the link that takes it, all to one (spoofed) victim.
// Before the split the stack could not tell: the datagram was delivered,
// and to a closed port answered.
TEST(UdpSecurity, AUnicastDatagramInALinkBroadcastIsDroppedNotAnswered) {
  UdpBench b;
  ASSERT_EQ(b.Bind(7), 0);
  EXPECT_TRUE(b.Exchange(B(kUdpEchoRequest, sizeof kUdpEchoRequest),
                         TERN_PKT_LINK_BROADCAST)
                  .empty());
  EXPECT_EQ(tern_udp_pending(&b.sock), 0u);
  EXPECT_TRUE(b.Exchange(B(kUdpToClosedPort, sizeof kUdpToClosedPort),
                         TERN_PKT_LINK_BROADCAST)
                  .empty());
  EXPECT_EQ(b.Stats().rx_drop_link_bcast, 2u);
  EXPECT_EQ(b.Stats().icmp_unreach_sent, 0u);
  EXPECT_EQ(b.udp.stats.rx_no_listener, 0u);
  // In a unicast frame, both are as ever: delivered, and answered.
  EXPECT_TRUE(b.Exchange(B(kUdpEchoRequest, sizeof kUdpEchoRequest)).empty());
  EXPECT_EQ(tern_udp_pending(&b.sock), 1u);
  EXPECT_EQ(b.Exchange(B(kUdpToClosedPort, sizeof kUdpToClosedPort)).size(),
            1u);
}

// 4.5: ephemeral ports come from the RNG (RFC 6056 3.3.1: a random start
// in 49152..65535), so an off-path attacker cannot guess the port of a
// conversation (DNS cache poisoning, blind injection). Two hosts with
// different RNG outputs pick different ports; the first is not the first
// of the range; successive picks do not count up. Before the split the
// pick was a counter from 49152: every host's first port was 49152, then
// 49153, ...
TEST(UdpSecurity, EphemeralPortsComeFromTheRng) {
  auto Ports = [](uint64_t seed) {
    UdpBench b(false, seed);
    std::vector<uint16_t> ports;
    static tern_udp_sock socks[4];
    static uint8_t rings[4][64];
    for (int k = 0; k < 4; k++) {
      socks[k] = tern_udp_sock{};
      EXPECT_EQ(
          tern_udp_bind(&b.udp, &socks[k], nullptr, rings[k], sizeof rings[k]),
          0);
      ports.push_back(tern_udp_local(&socks[k]).port);
    }
    return ports;
  };
  std::vector<uint16_t> one = Ports(1), two = Ports(2);
  EXPECT_NE(one[0], two[0]);
  for (const std::vector<uint16_t> &ports : {one, two}) {
    EXPECT_NE(ports[0], 49152);
    int counting = 0;
    for (size_t k = 0; k < ports.size(); k++) {
      EXPECT_GE(ports[k], 49152);
      if (k > 0) {
        counting += ports[k] == ports[k - 1] + 1;
      }
    }
    EXPECT_LT(counting, 3);
  }
  // What goes on the wire is that port.
  UdpBench b(false, 3);
  ASSERT_EQ(b.Bind(0), 0);
  uint16_t port = tern_udp_local(&b.sock).port;
  tern_endpoint to = Ep(tern_ipv4(192, 0, 2, 1), 53);
  int err = 1;
  ASSERT_EQ(tern_udp_poll_send_to(&b.sock, &b.acx, &to, "q", 1, &err),
            TERN_READY);
  b.Run();
  Bytes got;
  ASSERT_TRUE(b.link.Take(&got));
  EXPECT_EQ(got[20] << 8 | got[21], port);
  EXPECT_NE(port, 49152);
}

}  // namespace
