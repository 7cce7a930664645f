// The echo application as a reflector that refuses to be one (issue 8,
// section 4.2): two tern hosts, each running the echo app, joined by a
// memory netdev pair, under one executor on the sim port. The test injects
// what an attacker would send (spoofed datagrams, broadcasts, datagrams
// from other reflecting services' ports) and counts what crosses the link.
#include "apps/echo/echo.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ip/core/core_testing.h"
#include "tern/executor.h"
#include "tern/ipv4_wire.h"
#include "tern/memnetdev.h"
#include "tern/sim.h"
#include "tern/udp_wire.h"

namespace {

using tern_test::Bytes;

tern_udp_msg Msg(uint16_t src_port, uint8_t flags = 0) {
  tern_udp_msg m = {};
  m.src.addr.family = TERN_IP_V4;
  m.src.addr.u.v4 = tern_ipv4(192, 0, 2, 1);
  m.src.port = src_port;
  m.dst.family = TERN_IP_V4;
  m.dst.u.v4 = tern_ipv4(192, 0, 2, 2);
  m.flags = flags;
  return m;
}

TEST(EchoWouldAnswer, NotBroadcastsNorReflectingServicesPorts) {
  // From an ephemeral or any ordinary port, to our address: yes.
  for (uint16_t port : {1, 8, 12, 53, 1024, 40000, 65535}) {
    tern_udp_msg m = Msg(port);
    EXPECT_TRUE(tern_echo_would_answer(&m)) << port;
  }
  // From port 0 or a reflecting service (echo, daytime, qotd, chargen,
  // time): two such servers would bounce one datagram for ever.
  for (uint16_t port : {0, 7, 13, 17, 19, 37}) {
    tern_udp_msg m = Msg(port);
    EXPECT_FALSE(tern_echo_would_answer(&m)) << port;
  }
  // To a broadcast or multicast, at the IP or the link layer: one spoofed
  // datagram would make every host answer one victim.
  const uint8_t casts[] = {TERN_IP_RX_BROADCAST, TERN_IP_RX_MULTICAST,
                           TERN_IP_RX_LINK_BROADCAST, TERN_IP_RX_LINK_MULTICAST,
                           TERN_IP_RX_BROADCAST | TERN_IP_RX_LINK_BROADCAST};
  for (uint8_t f : casts) {
    tern_udp_msg m = Msg(40000, f);
    EXPECT_FALSE(tern_echo_would_answer(&m)) << int(f);
  }
  // From this host itself: answered (it is no one else's traffic).
  tern_udp_msg m = Msg(40000, TERN_IP_RX_LOOPBACK);
  EXPECT_TRUE(tern_echo_would_answer(&m));
}

// tern_echo_start takes any storage: a socket that is not zeroed would
// look bound (tern_udp_bind refuses it) and counters would start as
// garbage. (Found writing the tests below: an app on the stack failed to
// start, TERN_EINVAL, or counted from garbage; firmware's static app hid
// it.)
TEST(EchoStart, StorageThatWasNotZeroedStartsClean) {
  static tern_echo_app app;
  memset(&app, 0xa5, sizeof app);
  tern_test::Pool pool;
  tern_test::TestRng rng;
  tern_rng r = rng.Rng();
  tern_memnetdev_pair pair;
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  tern_memnetdev_init(&pair, &cfg);
  tern_executor ex;
  tern_executor_init(&ex);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_echo_start(&app, &ex, &pool.pool, &r, tern_memnetdev_a(&pair),
                            &a, 24, nullptr),
            0);
  EXPECT_EQ(app.stats.echoed, 0u);
  EXPECT_EQ(app.stats.refused, 0u);
  EXPECT_EQ(app.stats.send_errors, 0u);
  EXPECT_EQ(app.stats.truncated, 0u);
  EXPECT_EQ(tern_udp_local(&app.server.sock).port, TERN_ECHO_PORT);
  for (int k = 0; k < 10 && tern_executor_run_once(&ex) > 0; k++) {
  }
  EXPECT_EQ(tern_udp_pending(&app.server.sock), 0u);
}

// Two echo hosts, A at 192.0.2.1 and B at 192.0.2.2, on one executor.
struct TwoHosts {
  static constexpr size_t kPkts = 8, kBuf = 1536;
  alignas(16) uint8_t storage_a[TERN_PKT_POOL_STORAGE_SIZE(kPkts, kBuf)];
  alignas(16) uint8_t storage_b[TERN_PKT_POOL_STORAGE_SIZE(kPkts, kBuf)];
  tern_pkt_pool pool_a, pool_b;
  tern_test::Pool attacker{4};  // what the test injects comes from here
  tern_test::TestRng rng_a{1}, rng_b{2};
  tern_memnetdev_pair pair;
  tern_executor ex;
  tern_echo_app a, b;
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();

