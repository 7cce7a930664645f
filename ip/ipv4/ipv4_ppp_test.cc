// The IPv4 interface over a PPP link takes the address IPCP negotiated
// (ipv4_ppp), answers pings over it, and loses it when the link goes down:
// an IPv4 stack over link A under an executor on the sim port; the far side
// is a second PPP link (B) that the test drives, giving A 10.0.0.2 unless
// a test says otherwise.
#include "tern/ipv4_ppp.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "executor/test_waker.h"
#include "ip/core/core_testing.h"
#include "link/ppp/ppp_test_fixture.h"
#include "tern/checksum.h"
#include "tern/executor.h"
#include "tern/ipv4.h"
#include "tern/memstream.h"
#include "tern/sim.h"

namespace {

using Bytes = std::vector<uint8_t>;

// An ICMP echo request from 10.0.0.<from> to `to`, carrying `text`.
Bytes Ping(const char *text, uint8_t from, const uint8_t to[4]) {
  size_t n = strlen(text);
  Bytes p = {0x45,  0,     0,     (uint8_t)(28 + n),
             0,     1,     0,     0,
             64,    1,     0,     0,
             10,    0,     0,     from,
             to[0], to[1], to[2], to[3],
             8,     0,     0,     0,
             0x12,  0x34,  0,     1};
  p.insert(p.end(), text, text + n);
  uint16_t c = tern_checksum(p.data(), 20);
  p[10] = (uint8_t)(c >> 8);
  p[11] = (uint8_t)c;
  c = tern_checksum(p.data() + 20, p.size() - 20);
  p[22] = (uint8_t)(c >> 8);
  p[23] = (uint8_t)c;
  return p;
}

// The glue and what its change callback saw (a C struct, so that the
// callback finds it from the glue).
struct Glue {
  tern_ipv4_ppp g;
  tern_ip_iface *iface;
  int changes;  // calls of on_change
  bool last_up;
  int untrue;  // calls whose up did not say whether the interface had an
               // IPv4 address then

  static void OnChange(tern_ipv4_ppp *g, bool up) {
    Glue *self = TERN_CONTAINER_OF(g, Glue, g);
    self->changes++;
    self->last_up = up;
    tern_ipv4_addr a = tern_ipv4_get_addr(self->iface);
    bool has = memcmp(a.b, "\0\0\0\0", 4) != 0;
    self->untrue += up != has;
  }
};

struct Runner {
  tern_task task;
  tern_ip_stack *ip;

  static tern_poll Poll(tern_task *t, tern_cx *cx) {
    return tern_ip_stack_poll_run(TERN_CONTAINER_OF(t, Runner, task)->ip, cx);
  }
};

struct PppHosts {
  tern_test::Pool pool_a, pool_b;
  tern_test::TestRng rng_a{3}, rng_b{4};
  uint8_t ab[2048], ba[2048];
  tern_memstream_pair line;
  uint8_t tx_a[64], tx_b[64];
  tern_ppp a, b;
  tern_netdev far;
  tern_executor ex;
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  Runner runner;
  Glue glue = {};
  tern_test::CountingWaker w;
  std::vector<Bytes> got;  // IP packets B received

