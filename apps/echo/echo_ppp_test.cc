// The IPv4 interface over a PPP link takes the address IPCP negotiated
// (echo_ppp), answers over it, and loses it when the link goes down: the
// echo app on link A under an executor on the sim port; the far side is a
// second PPP link (B) that the test drives, giving A 10.0.0.2.
#include "apps/echo/echo_ppp.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "apps/echo/echo.h"
#include "ip/core/core_testing.h"
#include "tern/checksum.h"
#include "tern/executor.h"
#include "tern/ipv4.h"
#include "tern/memstream.h"
#include "tern/sim.h"

namespace {

using Bytes = std::vector<uint8_t>;

// A UDP datagram from 10.0.0.<from>:40000 to 10.0.0.2:7 (no UDP checksum,
// as IPv4 allows).
Bytes Datagram(const char *text, uint8_t from = 1) {
  size_t n = strlen(text);
  Bytes p = {0x45, 0,
             0,    (uint8_t)(28 + n),
             0,    1,
             0,    0,
             64,   17,
             0,    0,
             10,   0,
             0,    from,
             10,   0,
             0,    2,
             0x9c, 0x40,
             0,    7,
             0,    (uint8_t)(8 + n),
             0,    0};
  uint16_t c = tern_checksum(p.data(), 20);
  p[10] = (uint8_t)(c >> 8);
  p[11] = (uint8_t)c;
  p.insert(p.end(), text, text + n);
  return p;
}

struct PppHosts {
  tern_test::Pool pool_a, pool_b;
  tern_test::TestRng rng_a{3}, rng_b{4};
  uint8_t ab[2048], ba[2048];
  tern_memstream_pair line;
  uint8_t tx_a[64], tx_b[64];
  tern_ppp a, b;
  tern_netdev far;
  tern_executor ex;
  tern_echo_app app;
  tern_echo_ppp glue;
  tern_test::CountingWaker w;
  std::vector<Bytes> got;  // IP packets B received

  // far_addr: whether B, the far side, gives its own address (RFC 1332
  // lets a peer give none); given: the last byte of the 10.0.0.x address
  // B gives A (0: 10.64.64.64, the stand-in's).
  explicit PppHosts(bool far_addr = true, uint8_t given = 2) {
    tern_sim_set_time(0);
    tern_memstream_init(&line, ab, sizeof ab, ba, sizeof ba);
    tern_ppp_config ca = {}, cb = {};
    if (far_addr) {
      cb.local_addr[0] = 10;
      cb.local_addr[3] = 1;
    }
    cb.peer_addr[0] = 10;
    cb.peer_addr[3] = given;
    if (given == 0) {
      memcpy(cb.peer_addr, "\x0a\x40\x40\x40", 4);
    }
    tern_rng ra = rng_a.Rng(), rb = rng_b.Rng();
    EXPECT_EQ(tern_ppp_init(&a, tern_memstream_a(&line), &pool_a.pool, tx_a,
                            sizeof tx_a, &ca, &ra),
              0);
    EXPECT_EQ(tern_ppp_init(&b, tern_memstream_b(&line), &pool_b.pool, tx_b,
                            sizeof tx_b, &cb, &rb),
              0);
    far = tern_ppp_netdev(&b);
    tern_executor_init(&ex);
    tern_ipv4_addr none = tern_ipv4(0, 0, 0, 0);
    EXPECT_EQ(tern_echo_start(&app, &ex, &pool_a.pool, &ra, tern_ppp_netdev(&a),
                              &none, 0, nullptr),
              0);
    EXPECT_EQ(tern_echo_ppp_start(&glue, &ex, &a, &app.iface), 0);
  }
  ~PppHosts() {
    tern_ppp_shutdown(&a);
    tern_ppp_shutdown(&b);
  }