  TwoHosts() {
    tern_sim_set_time(0);
    EXPECT_EQ(tern_pkt_pool_init(&pool_a, storage_a, sizeof storage_a, kBuf),
              static_cast<int>(kPkts));
    EXPECT_EQ(tern_pkt_pool_init(&pool_b, storage_b, sizeof storage_b, kBuf),
              static_cast<int>(kPkts));
    tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
    tern_memnetdev_init(&pair, &cfg);
    tern_executor_init(&ex);
    tern_rng ra = rng_a.Rng(), rb = rng_b.Rng();
    tern_ipv4_addr aa = tern_ipv4(192, 0, 2, 1), ab = tern_ipv4(192, 0, 2, 2);
    EXPECT_EQ(tern_echo_start(&a, &ex, &pool_a, &ra, tern_memnetdev_a(&pair),
                              &aa, 24, nullptr),
              0);
    EXPECT_EQ(tern_echo_start(&b, &ex, &pool_b, &rb, tern_memnetdev_b(&pair),
                              &ab, 24, nullptr),
              0);
    Settle();
  }
  TwoHosts(const TwoHosts &) = delete;

  // Runs the executor until nothing is left to run, or for at most n
  // batches (a ping-pong would never leave it idle).
  void Settle(int n = 1000) {
    for (int k = 0; k < n && tern_executor_run_once(&ex) > 0; k++) {
    }
  }

  // Datagrams that crossed the link, both ways.
  uint32_t Crossed() const {
    return pair.a.stats.tx_packets + pair.b.stats.tx_packets;
  }

  // A UDP datagram src:sport -> dst:dport put on the link as if host A's
  // end had sent it (the attacker is on A's side of the link).
  void Inject(tern_ipv4_addr src, uint16_t sport, tern_ipv4_addr dst,
              uint16_t dport, const std::string &payload) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&attacker.pool);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(tern_pkt_reserve(p, 32), 0);
    size_t n = 20 + 8 + payload.size();
    uint8_t *d = tern_pkt_put(p, n);
    tern_ipv4_repr ip = {};
    ip.src = src;
    ip.dst = dst;
    ip.protocol = TERN_IP_PROTO_UDP;
    ip.ttl = 64;
    ip.ident = 0x4242;
    ip.payload_len = static_cast<uint16_t>(8 + payload.size());
    ASSERT_EQ(tern_ipv4_repr_emit(&ip, d, 20), 20);
    tern_udp_repr u = {sport, dport,
                       reinterpret_cast<const uint8_t *>(payload.data()),
                       payload.size()};
    tern_ip_addr s = {}, t = {};
    s.family = t.family = TERN_IP_V4;
    s.u.v4 = src;
    t.u.v4 = dst;
    ASSERT_EQ(tern_udp_repr_emit(&u, &s, &t, d + 20, n - 20),
              static_cast<int>(n - 20));
    tern_netdev end = tern_memnetdev_a(&pair);
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&end, &cx, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
  }

  // Runs a few seconds of virtual time, a settle each second; returns
  // the datagrams that crossed the link in each second.
  std::vector<uint32_t> Seconds(int n) {
    std::vector<uint32_t> per;
    for (int s = 0; s < n; s++) {
      uint32_t before = Crossed();
      Settle();
      tern_sim_advance(1000);
      per.push_back(Crossed() - before);
    }
    return per;
  }
};

const tern_ipv4_addr kA = tern_ipv4(192, 0, 2, 1);
const tern_ipv4_addr kB = tern_ipv4(192, 0, 2, 2);

// A datagram spoofed from host A's echo port to host B's: B must not
// echo it (to A's echo port, which would echo it back, and so on for
// ever). What crosses the link is the one injected datagram, and nothing
// more in the seconds after. The echo app of e7ff452 answered anything:
// the two hosts bounced it for ever.
TEST(EchoSecurity, ASpoofedDatagramBetweenTwoEchoServersDoesNotPingPong) {
  TwoHosts h;
  uint32_t start = h.Crossed();
  h.Inject(kA, 7, kB, 7, "spoofed");
  std::vector<uint32_t> per = h.Seconds(3);
  EXPECT_EQ(h.Crossed() - start, 1u);  // the injected one only
  EXPECT_EQ(per, (std::vector<uint32_t>{0, 0, 0}));
  EXPECT_EQ(h.b.stats.refused, 1u);
  EXPECT_EQ(h.b.stats.echoed, 0u);
  EXPECT_EQ(h.a.stats.echoed, 0u);
  // The same from the other reflecting services' ports, and port 0.
  for (uint16_t port : {0, 13, 17, 19, 37}) {
    h.Inject(kA, port, kB, 7, "spoofed");
    h.Seconds(1);
  }
  EXPECT_EQ(h.Crossed() - start, 6u);
  EXPECT_EQ(h.b.stats.refused, 6u);
  EXPECT_EQ(h.b.stats.echoed, 0u);
}