  // far_addr: B's own address (empty: B gives none, as RFC 1332 lets
  // it); given: the address B gives A; own: the address A asks for (empty:
  // none, B gives one).
  explicit PppHosts(const Bytes &far_addr = {10, 0, 0, 1},
                    const Bytes &given = {10, 0, 0, 2}, bool ipv6cp = false,
                    const Bytes &own = {}) {
    tern_sim_set_time(0);
    tern_memstream_init(&line, ab, sizeof ab, ba, sizeof ba);
    tern_ppp_config ca = {}, cb = {};
    if (!far_addr.empty()) {
      memcpy(cb.local_addr, far_addr.data(), 4);
    }
    memcpy(cb.peer_addr, given.data(), 4);
    if (!own.empty()) {
      memcpy(ca.local_addr, own.data(), 4);
    }
    tern_rng ra = rng_a.Rng(), rb = rng_b.Rng();
    EXPECT_EQ(tern_ppp_init(&a, tern_memstream_a(&line), &pool_a.pool, tx_a,
                            sizeof tx_a, &ca, &ra),
              0);
    EXPECT_EQ(tern_ppp_init(&b, tern_memstream_b(&line), &pool_b.pool, tx_b,
                            sizeof tx_b, &cb, &rb),
              0);
    if (ipv6cp) {
      EXPECT_EQ(tern_ppp_use_ipv6cp(&a), 0);
      EXPECT_EQ(tern_ppp_use_ipv6cp(&b), 0);
    }
    far = tern_ppp_netdev(&b);
    tern_executor_init(&ex);
    EXPECT_EQ(tern_ip_stack_init(&ip, &pool_a.pool, &ra), 0);
    EXPECT_EQ(tern_ipv4_init(&v4, &ip), 0);
    EXPECT_EQ(tern_ip_iface_add(&ip, &iface, tern_ppp_netdev(&a)), 0);
    runner.ip = &ip;
    tern_task_init(&runner.task, Runner::Poll);
    EXPECT_EQ(tern_spawn(&ex, &runner.task), 0);
    EXPECT_EQ(tern_ipv4_ppp_start(&glue.g, &ex, &a, &iface), 0);
    glue.g.on_change = Glue::OnChange;
    glue.iface = &iface;
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

  // Lets ms of virtual time pass (A's timers are the executor's, B's the
  // waker's), then runs.
  void Wait(uint32_t ms) {
    tern_sim_advance(ms);
    w.FireTimers(tern_now());
    Run();
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

  // Writes a PPP frame (protocol, then the information field) to A as if
  // B had sent it.
  void FarRaw(uint16_t proto, const Bytes &info) {
    Bytes out = ppp_test::PeerFrame(proto, info);
    tern_stream s = tern_memstream_b(&line);
    tern_cx cx = w.Cx();
    ptrdiff_t done = 0;
    ASSERT_EQ(tern_stream_poll_write(&s, &cx, out.data(), out.size(), &done),
              TERN_READY);
    ASSERT_EQ((size_t)done, out.size());
    Run();
  }

  Bytes Addr() {
    tern_ipv4_addr x = tern_ipv4_get_addr(&iface);
    return Bytes(x.b, x.b + 4);
  }

  // Pings `to` from 10.0.0.<from> over the link: whether the echo reply
  // came back from `to` to 10.0.0.<from>, with the request's data.
  ::testing::AssertionResult Answers(uint8_t from, const Bytes &to) {
    got.clear();
    FarSend(Ping("over ppp", from, to.data()));
    if (got.size() != 1) {
      return ::testing::AssertionFailure() << got.size() << " packets back";
    }
    const Bytes &r = got[0];
    Bytes want_addrs = to;
    want_addrs.insert(want_addrs.end(), {10, 0, 0, from});
    if (r.size() != 28u + 8 || r[9] != 1 || r[20] != 0 ||
        Bytes(r.begin() + 12, r.begin() + 20) != want_addrs ||
        Bytes(r.begin() + 28, r.end()) !=
            Bytes({'o', 'v', 'e', 'r', ' ', 'p', 'p', 'p'})) {
      return ::testing::AssertionFailure() << "not the echo reply";
    }
    return ::testing::AssertionSuccess();
  }
};

TEST(Ipv4Ppp, TheInterfaceTakesTheIpcpAddressAndLosesItWithTheLink) {
  auto *h = new PppHosts;
  h->Run();
  ASSERT_EQ(h->glue.g.ups, 1u);
  EXPECT_EQ(h->Addr(), Bytes({10, 0, 0, 2}));
  EXPECT_TRUE(tern_ip_iface_up(&h->iface));
  EXPECT_EQ(h->iface.mtu, 1500);
  EXPECT_EQ(h->glue.changes, 1);
  EXPECT_TRUE(h->glue.last_up);
  // A ping to the address IPCP gave comes back from it.
  EXPECT_TRUE(h->Answers(1, {10, 0, 0, 2}));
  // The far side ends the link: the interface loses its address.
  tern_ppp_close(&h->b);
  h->Run();
  EXPECT_FALSE(tern_ip_iface_up(&h->iface));
  EXPECT_EQ(h->Addr(), Bytes({0, 0, 0, 0}));
  EXPECT_EQ(h->glue.changes, 2);
  EXPECT_FALSE(h->glue.last_up);
  // Once A has stopped (its restart timer: 3 s), the far side negotiates
  // again: the address comes back.
  h->Wait(3000);
  tern_ppp_open(&h->b);
  h->Run();
  EXPECT_EQ(h->glue.g.ups, 2u);
  EXPECT_EQ(h->Addr(), Bytes({10, 0, 0, 2}));
  EXPECT_TRUE(h->Answers(1, {10, 0, 0, 2}));
  delete h;
}

// The far side bounces the link (closes and opens it again at once, before
// our Terminate-Ack): the interface loses the address, then takes it again
// once LCP and IPCP have negotiated anew. Before, both ends were left
// Stopped, each waiting for the other, and the address never came back.
TEST(Ipv4Ppp, ALinkBouncedAtOnceComesBackWithTheAddress) {
  auto *h = new PppHosts;
  h->Run();
  ASSERT_EQ(h->glue.g.ups, 1u);
  tern_ppp_close(&h->b);
  tern_ppp_open(&h->b);
  h->Run();
  for (int i = 0; i < 10 && h->glue.g.ups < 2; i++) {
    h->Wait(1000);
  }
  EXPECT_EQ(h->glue.g.ups, 2u);
  EXPECT_GE(h->glue.changes, 3);  // up, down, up
  EXPECT_TRUE(h->glue.last_up);
  EXPECT_EQ(h->glue.untrue, 0);
  EXPECT_EQ(h->Addr(), Bytes({10, 0, 0, 2}));
  EXPECT_TRUE(h->Answers(1, {10, 0, 0, 2}));
  delete h;
}

// A peer that gives no address of its own (RFC 1332 lets it; cellular
// modems often do) still carries everything: the interface's default route
// goes over the link, as pppd and lwIP make it (with 10.64.64.64 standing
// in for the peer). Before, the interface had no gateway and nothing off
// its /32 was reachable: the reply to 10.0.0.7 never went.
TEST(Ipv4Ppp, APeerWithoutAnAddressStillCarriesTheDefaultRoute) {
  auto *h = new PppHosts(Bytes{});
  h->Run();
  ASSERT_EQ(h->glue.g.ups, 1u);
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&h->a);
  EXPECT_EQ(Bytes(v4.local, v4.local + 4), Bytes({10, 0, 0, 2}));
  EXPECT_EQ(Bytes(v4.peer, v4.peer + 4), Bytes({0, 0, 0, 0}));
  EXPECT_TRUE(h->Answers(7, {10, 0, 0, 2}));
  delete h;
}

// The same when the address given to us is the stand-in itself: the
// gateway is then 10.64.64.65, as set_addr refuses our own address as a
// gateway (and the interface was left with no address at all).
TEST(Ipv4Ppp, APeerWithoutAnAddressGivingUsTheStandInsStillConfigures) {
  auto *h = new PppHosts(Bytes{}, {10, 64, 64, 64});
  h->Run();
  EXPECT_EQ(h->glue.g.ups, 1u);
  EXPECT_EQ(h->Addr(), Bytes({10, 64, 64, 64}));
  EXPECT_TRUE(h->Answers(7, {10, 64, 64, 64}));
  delete h;
}

// A peer that claims for itself the address it gives us (a misconfigured
// server): the link does not open IPCP with one address at both ends
// (link/ppp's PppOneAddressForBoth, branch ppp33), so the interface is
// never given it, whether it is the stand-in or not: we ask for 0.0.0.0
// until the far side, a tern link too, rejects the option after its
// Max-Failure Naks, and IPCP opens without an address of ours. Before,
// IPCP opened with one address at both ends and the glue put the
// stand-in in the peer's place (its check stays, for a link that would:
// set_addr refuses our own address as the gateway).
TEST(Ipv4Ppp, APeerClaimingTheAddressItGivesUsIsNotConfigured) {
  for (const Bytes &both : {Bytes{10, 0, 0, 2}, Bytes{10, 64, 64, 64}}) {
    auto *h = new PppHosts(both, both);
    h->Run();
    for (int i = 0; i < 40; i++) {
      h->Wait(1000);
    }
    tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&h->a);
    EXPECT_EQ(Bytes(v4.local, v4.local + 4), Bytes({0, 0, 0, 0}));
    EXPECT_EQ(Bytes(v4.peer, v4.peer + 4), both);
    EXPECT_EQ(h->glue.g.ups, 0u);
    EXPECT_EQ(h->Addr(), Bytes({0, 0, 0, 0}));
    delete h;
  }
}

// An address no host may have (127.0.0.1) that IPCP opens with: set_addr
// refuses it and the interface has no address. Before, the change callback
// still said up (and nothing kept why). The link itself now ignores a
// peer's Nak suggesting one (link/ppp, branch rev30f), and naks a peer
// asking for one with an address of its own to give (branch misc31), so
// it is A's own configured address here, and B has none to give: B
// rejects the option and IPCP opens with A's address as configured.
TEST(Ipv4Ppp, AnAddressSetAddrRefusesIsReportedNotUp) {
  auto *h = new PppHosts({10, 0, 0, 1}, {0, 0, 0, 0}, false, {127, 0, 0, 1});
  h->Run();
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&h->a);
  ASSERT_EQ(Bytes(v4.local, v4.local + 4), Bytes({127, 0, 0, 1}));
  EXPECT_TRUE(tern_ip_iface_up(&h->iface));
  EXPECT_EQ(h->Addr(), Bytes({0, 0, 0, 0}));
  EXPECT_EQ(h->glue.g.ups, 0u);
  EXPECT_GE(h->glue.changes, 1);
  EXPECT_FALSE(h->glue.last_up);
  EXPECT_EQ(h->glue.untrue, 0);
  EXPECT_EQ(h->glue.g.err, TERN_EINVAL);
  delete h;
}