  // Runs A's tasks and B's polls until nothing moves.
  void Run() {
    int quiet = 0;
    for (int i = 0; i < 200 && quiet < 3; i++) {
      size_t n = tern_executor_run_once(&ex);
      tern_cx cx = w.Cx();
      tern_pkt *p = nullptr;
      int err = 0;
      bool far_got = tern_netdev_poll_recv(&far, &cx, &p, &err) == TERN_READY &&
                     p != nullptr;
      if (far_got) {
        got.emplace_back(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
        tern_pkt_free(p);
      }
      // B's polls write its output, which wakes A only afterwards.
      quiet = n == 0 && !far_got ? quiet + 1 : 0;
    }
  }

  void FarSend(const Bytes &ip) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&pool_b.pool);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
    memcpy(tern_pkt_put(p, ip.size()), ip.data(), ip.size());
    tern_cx cx = w.Cx();
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&far, &cx, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
    Run();
  }
};

TEST(EchoPpp, TheInterfaceTakesTheIpcpAddressAndLosesItWithTheLink) {
  auto *h = new PppHosts;
  h->Run();
  ASSERT_EQ(h->glue.ups, 1u);
  tern_ipv4_addr a = tern_ipv4_get_addr(&h->app.iface);
  EXPECT_EQ(Bytes(a.b, a.b + 4), Bytes({10, 0, 0, 2}));
  EXPECT_TRUE(tern_ip_iface_up(&h->app.iface));
  EXPECT_EQ(h->app.iface.mtu, 1500);
  // A datagram to the address IPCP gave comes back from it.
  h->FarSend(Datagram("over ppp"));
  ASSERT_EQ(h->got.size(), 1u);
  const Bytes &r = h->got[0];
  ASSERT_EQ(r.size(), 28u + 8);
  EXPECT_EQ(Bytes(r.begin() + 12, r.begin() + 20),
            Bytes({10, 0, 0, 2, 10, 0, 0, 1}));
  EXPECT_EQ(Bytes(r.begin() + 28, r.end()),
            Bytes({'o', 'v', 'e', 'r', ' ', 'p', 'p', 'p'}));
  EXPECT_EQ(h->app.stats.echoed, 1u);
  // The far side ends the link: the interface loses its address.
  tern_ppp_close(&h->b);
  h->Run();
  EXPECT_FALSE(tern_ip_iface_up(&h->app.iface));
  a = tern_ipv4_get_addr(&h->app.iface);
  EXPECT_EQ(Bytes(a.b, a.b + 4), Bytes({0, 0, 0, 0}));
  delete h;
}

// A peer that gives no address of its own (RFC 1332 lets it; cellular
// modems often do) still carries everything: the interface's default route
// goes over the link, as pppd and lwIP make it (with 10.64.64.64 standing
// in for the peer). Before, the interface had no gateway and nothing off
// its /32 was reachable: the echo of a datagram from 10.0.0.7 never went.
TEST(EchoPpp, APeerWithoutAnAddressStillCarriesTheDefaultRoute) {
  auto *h = new PppHosts(false);
  h->Run();
  ASSERT_EQ(h->glue.ups, 1u);
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&h->a);
  EXPECT_EQ(Bytes(v4.local, v4.local + 4), Bytes({10, 0, 0, 2}));
  EXPECT_EQ(Bytes(v4.peer, v4.peer + 4), Bytes({0, 0, 0, 0}));
  h->FarSend(Datagram("off link", 7));
  ASSERT_EQ(h->got.size(), 1u);
  const Bytes &r = h->got[0];
  ASSERT_EQ(r.size(), 28u + 8);
  EXPECT_EQ(Bytes(r.begin() + 12, r.begin() + 20),
            Bytes({10, 0, 0, 2, 10, 0, 0, 7}));
  delete h;
}

// The same when the address given to us is the stand-in itself: the
// gateway is then 10.64.64.65, as set_addr refuses our own address as a
// gateway (and the interface was left with no address at all).
TEST(EchoPpp, APeerWithoutAnAddressGivingUsTheStandInsStillConfigures) {
  auto *h = new PppHosts(false, 0);
  h->Run();
  EXPECT_EQ(h->glue.ups, 1u);
  tern_ipv4_addr a = tern_ipv4_get_addr(&h->app.iface);
  EXPECT_EQ(Bytes(a.b, a.b + 4), Bytes({10, 64, 64, 64}));
  delete h;
}

}  // namespace