// A datagram from B's own address to B's echo port from the wire (a
// "land" datagram): the IP layer drops it (issue 8, 4.1), so B does not
// talk to itself.
TEST(EchoSecurity, ALandDatagramIsNotEchoed) {
  TwoHosts h;
  uint32_t start = h.Crossed();
  h.Inject(kB, 40000, kB, 7, "land");
  h.Seconds(2);
  EXPECT_EQ(h.Crossed() - start, 1u);
  EXPECT_EQ(h.b.stats.echoed, 0u);
  EXPECT_EQ(tern_ipv4_get_stats(&h.b.v4).rx_drop_bad_src, 1u);
  EXPECT_EQ(tern_ip_get_stats(&h.b.ip).tx_loopback, 0u);
}

// A broadcast to the echo port gets no answer: with many echo hosts on a
// link, one spoofed broadcast would send all their echoes to the victim.
TEST(EchoSecurity, ABroadcastGetsNoAnswer) {
  TwoHosts h;
  uint32_t start = h.Crossed();
  h.Inject(kA, 40000, tern_ipv4(192, 0, 2, 255), 7, "all of you");
  h.Inject(kA, 40000, tern_ipv4(255, 255, 255, 255), 7, "all of you");
  h.Seconds(2);
  EXPECT_EQ(h.Crossed() - start, 2u);
  EXPECT_EQ(h.b.stats.refused, 2u);
  EXPECT_EQ(h.b.stats.echoed, 0u);
}

// What the app is for still works: a datagram from an ephemeral port (a
// client on host A) is echoed, once.
TEST(EchoSecurity, AnOrdinaryDatagramIsEchoed) {
  TwoHosts h;
  static tern_udp_sock client;
  static uint8_t ring[256];
  client = tern_udp_sock{};
  ASSERT_EQ(tern_udp_bind(&h.a.udp, &client, nullptr, ring, sizeof ring), 0);
  tern_endpoint to = tern_endpoint{};
  to.addr.family = TERN_IP_V4;
  to.addr.u.v4 = kB;
  to.port = 7;
  int err = 1;
  ASSERT_EQ(tern_udp_poll_send_to(&client, &h.cx, &to, "hello", 5, &err),
            TERN_READY);
  ASSERT_EQ(err, 0);
  uint32_t start = h.Crossed();
  h.Seconds(2);
  EXPECT_EQ(h.Crossed() - start, 2u);  // the datagram and its echo
  EXPECT_EQ(h.b.stats.echoed, 1u);
  char buf[16];
  tern_endpoint from;
  int n = 0;
  ASSERT_EQ(tern_udp_poll_recv_from(&client, &h.cx, &from, buf, sizeof buf, &n),
            TERN_READY);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "hello");
  EXPECT_EQ(from.port, 7);
  EXPECT_EQ(memcmp(from.addr.u.v4.b, kB.b, 4), 0);
  tern_udp_close(&client);
}

// A datagram longer than the app's buffer (here 1,490 bytes, past
// TERN_ECHO_BUF_SIZE's 1,472, on a link with an MTU of 1,536 as the host
// program's --slip --mtu 1536 has) is echoed cut to the buffer and counted
// in stats.truncated.
TEST(EchoSecurity, ADatagramLongerThanTheBufferIsEchoedCutAndCounted) {
  TwoHosts h;
  tern_memnetdev_set_mtu(&h.pair, 1536);
  static tern_udp_sock client;
  static uint8_t ring[2048];
  client = tern_udp_sock{};
  tern_endpoint local = tern_endpoint{};
  local.port = 40000;
  ASSERT_EQ(tern_udp_bind(&h.a.udp, &client, &local, ring, sizeof ring), 0);
  std::string big(1490, 'b');
  for (size_t i = 0; i < big.size(); i++)
    big[i] = static_cast<char>('a' + i % 26);
  h.Inject(kA, 40000, kB, 7, big);
  h.Seconds(2);
  EXPECT_EQ(h.b.stats.truncated, 1u);
  EXPECT_EQ(h.b.stats.echoed, 1u);
  static char buf[2048];
  tern_endpoint from;
  int n = 0;
  ASSERT_EQ(tern_udp_poll_recv_from(&client, &h.cx, &from, buf, sizeof buf, &n),
            TERN_READY);
  ASSERT_EQ(n, TERN_ECHO_BUF_SIZE);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)),
            big.substr(0, TERN_ECHO_BUF_SIZE));
  tern_udp_close(&client);
}

}  // namespace
