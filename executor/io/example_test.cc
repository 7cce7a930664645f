#include "executor/io/example.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "executor/test_waker.h"
#include "tern/memnetdev.h"
#include "tern/memstream.h"

namespace {

using tern_test::CountingWaker;

TEST(Example, EchoReturnsEveryByteThenClosesAfterThePeerDoes) {
  static uint8_t ab[8], ba[8];
  tern_memstream_pair pair;
  tern_memstream_init(&pair, ab, sizeof ab, ba, sizeof ba);
  tern_stream peer = tern_memstream_b(&pair);
  tern_example_echo echo = {};
  echo.io = tern_memstream_a(&pair);
  CountingWaker w, pw;
  tern_cx cx = w.Cx(), pcx = pw.Cx();

  // The peer sends more than the echo's 16-byte buffer and the 8-byte
  // rings hold, so the echo must loop over partial reads and writes.
  const std::string msg = "the quick brown fox jumps";
  std::string back;
  size_t sent = 0;
  int err = 1;
  for (int step = 0; step < 100; step++) {
    ptrdiff_t n;
    if (sent < msg.size() &&
        tern_stream_poll_write(&peer, &pcx, msg.data() + sent,
                               msg.size() - sent, &n) == TERN_READY) {
      ASSERT_GT(n, 0);
      sent += static_cast<size_t>(n);
      if (sent == msg.size()) {
        ASSERT_EQ(tern_stream_poll_close(&peer, &pcx, &err), TERN_READY);
      }
    }
    tern_poll done = tern_example_echo_poll(&echo, &cx);
    char buf[8];
    if (tern_stream_poll_read(&peer, &pcx, buf, sizeof buf, &n) == TERN_READY) {
      if (n == 0) {
        EXPECT_EQ(done, TERN_READY);
        break;
      }
      ASSERT_GT(n, 0);
      back.append(buf, static_cast<size_t>(n));
    }
  }
  EXPECT_EQ(back, msg);
  EXPECT_EQ(echo.err, 0);
}

TERN_PKT_POOL_DEFINE(pool, 2, 64);

TEST(Example, SendAndReceiveOverAMemoryNetdev) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.mtu = 40;
  cfg.headroom = 6;  // as if a link layer below needed 6 bytes
  tern_memnetdev_pair pair;
  tern_memnetdev_init(&pair, &cfg);
  tern_netdev a = tern_memnetdev_a(&pair), b = tern_memnetdev_b(&pair);
  CountingWaker w;
  tern_cx cx = w.Cx();

  tern_example_send s = {};
  s.pool = &pool;
  s.dev = a;
  s.payload = reinterpret_cast<const uint8_t *>("hello");
  s.len = 5;
  ASSERT_EQ(tern_example_send_poll(&s, &cx), TERN_READY);
  EXPECT_EQ(s.err, 0);

  // What the peer sees: the header, then the payload, with the device's
  // headroom still free in front.
  int err;
  tern_pkt *p = nullptr;
  ASSERT_EQ(tern_netdev_poll_recv(&b, &cx, &p, &err), TERN_READY);
  ASSERT_EQ(err, 0);
  ASSERT_EQ(tern_pkt_len(p), 7u);
  EXPECT_EQ(memcmp(tern_pkt_data(p), "\x01\x05hello", 7), 0);
  EXPECT_EQ(tern_pkt_headroom(p), 6u);
  // Put it back (plus padding the receiver must trim) and read it.
  ASSERT_NE(tern_pkt_put(p, 3), nullptr);
  ASSERT_EQ(tern_netdev_poll_send(&b, &cx, p, &err), TERN_READY);
  uint8_t out[16];
  int n = 0;
  ASSERT_EQ(tern_example_recv_poll(&a, &cx, out, sizeof out, &n), TERN_READY);
  ASSERT_EQ(n, 5);
  EXPECT_EQ(memcmp(out, "hello", 5), 0);
  EXPECT_EQ(tern_pkt_pool_available(&pool), 2u);

  // Without the device's headroom reserved, the device refuses a packet
  // and frees it.
  p = tern_pkt_pool_try_alloc(&pool);
  memcpy(tern_pkt_put(p, 3), "\x01\x01x", 3);
  ASSERT_EQ(tern_netdev_poll_send(&b, &cx, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ENOSPC);
  EXPECT_EQ(tern_pkt_pool_available(&pool), 2u);
  // A malformed packet (length beyond the data) is dropped and freed.
  p = tern_pkt_pool_try_alloc(&pool);
  ASSERT_EQ(tern_pkt_reserve(p, 6), 0);
  memcpy(tern_pkt_put(p, 3), "\x01\x09x", 3);
  ASSERT_EQ(tern_netdev_poll_send(&b, &cx, p, &err), TERN_READY);
  ASSERT_EQ(err, 0);
  EXPECT_EQ(tern_example_recv_poll(&a, &cx, out, sizeof out, &n), TERN_PENDING);
  EXPECT_EQ(tern_pkt_pool_available(&pool), 2u);

  // A payload longer than the MTU allows is refused before sending.
  static const uint8_t big[64] = {0};
  tern_example_send s2 = {};
  s2.pool = &pool;
  s2.dev = a;
  s2.payload = big;
  s2.len = 39;
  ASSERT_EQ(tern_example_send_poll(&s2, &cx), TERN_READY);
  EXPECT_EQ(s2.err, TERN_EMSGSIZE);
  EXPECT_EQ(tern_pkt_pool_available(&pool), 2u);
  tern_memnetdev_close(&pair);
}

}  // namespace