// A peer with no address to give rejects our request for one (RFC 1332:
// IPCP opens, we have none). Before, the glue set 0.0.0.0 with the peer as
// gateway, which set_addr takes as "no address", and counted it as an
// address set (ups 1, up true): a program waiting for ups went on with
// no address.
TEST(Ipv4Ppp, NoAddressFromIpcpIsNotAnAddressSet) {
  auto *h = new PppHosts({10, 0, 0, 1}, {0, 0, 0, 0});
  h->Run();
  EXPECT_TRUE(tern_ip_iface_up(&h->iface));
  EXPECT_EQ(h->Addr(), Bytes({0, 0, 0, 0}));
  EXPECT_EQ(h->glue.g.ups, 0u);
  EXPECT_FALSE(h->glue.last_up);
  EXPECT_EQ(h->glue.untrue, 0);
  EXPECT_EQ(h->glue.g.err, 0);
  delete h;
}

#if TERN_CONFIG_IPV6
// With IPV6CP beside IPCP the link stays up while either is opened: IPCP
// closing (the peer's Terminate-Request) leaves the link up for IPv6, and
// the interface must lose the IPv4 address all the same. Before, the glue
// read IPCP's address (all zero once it is down) as one given, counted an
// address set and said up.
TEST(Ipv4Ppp, IpcpClosingWhileIpv6cpStaysTakesTheAddressAway) {
  auto *h = new PppHosts({10, 0, 0, 1}, {10, 0, 0, 2}, true);
  h->Run();
  ASSERT_EQ(h->Addr(), Bytes({10, 0, 0, 2}));
  ASSERT_TRUE(h->glue.last_up);
  uint32_t ups = h->glue.g.ups;
  // IPCP Terminate-Request from B (code 5, id 0x77, length 4).
  h->FarRaw(0x8021, {5, 0x77, 0, 4});
  EXPECT_TRUE(tern_ip_iface_up(&h->iface));  // IPV6CP is still opened
  EXPECT_EQ(h->Addr(), Bytes({0, 0, 0, 0}));
  EXPECT_FALSE(h->glue.last_up);
  EXPECT_EQ(h->glue.g.ups, ups);
  EXPECT_EQ(h->glue.untrue, 0);
  delete h;
}
#endif

TEST(Ipv4Ppp, StartRefusesNullArguments) {
  tern_executor ex;
  tern_executor_init(&ex);
  tern_ppp ppp;
  tern_ip_iface iface;
  tern_ipv4_ppp g;
  EXPECT_EQ(tern_ipv4_ppp_start(nullptr, &ex, &ppp, &iface), TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_ppp_start(&g, nullptr, &ppp, &iface), TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_ppp_start(&g, &ex, nullptr, &iface), TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_ppp_start(&g, &ex, &ppp, nullptr), TERN_EINVAL);
  EXPECT_EQ(tern_executor_run_once(&ex), 0u);  // nothing was spawned
}

}  // namespace
