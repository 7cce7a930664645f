// Inputs and interleavings that found bugs in review (each test failed
// before its fix).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tern/ip.h"
#include "tern/memnetdev.h"
#include "tern/pkt.h"
#include "tern/udp.h"

namespace {

TERN_PKT_POOL_DEFINE(pool, 2, 256);

int Fill(void *, void *buf, size_t len) {
  memset(buf, 0x5a, len);
  return 0;
}

TEST(UdpRegression, QueuedCountWrapsAt65536Datagrams) {
  static tern_ip_stack stack;
  tern_rng rng = {Fill, nullptr};
  ASSERT_EQ(tern_ip_stack_init(&stack, &pool, &rng), 0);
  static tern_memnetdev_pair pair;
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  tern_memnetdev_init(&pair, &cfg);
  static tern_ip_iface iface;
  ASSERT_EQ(tern_ip_iface_add(&stack, &iface, tern_memnetdev_a(&pair)), 0);
  static tern_udp_layer udp;
  ASSERT_EQ(tern_udp_init(&udp, &stack), 0);
  static tern_udp_sock sock;
  static std::vector<uint8_t> ring(2u << 20);  // 2 MiB: 104857 empty records
  tern_endpoint local = {};
  local.port = 7;
  ASSERT_EQ(tern_udp_bind(&udp, &sock, &local, ring.data(), ring.size()), 0);

  // An empty datagram 192.0.2.1:1234 -> :7, checksum 0 (none).
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
  const uint8_t d[8] = {0x04, 0xd2, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00};
  memcpy(tern_pkt_put(p, 8), d, 8);
  tern_ip_rx rx{};
  rx.src.family = rx.dst.family = TERN_IP_V4;
  rx.src.u.v4 = tern_ipv4(192, 0, 2, 1);
  rx.dst.u.v4 = tern_ipv4(192, 0, 2, 2);
  rx.iface = &iface;
  rx.protocol = TERN_IP_PROTO_UDP;
  for (int i = 0; i < 65536; i++) {
    ASSERT_EQ(udp.proto.input(udp.proto.ctx, &rx, p), TERN_IP_CONSUMED);
  }
  EXPECT_EQ(sock.stats.rx_dropped, 0u);
  // Every datagram was stored, so one must be readable now.
  EXPECT_EQ(tern_udp_pending(&sock), 65536u);
  int n = -1;
  tern_endpoint from;
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  EXPECT_EQ(tern_udp_poll_recv_from(&sock, &cx, &from, nullptr, 0, &n),
            TERN_READY);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(from.port, 1234);
  tern_pkt_free(p);
}

}  // namespace
