#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tern/ipv4.h"
#include "tern/pkt.h"
#include "tern/udp.h"

namespace {

TERN_PKT_POOL_DEFINE(pool, 2, 256);

TEST(UdpRegression, QueuedCountWrapsAt65536Datagrams) {
  static tern_ipv4_stack stack;
  ASSERT_EQ(tern_ipv4_stack_init(&stack, &pool), 0);
  static tern_udp_layer udp;
  ASSERT_EQ(tern_udp_init(&udp, &stack), 0);
  static tern_udp_sock sock;
  static std::vector<uint8_t> ring(1u << 20);  // 1 MiB: 87381 empty records
  ASSERT_EQ(tern_udp_bind(&udp, &sock, 7, ring.data(), ring.size()), 0);

  // An empty datagram 192.0.2.1:1234 -> :7, checksum 0 (none).
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
  const uint8_t d[8] = {0x04, 0xd2, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00};
  memcpy(tern_pkt_put(p, 8), d, 8);
  tern_ipv4_rx rx{};
  rx.src = tern_ipv4(192, 0, 2, 1);
  rx.dst = tern_ipv4(192, 0, 2, 2);
  rx.protocol = 17;
  for (int i = 0; i < 65536; i++) {
    ASSERT_EQ(udp.proto.input(udp.proto.ctx, &rx, p), TERN_IPV4_CONSUMED);
  }
  EXPECT_EQ(sock.stats.rx_dropped, 0u);
  // Every datagram was stored, so one must be readable now.
  EXPECT_EQ(tern_udp_pending(&sock), 65536u);
  int n = -1;
  tern_endpoint from;
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr});
  EXPECT_EQ(tern_udp_poll_recv_from(&sock, &cx, &from, nullptr, 0, &n),
            TERN_READY);
  tern_pkt_free(p);
}

}  // namespace
