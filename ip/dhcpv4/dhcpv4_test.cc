// The DHCPv4 client against a scripted server, in virtual time (the sim
// port): the client runs on a real stack (IPv4 + UDP) over a memory
// netdev whose far end the test plays. Every path: DORA with unicast and
// broadcast replies, retransmission with backoff, INIT-REBOOT, probe and
// DECLINE, NAK, renew, rebind, expiry, conflicts, link events, RELEASE.
#include "tern/dhcpv4.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "executor/test_waker.h"
#include "ip/core/core_testing.h"
#include "ip/dhcpv4/capture_vectors.h"
#include "ip/dhcpv4/dhcpv4_testing.h"
#include "ip/dhcpv4/opt_find.h"
#include "tern/checksum.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/sim.h"
#include "tern/udp.h"

namespace {

using tern_test::Bytes;
using tern_test::CountingWaker;

const uint8_t kMac[6] = {0x02, 0, 0, 0, 0, 0x0a};  // the capture's client
const tern_ipv4_addr kServer = tern_ipv4(192, 0, 2, 2);
const tern_ipv4_addr kOffered = tern_ipv4(192, 0, 2, 103);
const tern_ipv4_addr kBcast = tern_ipv4(255, 255, 255, 255);
const tern_ipv4_addr kZero = tern_ipv4(0, 0, 0, 0);
// The longest time from an ACK to the address's use with probes (RFC 5227
// 2.1.1): the random wait, the three probes at most PROBE_MAX apart, and
// ANNOUNCE_WAIT after the last.
constexpr uint32_t kProbingMs =
    TERN_DHCPV4_PROBE_WAIT_MS +
    (TERN_DHCPV4_PROBES - 1) * TERN_DHCPV4_PROBE_MAX_MS +
    TERN_DHCPV4_ANNOUNCE_WAIT_MS;

bool Eq(tern_ipv4_addr a, tern_ipv4_addr b) {
  return memcmp(a.b, b.b, 4) == 0;
}

// An address as an option's data.
Bytes A(tern_ipv4_addr a) {
  return Bytes(a.b, a.b + 4);
}

// A message the client sent, as the server reads it.
struct Sent {
  tern_ipv4_addr src, dst;
  uint16_t sport = 0, dport = 0;
  Bytes msg;
  tern_dhcpv4_hdr h = {};
  tern_dhcpv4_opts o = {};  // points into msg: parsed again on a copy
  // An option the parse does not keep (those a client sends).
  Bytes Opt(uint8_t code) const {
    return tern_test::OptData(msg, code);
  }
  bool Has(uint8_t code) const {
    return tern_test::FindOpt(msg.data(), msg.size(), code);
  }
  Sent() = default;
  Sent(const Sent &x) {
    *this = x;
  }
  Sent &operator=(const Sent &x) {
    src = x.src;
    dst = x.dst;
    sport = x.sport;
    dport = x.dport;
    msg = x.msg;
    h = x.h;
    o = x.o;
    if (!msg.empty()) {
      EXPECT_EQ(tern_dhcpv4_opts_parse(&o, msg.data(), msg.size()), 0);
    }
    return *this;
  }
};

using tern_test::Datagram;
using tern_test::EventDev;

class Dhcpv4Test : public ::testing::Test {
 protected:
  tern_test::Pool pool_{8};
  tern_test::Pool peer_pool_{8};
  tern_memnetdev_pair pair_;
  EventDev *dev_ = nullptr;
  tern_test::TestRng rng_{7};
  tern_ip_stack ip_;
  tern_ipv4_layer v4_;
  tern_ip_iface iface_;
  tern_udp_layer udp_;
  tern_dhcpv4 c_;
  tern_dhcpv4_config cfg_ = {};
  CountingWaker w_;
  tern_cx cx_ = w_.Cx();
  bool done_ = false;
  std::vector<tern_ipv4_addr> probes_;
  std::vector<tern_time> probe_times_;  // when each of probes_ was made
  std::vector<tern_dhcpv4_lease> leases_;
  CountingWaker lw_;
  tern_cx lcx_ = lw_.Cx(nullptr);
  bool next_hop_ = false;  // the device resolves next hops (Ethernet)
  // What Reply puts in its subnet mask (none when empty) and router
  // options.
  Bytes mask_ = {255, 255, 255, 0};
  tern_ipv4_addr router_ = kServer;

  int probe_err_ = 0;  // what Probe returns for an address, when not 0

  // Records each call; for an address (not the stop, 0.0.0.0) returns
  // probe_err_ when set, else, as tern_eth_probe does, TERN_ENETDOWN
  // while the link is down (nothing sent).
  static int Probe(void *ctx, const tern_ipv4_addr *a) {
    auto *t = static_cast<Dhcpv4Test *>(ctx);
    t->probes_.push_back(*a);
    t->probe_times_.push_back(tern_now());
    if (a->b[0] == 0) {
      return 0;
    }
    if (t->probe_err_ != 0) {
      return t->probe_err_;
    }
    tern_netdev_info i = tern_netdev_get_info(&t->dev_->inner);
    return (i.flags & TERN_NETDEV_UP) == 0 ? TERN_ENETDOWN : 0;
  }

  void SetUp() override {
    tern_sim_set_time(1000);
    tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
    cfg.queue_len = 16;
    tern_memnetdev_init(&pair_, &cfg);
    dev_ = new EventDev(tern_memnetdev_a(&pair_), kMac);
    dev_->next_hop = next_hop_;
    tern_rng r = rng_.Rng();
    ASSERT_EQ(tern_ip_stack_init(&ip_, &pool_.pool, &r), 0);
    ASSERT_EQ(tern_ipv4_init(&v4_, &ip_), 0);
    ASSERT_EQ(tern_ip_iface_add(&ip_, &iface_, dev_->Dev()), 0);
    ASSERT_EQ(tern_udp_init(&udp_, &ip_), 0);
  }
  void TearDown() override {
    tern_timer_cancel(&c_.timer);
    while (w_.timers.head != nullptr) {
      tern_timer_cancel(w_.timers.head);
    }
    Bytes b;
    while (PeerTake(&b)) {
    }
    delete dev_;
  }

  void Start() {
    ASSERT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), 0);
    Run();
  }

  // Polls the runner and the client until neither wakes itself.
  void Run() {
    for (int i = 0; i < 50; i++) {
      w_.Take();
      EXPECT_EQ(tern_ip_stack_poll_run(&ip_, &cx_), TERN_PENDING);
      if (!done_) {
        done_ = tern_dhcpv4_poll_run(&c_, &cx_) == TERN_READY;
      }
      EXPECT_EQ(tern_ip_stack_poll_run(&ip_, &cx_), TERN_PENDING);
      tern_dhcpv4_lease l;
      while (tern_dhcpv4_poll_lease(&c_, &lcx_, &l) == TERN_READY) {
        leases_.push_back(l);
      }
      if (w_.wakes == 0) {
        return;
      }
    }
    ADD_FAILURE() << "still busy";
  }

  // Lets ms of virtual time pass (in steps of at most 1 s, firing timers).
  void Advance(uint32_t ms) {
    while (ms > 0) {
      uint32_t step = ms < 1000 ? ms : 1000;
      tern_sim_advance(step);
      ms -= step;
      w_.FireTimers(tern_now());
      Run();
    }
  }

  bool PeerTake(Bytes *out) {
    tern_netdev peer = tern_memnetdev_b(&pair_);
    tern_pkt *p = nullptr;
    int err = 0;
    if (tern_netdev_poll_recv(&peer, &lcx_, &p, &err) != TERN_READY) {
      return false;
    }
    out->assign(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    tern_pkt_free(p);
    return true;
  }

  // Every message the client sent since the last call.
  std::vector<Sent> Wire() {
    std::vector<Sent> v;
    Bytes d;
    while (PeerTake(&d)) {
      Sent s;
      EXPECT_GE(d.size(), 28u);
      EXPECT_EQ(d[9], 17);
      memcpy(s.src.b, &d[12], 4);
      memcpy(s.dst.b, &d[16], 4);
      s.sport = uint16_t(d[20] << 8 | d[21]);
      s.dport = uint16_t(d[22] << 8 | d[23]);
      s.msg.assign(d.begin() + 28, d.end());
      EXPECT_EQ(tern_dhcpv4_check(s.msg.data(), s.msg.size()), 0);
      tern_dhcpv4_hdr_parse(&s.h, s.msg.data());
      EXPECT_EQ(tern_dhcpv4_opts_parse(&s.o, s.msg.data(), s.msg.size()), 0);
      v.push_back(s);
    }
    return v;
  }

  // The one message the client sent since the last look, of this type.
  Sent One(uint8_t type) {
    std::vector<Sent> v = Wire();
    EXPECT_EQ(v.size(), 1u);
    if (v.empty()) {
      return Sent{};
    }
    EXPECT_EQ(v[0].o.msg_type, type);
    EXPECT_EQ(v[0].sport, 68);
    EXPECT_EQ(v[0].dport, 67);
    EXPECT_EQ(v[0].msg.size(), 300u);  // padded to the BOOTP minimum
    return v[0];
  }

  // A server reply to the client's message `to`.
  Bytes Reply(const Sent &to, uint8_t type, uint32_t lease = 3600,
              tern_ipv4_addr yiaddr = kOffered, int t1 = -1, int t2 = -1,
              tern_ipv4_addr server = kServer) {
    uint8_t buf[TERN_DHCPV4_MAX_LEN];
    tern_dhcpv4_hdr h = {};
    h.op = TERN_DHCPV4_BOOTREPLY;
    h.htype = 1;
    h.hlen = 6;
    h.xid = to.h.xid;
    memcpy(h.chaddr, to.h.chaddr, 16);
    if (type != TERN_DHCPV4_NAK) {
      h.yiaddr = yiaddr;
    }
    EXPECT_EQ(tern_dhcpv4_hdr_emit(&h, buf, sizeof buf), 240);
    size_t off = 240;
    auto put = [&](uint8_t code, const void *d, uint8_t n) {
      EXPECT_EQ(tern_dhcpv4_put_opt(buf, sizeof buf, &off, code, d, n), 0);
    };
    put(53, &type, 1);
    put(54, server.b, 4);
    if (type != TERN_DHCPV4_NAK) {
      uint8_t be[4] = {uint8_t(lease >> 24), uint8_t(lease >> 16),
                       uint8_t(lease >> 8), uint8_t(lease)};
      put(51, be, 4);
      if (t1 >= 0) {
        uint8_t b1[4] = {0, 0, uint8_t(t1 >> 8), uint8_t(t1)};
        put(58, b1, 4);
      }
      if (t2 >= 0) {
        uint8_t b2[4] = {0, 0, uint8_t(t2 >> 8), uint8_t(t2)};
        put(59, b2, 4);
      }
      if (!mask_.empty()) {
        put(1, mask_.data(), uint8_t(mask_.size()));
      }
      put(3, router_.b, 4);
      const uint8_t dns[8] = {192, 0, 2, 2, 192, 0, 2, 53};
      put(6, dns, 8);
    }
    int n = tern_dhcpv4_put_end(buf, sizeof buf, off);
    return Bytes(buf, buf + n);
  }

  // The server sends msg, unicast to the offered address or broadcast.
  void Inject(const Bytes &msg, tern_ipv4_addr dst = kOffered,
              uint16_t sport = 67) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool_.pool);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(tern_pkt_reserve(p, 64), 0);
    Bytes d = Datagram(kServer, dst, msg, sport);
    memcpy(tern_pkt_put(p, d.size()), d.data(), d.size());
    tern_netdev peer = tern_memnetdev_b(&pair_);
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&peer, &lcx_, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
    Run();
  }

  // DISCOVER, OFFER, REQUEST, ACK; returns the REQUEST.
  Sent Dora(uint32_t lease = 3600, int t1 = -1, int t2 = -1,
            tern_ipv4_addr offered = kOffered) {
    Advance(TERN_DHCPV4_INIT_DELAY_MS);
    Sent d = One(TERN_DHCPV4_DISCOVER);
    Inject(Reply(d, TERN_DHCPV4_OFFER, lease, offered), offered);
    Sent r = One(TERN_DHCPV4_REQUEST);
    Inject(Reply(r, TERN_DHCPV4_ACK, lease, offered, t1, t2), offered);
    return r;
  }

  // Dora with the test's probe function: the ACK's address is then
  // probed before use. Returns the REQUEST.
  Sent StartAndDoraWithProbes(uint32_t lease = 3600, int t1 = -1, int t2 = -1) {
    cfg_.probe = Probe;
    cfg_.probe_ctx = this;
    Start();
    return Dora(lease, t1, t2);
  }

  // Bound to kOffered after its probes (a 600 s lease, T1 100 s, T2
  // 500 s), the renewal at T1 is ACKed with other: the old address is
  // taken away and reported lost, and other is probed before use.
  // probes_ holds those of other only.
  void GrantedAnotherAddressWhileRenewing(tern_ipv4_addr other) {
    StartAndDoraWithProbes(600, 100, 500);
    Advance(kProbingMs);
    ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
    probes_.clear();
    Advance(100000 - kProbingMs);
    Sent r = One(TERN_DHCPV4_REQUEST);
    ASSERT_EQ(State(), TERN_DHCPV4_RENEWING);
    Inject(Reply(r, TERN_DHCPV4_ACK, 600, other, 100, 500), kOffered);
    ASSERT_EQ(State(), TERN_DHCPV4_PROBING);
    EXPECT_TRUE(Eq(Addr(), kZero));  // the old address gone, the new unused
    ASSERT_FALSE(leases_.empty());
    EXPECT_TRUE(Eq(leases_.back().addr, kZero));  // reported lost
  }

  // Probing addr (probes_ cleared when it began): three probes of it and
  // the stop, then bound to it and reported, within kProbingMs.
  void ExpectProbedThenBound(tern_ipv4_addr addr) {
    EXPECT_EQ(State(), TERN_DHCPV4_PROBING);
    Advance(kProbingMs);
    EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
    ASSERT_EQ(probes_.size(), 4u);
    for (int i = 0; i < 3; i++) {
      EXPECT_TRUE(Eq(probes_[i], addr));
    }
    EXPECT_TRUE(Eq(probes_[3], kZero));  // the watch stopped
    EXPECT_TRUE(Eq(Addr(), addr));
    ASSERT_FALSE(leases_.empty());
    EXPECT_TRUE(Eq(leases_.back().addr, addr));
  }

  // The time of probes that cannot go (for the three and the wait before
  // use): the address is neither bound nor put on.
  void ExpectNotBoundWhileProbing() {
    Advance(kProbingMs);
    EXPECT_NE(State(), TERN_DHCPV4_BOUND);
    EXPECT_TRUE(Eq(Addr(), kZero));
  }

  // The link up (again): the lease is checked with INIT-REBOOT, a
  // REQUEST for addr. Returns it.
  Sent LinkUpChecksTheLease(tern_ipv4_addr addr) {
    tern_memnetdev_set_up(&pair_, true);
    Run();
    Sent r = One(TERN_DHCPV4_REQUEST);
    EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
    EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(addr));
    return r;
  }

  tern_ipv4_addr Addr() {
    return tern_ipv4_get_addr(&iface_);
  }
  tern_dhcpv4_state State() {
    return tern_dhcpv4_get_state(&c_);
  }
};

TEST_F(Dhcpv4Test, DiscoverOfferRequestAckAppliesAndReportsTheLease) {
  cfg_.hostname = "tern";
  Start();
  EXPECT_TRUE(Wire().empty());  // the random initial wait
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  EXPECT_TRUE(Eq(d.src, kZero));
  EXPECT_TRUE(Eq(d.dst, kBcast));
  EXPECT_EQ(d.h.op, TERN_DHCPV4_BOOTREQUEST);
  EXPECT_EQ(d.h.htype, 1);
  EXPECT_EQ(d.h.hlen, 6);
  EXPECT_EQ(memcmp(d.h.chaddr, kMac, 6), 0);
  EXPECT_TRUE(Eq(d.h.ciaddr, kZero));
  EXPECT_EQ(d.Opt(TERN_DHCPV4_OPT_HOSTNAME), Bytes({'t', 'e', 'r', 'n'}));
  EXPECT_EQ(d.Opt(TERN_DHCPV4_OPT_PARAM_LIST), Bytes({1, 3, 6}));
  EXPECT_FALSE(d.Has(TERN_DHCPV4_OPT_REQUESTED_ADDR));
  // Offer unicast to the offered address (as dnsmasq sends it).
  Inject(Reply(d, TERN_DHCPV4_OFFER));
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_TRUE(Eq(r.dst, kBcast));
  EXPECT_EQ(r.h.xid, d.h.xid);
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  EXPECT_TRUE(Eq(r.o.server_id, kServer));
  EXPECT_TRUE(Eq(r.h.ciaddr, kZero));
  EXPECT_TRUE(leases_.empty());
  Inject(Reply(r, TERN_DHCPV4_ACK));
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  ASSERT_EQ(leases_.size(), 1u);
  const tern_dhcpv4_lease &l = leases_[0];
  EXPECT_TRUE(Eq(l.addr, kOffered));
  EXPECT_EQ(l.prefix_len, 24);
  EXPECT_TRUE(Eq(l.router, kServer));
  EXPECT_TRUE(Eq(l.server, kServer));
  ASSERT_EQ(l.n_dns, 2);
  EXPECT_TRUE(Eq(l.dns[1], tern_ipv4(192, 0, 2, 53)));
  EXPECT_EQ(l.lease_s, 3600u);
  EXPECT_EQ(l.t1_s, 1800u);
  EXPECT_EQ(l.t2_s, 3150u);
  // The interface is really configured: the router is the gateway.
  EXPECT_EQ(memcmp(&iface_.v4.gateway, kServer.b, 4), 0);
  EXPECT_TRUE(Wire().empty());
  tern_dhcpv4_stats s = tern_dhcpv4_get_stats(&c_);
  EXPECT_EQ(s.rx_taken, 2u);
  EXPECT_EQ(s.tx_msgs, 2u);
}

TEST_F(Dhcpv4Test, BroadcastRepliesAndDnsmasqsCapturedOfferWork) {
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  // dnsmasq's captured OFFER with our xid: broadcast this time.
  Bytes offer(tern_test::kDhcpOffer + 28,
              tern_test::kDhcpOffer + sizeof tern_test::kDhcpOffer);
  offer[4] = uint8_t(d.h.xid >> 24);
  offer[5] = uint8_t(d.h.xid >> 16);
  offer[6] = uint8_t(d.h.xid >> 8);
  offer[7] = uint8_t(d.h.xid);
  Inject(offer, kBcast);
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(Reply(r, TERN_DHCPV4_ACK), kBcast);
  EXPECT_TRUE(Eq(Addr(), kOffered));
}

TEST_F(Dhcpv4Test, RepliesNotForUsAreIgnored) {
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Sent other = d;
  other.h.xid ^= 1;
  Inject(Reply(other, TERN_DHCPV4_OFFER));  // another xid
  other = d;
  other.h.chaddr[5] ^= 1;
  Inject(Reply(other, TERN_DHCPV4_OFFER));  // another client
  Inject(Reply(d, TERN_DHCPV4_ACK));        // an ACK while selecting
  Inject(Reply(d, TERN_DHCPV4_OFFER, 3600, tern_ipv4(224, 0, 0, 1)));
  Bytes bad = Reply(d, TERN_DHCPV4_OFFER);
  bad[236] = 0;  // no magic cookie
  Inject(bad);
  Inject(Reply(d, TERN_DHCPV4_OFFER), kOffered, 1234);  // not from port 67
  Bytes cut = Reply(d, TERN_DHCPV4_OFFER);
  cut[241] = 200;  // the first option's length past the end
  Inject(cut);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(State(), TERN_DHCPV4_SELECTING);
  tern_dhcpv4_stats s = tern_dhcpv4_get_stats(&c_);
  EXPECT_EQ(s.rx_ignored, 4u);
  EXPECT_EQ(s.rx_drop[TERN_DHCPV4_DROP_COOKIE], 1u);
  EXPECT_EQ(s.rx_drop[TERN_DHCPV4_DROP_OPTIONS], 1u);
  EXPECT_EQ(s.rx_drop[0], 1u);
  EXPECT_EQ(s.rx_taken, 0u);
}

// An OFFER or ACK of the subnet's own address or its broadcast (by the
// mask it carries, /24 here) is no host's (RFC 1122 3.2.1.3): ignored,
// the client goes on waiting for a good one.
TEST_F(Dhcpv4Test, TheSubnetsOwnAddressOrBroadcastIsIgnored) {
  const tern_ipv4_addr net = tern_ipv4(192, 0, 2, 0),
                       bcast = tern_ipv4(192, 0, 2, 255);
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Inject(Reply(d, TERN_DHCPV4_OFFER, 3600, net), kBcast);
  Inject(Reply(d, TERN_DHCPV4_OFFER, 3600, bcast), kBcast);
  EXPECT_TRUE(Wire().empty());  // no REQUEST for either
  EXPECT_EQ(State(), TERN_DHCPV4_SELECTING);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_ignored, 2u);
  Inject(Reply(d, TERN_DHCPV4_OFFER));
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(Reply(r, TERN_DHCPV4_ACK, 3600, bcast), kBcast);
  Inject(Reply(r, TERN_DHCPV4_ACK, 3600, net), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_REQUESTING);
  EXPECT_TRUE(leases_.empty());
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_ignored, 4u);
  Inject(Reply(r, TERN_DHCPV4_ACK));
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_taken, 2u);
}

// A server id that is no host's address (0.0.0.0, broadcast, loopback,
// multicast) is none: the client would renew and release unicast to it.
// A reply with one is ignored as one without; it was taken.
TEST_F(Dhcpv4Test, AServerIdThatIsNoHostsIsIgnored) {
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  for (tern_ipv4_addr bad :
       {kZero, kBcast, tern_ipv4(127, 0, 0, 1), tern_ipv4(224, 0, 0, 1)}) {
    Inject(Reply(d, TERN_DHCPV4_OFFER, 3600, kOffered, -1, -1, bad), kBcast);
  }
  EXPECT_TRUE(Wire().empty());  // no REQUEST
  EXPECT_EQ(State(), TERN_DHCPV4_SELECTING);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_ignored, 4u);
  Inject(Reply(d, TERN_DHCPV4_OFFER));
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(Reply(r, TERN_DHCPV4_ACK, 3600, kOffered, -1, -1, kZero), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_REQUESTING);
  Inject(Reply(r, TERN_DHCPV4_ACK));
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
}

// A server id that is the offered subnet's broadcast (or its own
// address), by the mask the reply carries, is no host's either: the
// RENEWING REQUEST and the RELEASE unicast to it would be broadcast on the
// subnet (RFC 1122 3.2.1.3). An OFFER or ACK naming one is ignored and
// counted; it was taken. A server of another subnet (behind a relay)
// whose address would be an edge of the offered subnet is a host.
TEST_F(Dhcpv4Test, AServerIdThatIsTheOfferedSubnetsBroadcastIsIgnored) {
  const tern_ipv4_addr net = tern_ipv4(192, 0, 2, 0),
                       bcast = tern_ipv4(192, 0, 2, 255),
                       relayed = tern_ipv4(198, 51, 100, 255);
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  for (tern_ipv4_addr bad : {bcast, net}) {
    Inject(Reply(d, TERN_DHCPV4_OFFER, 3600, kOffered, -1, -1, bad), kBcast);
  }
  EXPECT_TRUE(Wire().empty());  // no REQUEST
  EXPECT_EQ(State(), TERN_DHCPV4_SELECTING);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_ignored, 2u);
  Inject(Reply(d, TERN_DHCPV4_OFFER, 3600, kOffered, -1, -1, relayed), kBcast);
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_TRUE(Eq(r.o.server_id, relayed));
  Inject(Reply(r, TERN_DHCPV4_ACK, 3600, kOffered, -1, -1, bcast), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_REQUESTING);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_ignored, 3u);
  Inject(Reply(r, TERN_DHCPV4_ACK, 3600, kOffered, -1, -1, relayed), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_taken, 2u);
}

// On a device that resolves next hops (Ethernet's ARP), as the echo
// firmware runs the client.
class Dhcpv4EthernetTest : public Dhcpv4Test {
 protected:
  Dhcpv4EthernetTest() {
    next_hop_ = true;
  }

  static tern_ipv4_addr V4(uint32_t a) {
    return tern_ipv4(uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8),
                     uint8_t(a));
  }

  // The next hop to `to`, 0.0.0.0 when there is no route.
  tern_ipv4_addr NextHop(uint32_t to) {
    tern_ip_addr d = {};
    d.family = TERN_IP_V4;
    d.u.v4 = V4(to);
    tern_ip_route r;
    if (tern_ip_route_lookup(&ip_, &d, 0, &r) != 0) {
      return kZero;
    }
    return r.next_hop.u.v4;
  }

  // Bound to addr with this prefix and the router as the gateway: a host
  // just past the subnet is reached through the router, a neighbour on
  // it directly.
  void ExpectBound(tern_ipv4_addr addr, uint8_t prefix) {
    EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
    EXPECT_TRUE(Eq(Addr(), addr));
    ASSERT_FALSE(leases_.empty());
    EXPECT_EQ(leases_.back().prefix_len, prefix);
    uint32_t a = uint32_t(addr.b[0]) << 24 | addr.b[1] << 16 | addr.b[2] << 8 |
                 addr.b[3];
    uint32_t host = prefix == 32 ? 0 : 0xffffffffu >> prefix;
    EXPECT_TRUE(Eq(NextHop((a | host) + 1), router_));
    if (prefix < 32) {
      EXPECT_TRUE(Eq(NextHop(a ^ 1), V4(a ^ 1)));
    }
  }

  // A lease of addr with no subnet mask, its router router: bound with
  // this (classful) prefix.
  void ExpectBoundWithoutAMask(tern_ipv4_addr addr, tern_ipv4_addr router,
                               uint8_t prefix) {
    mask_.clear();
    router_ = router;
    Start();
    Dora(3600, -1, -1, addr);
    ExpectBound(addr, prefix);
  }
};

// A server that gives no subnet mask (an old one, or one not asked for
// it): the classful default for the address (class A /8, B /16, C /24),
// as lwIP and the clients of RFC 2131's era take, so the router is on the
// subnet. Before, the prefix was /32, the IPv4 layer refused the router
// off it on Ethernet, and the client bound with no gateway: nothing off
// the link was reachable.
TEST_F(Dhcpv4EthernetTest, NoSubnetMaskTakesTheClassfulPrefix) {
  ExpectBoundWithoutAMask(kOffered, kServer, 24);  // 192.0.2.103: class C
}

TEST_F(Dhcpv4EthernetTest, NoSubnetMaskClassA) {
  ExpectBoundWithoutAMask(tern_ipv4(10, 1, 2, 3), tern_ipv4(10, 0, 0, 1), 8);
}

TEST_F(Dhcpv4EthernetTest, NoSubnetMaskClassB) {
  ExpectBoundWithoutAMask(tern_ipv4(172, 16, 5, 6), tern_ipv4(172, 16, 0, 1),
                          16);
}

// A mask of 0.0.0.0 is no subnet's (all of the Internet on the link): it
// is taken as none (before, the interface got a /0).
TEST_F(Dhcpv4EthernetTest, AMaskOfZeroIsTakenAsNone) {
  mask_ = {0, 0, 0, 0};
  Start();
  Dora();
  ExpectBound(kOffered, 24);
}

// A /32 with its router off the subnet (clouds give it, with the route to
// the router in RFC 3442's option 121): the IPv4 layer takes the router
// as on-link on Ethernet, so everything goes to it. Before, the client
// bound with no gateway.
TEST_F(Dhcpv4EthernetTest, ASlash32WithItsRouterOutsideHasAGateway) {
  mask_ = {255, 255, 255, 255};
  router_ = tern_ipv4(198, 51, 100, 1);
  Start();
  Dora();
  ExpectBound(kOffered, 32);
}

// The prefix from the subnet mask: its leading ones, a /31 and a /32 as
// they are (RFC 3021: no subnet address or broadcast), 32 for a mask with
// holes or with its first bit clear, the class's for 0.0.0.0 (no mask).
TEST_F(Dhcpv4Test, ThePrefixComesFromTheMask) {
  const struct {
    Bytes mask;
    uint8_t prefix;
  } cases[] = {{{255, 255, 255, 254}, 31}, {{255, 255, 255, 255}, 32},
               {{0, 0, 0, 0}, 24},         {{255, 0, 255, 0}, 32},
               {{128, 0, 0, 0}, 1},        {{255, 255, 255, 240}, 28},
               {{0, 255, 255, 255}, 32},   {{255, 255, 0, 0}, 16}};
  for (const auto &k : cases) {
    SCOPED_TRACE(int(k.prefix));
    mask_ = k.mask;
    Start();
    Dora();
    ASSERT_FALSE(leases_.empty());
    EXPECT_EQ(leases_.back().prefix_len, k.prefix);
    EXPECT_TRUE(Eq(Addr(), kOffered));
    tern_dhcpv4_stop(&c_);
    Run();
    ASSERT_TRUE(done_);
    done_ = false;
    Wire();
    leases_.clear();
  }
}

TEST_F(Dhcpv4Test, DiscoverIsRetransmittedWithBackoffAndJitter) {
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  // 4 s +-1, 8 s +-1, 16, 32, 64, 64: measured in 100 ms steps.
  const uint32_t want[] = {4000, 8000, 16000, 32000, 64000, 64000};
  for (uint32_t base : want) {
    uint32_t waited = 0;
    std::vector<Sent> v;
    while (v.empty() && waited <= base + 1000) {
      Advance(100);
      waited += 100;
      v = Wire();
    }
    ASSERT_EQ(v.size(), 1u) << base;
    EXPECT_GE(waited, base - 1000) << base;
    EXPECT_LE(waited, base + 1000) << base;
    EXPECT_EQ(v[0].o.msg_type, TERN_DHCPV4_DISCOVER);
    EXPECT_EQ(v[0].h.xid, d.h.xid);
    EXPECT_GE(v[0].h.secs, waited / 1000);  // seconds since it began
  }
}

TEST_F(Dhcpv4Test, TransactionIdsComeFromTheRng) {
  rng_.script = {0xde, 0xad, 0xbe, 0xef, 0x12, 0x34, 0x56, 0x78};
  Start();  // the first 4 bytes: the initial wait
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  const uint8_t b[4] = {0x12, 0x34, 0x56, 0x78};
  uint32_t want;
  memcpy(&want, b, 4);
  EXPECT_EQ(d.h.xid, want);
}

TEST_F(Dhcpv4Test, RequestUnansweredStartsOver) {
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Inject(Reply(d, TERN_DHCPV4_OFFER));
  One(TERN_DHCPV4_REQUEST);
  int requests = 1;
  std::vector<Sent> v;
  for (int i = 0; i < 200; i++) {
    Advance(1000);
    for (const Sent &s : Wire()) {
      if (s.o.msg_type == TERN_DHCPV4_REQUEST) {
        requests++;
      } else {
        v.push_back(s);
      }
    }
    if (!v.empty()) {
      break;
    }
  }
  EXPECT_EQ(requests, 4);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].o.msg_type, TERN_DHCPV4_DISCOVER);
  EXPECT_NE(v[0].h.xid, d.h.xid);
}

TEST_F(Dhcpv4Test, NakWhileRequestingStartsOver) {
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Inject(Reply(d, TERN_DHCPV4_OFFER));
  Sent r = One(TERN_DHCPV4_REQUEST);
  // A NAK from another server is not for this request.
  Inject(
      Reply(r, TERN_DHCPV4_NAK, 0, kOffered, -1, -1, tern_ipv4(192, 0, 2, 9)),
      kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_REQUESTING);
  Inject(Reply(r, TERN_DHCPV4_NAK), kBcast);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).naks, 1u);
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  EXPECT_NE(One(TERN_DHCPV4_DISCOVER).h.xid, r.h.xid);
  EXPECT_TRUE(Eq(Addr(), kZero));
}

TEST_F(Dhcpv4Test, RenewAtT1UnicastThenBoundAgain) {
  Start();
  Dora(600, 100, 500);  // T1 100 s, T2 500 s
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  Advance(98000);
  EXPECT_TRUE(Wire().empty());
  Advance(2000);
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  EXPECT_TRUE(Eq(r.dst, kServer));  // unicast
  EXPECT_TRUE(Eq(r.src, kOffered));
  EXPECT_TRUE(Eq(r.h.ciaddr, kOffered));
  // RFC 2131 4.3.2: neither while renewing.
  EXPECT_FALSE(r.Has(TERN_DHCPV4_OPT_REQUESTED_ADDR));
  EXPECT_EQ(r.o.present & TERN_DHCPV4_HAVE_SERVER_ID, 0);
  size_t before = leases_.size();
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500), kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_EQ(leases_.size(), before + 1);  // reported renewed
  EXPECT_TRUE(Eq(Addr(), kOffered));
  // The new lease counts from the renewing request: T1 100 s later.
  Advance(99000);
  EXPECT_TRUE(Wire().empty());
  Advance(1000);
  EXPECT_TRUE(Eq(One(TERN_DHCPV4_REQUEST).dst, kServer));
}

// A lease under 8 s: its default T2 (7/8 of it) is not before its T1
// (1/2), so the client renews (unicast) at T1 before it rebinds. T2 was
// lease / 8 * 7, 0 for such a lease: reported before T1, and the client
// went straight to a broadcast REBINDING (found by client_fuzz).
TEST_F(Dhcpv4Test, ShortLeaseRenewsBeforeItRebinds) {
  Start();
  Dora(4);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_EQ(leases_.back().t1_s, 2u);
  EXPECT_EQ(leases_.back().t2_s, 4u);  // 4 - 4 / 8: rounded up
  Advance(2000);
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  EXPECT_TRUE(Eq(r.dst, kServer));
}

// A server's T2 (or T1 and T2) at the lease's end would have the client
// neither renew nor rebind before the lease ends: RFC 2131 4.4.5 has
// T1 < T2 < the lease. Such times are taken as 1/2 and 7/8 of it; they
// were kept, and the address was lost unrenewed at 600 s.
TEST_F(Dhcpv4Test, AT2AtTheLeasesEndIsNotKept) {
  Start();
  Dora(600, 600, 600);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_EQ(leases_.back().t1_s, 300u);
  EXPECT_EQ(leases_.back().t2_s, 525u);
  Advance(300000);
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  EXPECT_TRUE(Eq(r.dst, kServer));
}

// A server's T1 of 0 had the client renew as soon as it was bound, and
// each ACK (with T1 0 again) bound it and renewed it at once: REQUEST and
// ACK at the link's speed for as long as the server answered. Such a T1
// is taken as none (1/2 and 7/8 of the lease), as a T1 after T2 is.
TEST_F(Dhcpv4Test, AT1OfZeroIsNotKept) {
  Start();
  Dora(600, 0, 500);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(leases_.back().t1_s, 300u);
  EXPECT_EQ(leases_.back().t2_s, 525u);
  Advance(300000);
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  // The renewal's ACK with T1 and T2 0: bound, nothing sent at once.
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 0, 0), kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(leases_.back().t1_s, 300u);
}

// A lease of 1 s: its T1, half of it, was 0 and the client renewed at
// once and again after every ACK, at the link's speed. T1 is 1/2 of the
// lease rounded up, so a 1-s lease runs out at 1 s (and the client starts
// over after the initial wait) instead.
TEST_F(Dhcpv4Test, ALeaseOfOneSecondIsNotRenewedAtOnce) {
  Start();
  Dora(1);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(leases_.back().t1_s, 1u);
  EXPECT_EQ(leases_.back().t2_s, 1u);
  Advance(1000);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 1u);
  for (const Sent &s : Wire()) {
    EXPECT_NE(s.o.msg_type, TERN_DHCPV4_REQUEST);
  }
}

// An infinite lease (and any longer than the clock counts) is renewed at
// half of TERN_DHCPV4_MAX_LEASE_S, not given up there.
TEST_F(Dhcpv4Test, InfiniteLeaseRenewedAtHalfTheLongestLease) {
  Start();
  Dora(0xffffffffu);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_EQ(leases_.back().lease_s, 0xffffffffu);
  EXPECT_EQ(leases_.back().t1_s, TERN_DHCPV4_MAX_LEASE_S / 2);
  // Straight to one second before T1 (stepping through would be slow).
  tern_sim_advance(TERN_DHCPV4_MAX_LEASE_S / 2 * 1000u - 1000u);
  w_.FireTimers(tern_now());
  Run();
  EXPECT_TRUE(Wire().empty());
  Advance(1000);
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  EXPECT_TRUE(Eq(r.h.ciaddr, kOffered));
  EXPECT_TRUE(Eq(Addr(), kOffered));
  Inject(Reply(r, TERN_DHCPV4_ACK, 0xffffffffu), kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 0u);
}

TEST_F(Dhcpv4Test, RenewUnansweredRetriesThenRebindsThenExpires) {
  Start();
  Dora(1000, 400, 700);
  size_t leases = leases_.size();
  // Each REQUEST: when (s after the ACK) and whether broadcast.
  std::vector<std::pair<int, bool>> sent;
  int lost_at = -1;
  for (int t = 1; t <= 1001 && lost_at < 0; t++) {
    Advance(1000);
    for (const Sent &s : Wire()) {
      if (s.o.msg_type == TERN_DHCPV4_REQUEST) {
        EXPECT_TRUE(Eq(s.h.ciaddr, kOffered));
        sent.push_back({t, Eq(s.dst, kBcast)});
      }
    }
    if (Eq(Addr(), kZero)) {
      lost_at = t;
    }
  }
  // Unicast at T1 = 400 s and at half the time left to T2, at least 60 s
  // apart (550, 625, 685); broadcast from T2 = 700 s the same way (850,
  // 925, 985); expiry at 1000 s (RFC 2131 4.4.5).
  std::vector<std::pair<int, bool>> want = {
      {400, false}, {550, false}, {625, false}, {685, false},
      {700, true},  {850, true},  {925, true},  {985, true}};
  ASSERT_EQ(sent.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_LE(sent[i].first, want[i].first) << i;
    EXPECT_GE(sent[i].first, want[i].first - 1) << i;
    EXPECT_EQ(sent[i].second, want[i].second) << i;
  }
  EXPECT_GE(lost_at, 999);
  EXPECT_LE(lost_at, 1000);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 1u);
  ASSERT_EQ(leases_.size(), leases + 1);
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));  // reported lost
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.back().o.msg_type, TERN_DHCPV4_DISCOVER);
}

TEST_F(Dhcpv4Test, RebindAckFromAnyServerKeepsTheAddress) {
  Start();
  Dora(1000, 400, 700);
  Advance(700000);
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  ASSERT_EQ(State(), TERN_DHCPV4_REBINDING);
  Inject(Reply(v.back(), TERN_DHCPV4_ACK, 1000, kOffered, -1, -1,
               tern_ipv4(192, 0, 2, 9)),
         kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(leases_.back().server, tern_ipv4(192, 0, 2, 9)));
  EXPECT_EQ(leases_.back().t1_s, 500u);  // defaults: 1/2 and 7/8
  EXPECT_EQ(leases_.back().t2_s, 875u);
}

// An ACK late in REBINDING counts, as every ACK of a renewal does, from
// the renewal's first REQUEST at T1 (RFC 2131 4.4.5: the time the
// DHCPREQUEST was sent; 4.4.1: the original request). Its retransmissions
// carry the same xid and the ACK may answer any of them, so only the first
// is sure not to be later than the server's start of the lease. A lease
// shorter than the time since then has ended: the address is given up at
// once, counted as an expiry and reported lost, and the client starts
// over.
TEST_F(Dhcpv4Test, ALateRebindAckShorterThanTheRenewalHasEndedAtOnce) {
  Start();
  Dora(1000, 400, 700);
  size_t leases = leases_.size();
  Advance(880000);  // T1 at 400 s, T2 at 700 s, the next broadcast at 850 s
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  ASSERT_EQ(State(), TERN_DHCPV4_REBINDING);
  EXPECT_TRUE(Eq(v.back().dst, kBcast));
  ASSERT_EQ(leases_.size(), leases);
  // At 880 s, 450 s from T1's REQUEST: that lease ended at 850 s.
  Inject(Reply(v.back(), TERN_DHCPV4_ACK, 450), kOffered);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 1u);
  ASSERT_GT(leases_.size(), leases);
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));  // reported lost
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  v = Wire();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].o.msg_type, TERN_DHCPV4_DISCOVER);
}

TEST_F(Dhcpv4Test, NakWhileRenewingRemovesTheAddress) {
  Start();
  Dora(600, 100, 500);
  Advance(100000);
  Sent r = One(TERN_DHCPV4_REQUEST);
  // A NAK from another server than the lease's (the one the REQUEST is
  // unicast to) is not for this request (RFC 2131 4.3.2): ignored.
  Inject(
      Reply(r, TERN_DHCPV4_NAK, 0, kOffered, -1, -1, tern_ipv4(192, 0, 2, 9)),
      kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).naks, 0u);
  Inject(Reply(r, TERN_DHCPV4_NAK), kOffered);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_LE(State(), TERN_DHCPV4_SELECTING);
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));
}

TEST_F(Dhcpv4Test, InitRebootWithARememberedAddress) {
  cfg_.remembered = kOffered;
  Start();
  Sent r = One(TERN_DHCPV4_REQUEST);  // at once
  EXPECT_TRUE(Eq(r.dst, kBcast));
  EXPECT_TRUE(Eq(r.h.ciaddr, kZero));
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  EXPECT_EQ(r.o.present & TERN_DHCPV4_HAVE_SERVER_ID, 0);  // RFC 2131 4.3.2
  Inject(Reply(r, TERN_DHCPV4_ACK), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(Addr(), kOffered));
}

// An ACK that names no server (RFC 2131 table 3: it MUST) is not taken,
// even where any server may answer: renewals would go to 0.0.0.0.
TEST_F(Dhcpv4Test, AckWithoutServerIdIsIgnored) {
  cfg_.remembered = kOffered;
  Start();
  Sent r = One(TERN_DHCPV4_REQUEST);
  Bytes ack = Reply(r, TERN_DHCPV4_ACK);
  ASSERT_EQ(ack[243], 54);  // after option 53: the server id, 6 bytes
  for (int i = 243; i < 249; i++) {
    ack[i] = 0;  // pads
  }
  Inject(ack, kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_ignored, 1u);
  Inject(Reply(r, TERN_DHCPV4_ACK), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
}

// A NAK MUST name its server (RFC 2131 table 3); one that does not is not
// taken, in REQUESTING and RENEWING (where it would pass as the server
// asked) or anywhere: ignored and counted.
TEST_F(Dhcpv4Test, NakWithoutServerIdIsIgnored) {
  auto strip = [](Bytes nak) {
    EXPECT_EQ(nak[243], 54);  // after option 53: the server id, 6 bytes
    for (int i = 243; i < 249; i++) {
      nak[i] = 0;  // pads
    }
    return nak;
  };
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Inject(Reply(d, TERN_DHCPV4_OFFER, 600));
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(strip(Reply(r, TERN_DHCPV4_NAK)), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_REQUESTING);
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500));
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  Advance(100000);
  r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  Inject(strip(Reply(r, TERN_DHCPV4_NAK)), kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  tern_dhcpv4_stats st = tern_dhcpv4_get_stats(&c_);
  EXPECT_EQ(st.naks, 0u);
  EXPECT_EQ(st.rx_ignored, 2u);
}

// A reply that names no server is set aside in one place (RFC 2131 table
// 3: an OFFER's, an ACK's and a NAK's server id MUST be there), for every
// state that takes replies: an OFFER while selecting, an ACK while
// requesting, an ACK or NAK while renewing, rebinding and in the
// INIT-REBOOT after a link change (where any server may answer, and an ACK
// taken would send the renewals to 0.0.0.0). Each is ignored and counted,
// the state and the address kept.
TEST_F(Dhcpv4Test, AReplyWithoutServerIdIsIgnoredInEveryState) {
  auto strip = [](Bytes reply) {
    EXPECT_EQ(reply[243], 54);  // after option 53: the server id, 6 bytes
    for (int i = 243; i < 249; i++) {
      reply[i] = 0;  // pads
    }
    return reply;
  };
  uint32_t ignored = 0;
  auto expect_ignored = [&](tern_dhcpv4_state state) {
    EXPECT_EQ(State(), state);
    EXPECT_EQ(tern_dhcpv4_get_stats(&c_).rx_ignored, ++ignored);
  };
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Inject(strip(Reply(d, TERN_DHCPV4_OFFER, 600)));
  expect_ignored(TERN_DHCPV4_SELECTING);
  Inject(Reply(d, TERN_DHCPV4_OFFER, 600));
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(strip(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500)));
  expect_ignored(TERN_DHCPV4_REQUESTING);
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500));
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  Advance(100000);
  r = One(TERN_DHCPV4_REQUEST);
  ASSERT_EQ(State(), TERN_DHCPV4_RENEWING);
  Inject(strip(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500)));
  expect_ignored(TERN_DHCPV4_RENEWING);
  Inject(strip(Reply(r, TERN_DHCPV4_NAK)));
  expect_ignored(TERN_DHCPV4_RENEWING);
  Advance(400000);  // T2
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  r = v.back();
  ASSERT_EQ(State(), TERN_DHCPV4_REBINDING);
  Inject(strip(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500)), kBcast);
  expect_ignored(TERN_DHCPV4_REBINDING);
  Inject(strip(Reply(r, TERN_DHCPV4_NAK)), kBcast);
  expect_ignored(TERN_DHCPV4_REBINDING);
  tern_memnetdev_set_up(&pair_, false);
  Run();
  r = LinkUpChecksTheLease(kOffered);
  Inject(strip(Reply(r, TERN_DHCPV4_NAK)), kBcast);
  expect_ignored(TERN_DHCPV4_REBOOTING);
  Inject(strip(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500)), kBcast);
  expect_ignored(TERN_DHCPV4_REBOOTING);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).naks, 0u);
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, kOffered, 100, 500), kBcast);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(leases_.back().server, kServer));
}

TEST_F(Dhcpv4Test, InitRebootNakedOrUnansweredFallsBackToDiscover) {
  cfg_.remembered = tern_ipv4(10, 9, 9, 9);
  Start();
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(Reply(r, TERN_DHCPV4_NAK), kBcast);
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  One(TERN_DHCPV4_DISCOVER);

  // Unanswered: one retransmission, then DISCOVER.
  tern_dhcpv4_stop(&c_);
  Run();
  ASSERT_TRUE(done_);
  done_ = false;
  Wire();
  Start();
  One(TERN_DHCPV4_REQUEST);
  Advance(5000);
  One(TERN_DHCPV4_REQUEST);
  Advance(11000);  // 8 s +-1, then the random initial wait
  std::vector<Sent> v = Wire();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].o.msg_type, TERN_DHCPV4_DISCOVER);
}

TEST_F(Dhcpv4Test, ProbeBeforeUseThenBound) {
  StartAndDoraWithProbes();
  // Not used while probing: until the watch's stop, after three probes.
  for (uint32_t t = 0; t <= kProbingMs && probes_.size() < 4; t += 100) {
    EXPECT_EQ(State(), TERN_DHCPV4_PROBING);
    EXPECT_TRUE(Eq(Addr(), kZero));
    Advance(100);
  }
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  ASSERT_EQ(probes_.size(), 4u);
  for (int i = 0; i < 3; i++) {
    EXPECT_TRUE(Eq(probes_[i], kOffered));
  }
  ASSERT_EQ(probes_.size(), 4u);
  EXPECT_TRUE(Eq(probes_[3], kZero));  // stop watching
  EXPECT_TRUE(Eq(Addr(), kOffered));
}

// RFC 5227 2.1.1's timing, the randomness from the stack's RNG: a random
// wait of 0 to PROBE_WAIT (1 s) after the ACK, three probes PROBE_MIN to
// PROBE_MAX (1 to 2 s) apart at random, and the address used ANNOUNCE_WAIT
// (2 s) after the last (the announcements, RFC 5227 2.3, are the
// Ethernet adapter's, on the address's setting). The probes went 1 s
// apart and the address was used 1 s after the last.
TEST_F(Dhcpv4Test, ProbesAndUseFollowRfc5227Timing) {
  cfg_.probe = Probe;
  cfg_.probe_ctx = this;
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Inject(Reply(d, TERN_DHCPV4_OFFER));
  Sent r = One(TERN_DHCPV4_REQUEST);
  // The RNG's next draws: the wait before the first probe (300 ms), then
  // the spacing after the first (1 s + 250 ms) and the second (1 s +
  // 999 ms, the longest: PROBE_MAX is not reached, in whole ms).
  for (uint32_t v : {300u, 250u, 999u}) {
    uint8_t b[4];
    memcpy(b, &v, 4);  // random32 reads the bytes in host order
    rng_.script.insert(rng_.script.end(), b, b + 4);
  }
  const tern_time acked = tern_now();
  const int calls = rng_.calls;
  Inject(Reply(r, TERN_DHCPV4_ACK));
  tern_time bound_at = 0;
  for (uint32_t t = 0; t <= kProbingMs && bound_at == 0; t++) {
    Advance(1);
    if (Eq(Addr(), kOffered)) {
      bound_at = tern_now();
    }
  }
  EXPECT_TRUE(rng_.script.empty());
  EXPECT_EQ(rng_.calls - calls, 3);  // one draw per random wait
  ASSERT_EQ(probes_.size(), 4u);
  const uint32_t want[4] = {300, 300 + 1250, 300 + 1250 + 1999,
                            300 + 1250 + 1999 + 2000};
  for (int i = 0; i < 4; i++) {
    EXPECT_EQ(probe_times_[i] - acked, want[i]) << i;
    EXPECT_TRUE(Eq(probes_[i], i < 3 ? kOffered : kZero)) << i;
  }
  EXPECT_EQ(bound_at - acked, want[3]);  // with the watch's stop
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
}

// An ACK that grants another address than the one in use (while
// renewing, rebinding or in the INIT-REBOOT after a link change) is a new
// address to check before use (RFC 2131 4.4.1, RFC 5227 2.1): the old one
// is taken away (reported lost) and the new one probed as a first one is,
// then bound. It replaced the old one at once, unprobed.
TEST_F(Dhcpv4Test, AnotherAddressGrantedWhileBoundIsProbedBeforeUse) {
  const tern_ipv4_addr other = tern_ipv4(192, 0, 2, 77);
  GrantedAnotherAddressWhileRenewing(other);
  ExpectProbedThenBound(other);

  // The same address granted again (here after a link change): no probe.
  probes_.clear();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  tern_memnetdev_set_up(&pair_, true);
  Run();
  Sent r = One(TERN_DHCPV4_REQUEST);
  ASSERT_EQ(State(), TERN_DHCPV4_REBOOTING);
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, other), other);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(probes_.empty());
  EXPECT_TRUE(Eq(Addr(), other));
}

// A probe that could not be sent (here the pool was empty) is no probe:
// the client stops watching and checks the lease again with INIT-REBOOT,
// whose ACK is probed afresh. The probe's result was ignored and the
// address bound after three probes that never went out.
TEST_F(Dhcpv4Test, AProbeThatFailsIsNoProbe) {
  StartAndDoraWithProbes();
  probe_err_ = TERN_ENOBUFS;
  ExpectNotBoundWhileProbing();
  Advance(TERN_DHCPV4_PROBE_WAIT_MS + 10000);  // the INIT-REBOOT 10 s after
  EXPECT_TRUE(leases_.empty());
  EXPECT_TRUE(Eq(probes_.back(), kZero));  // the watch stopped
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  const Sent &r = v.back();
  EXPECT_EQ(r.o.msg_type, TERN_DHCPV4_REQUEST);
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  ASSERT_EQ(State(), TERN_DHCPV4_REBOOTING);
  probe_err_ = 0;
  probes_.clear();
  Inject(Reply(r, TERN_DHCPV4_ACK), kOffered);
  ExpectProbedThenBound(kOffered);
}

// A probe that keeps failing for a reason of the sender's, not the link's
// (an empty pool, a busy device: tern_eth_probe's TERN_ENOBUFS or
// TERN_EAGAIN), while the server answers every REQUEST at once: each
// round's INIT-REBOOT waits ten seconds, as after a DECLINE (RFC 2131
// 3.1.5). The client sent a REQUEST at once after each failed probe, so
// that an ACK, a probe up to 1 s later and its failure made a REQUEST
// about every half second for as long as the probe failed. Once a probe
// goes again, the ACK's address is probed and bound.
TEST_F(Dhcpv4Test, AProbeThatKeepsFailingWaitsBeforeTheNextRequest) {
  StartAndDoraWithProbes();
  probe_err_ = TERN_ENOBUFS;
  int requests = 0;
  for (int t = 0; t < 60; t++) {
    Advance(1000);
    for (const Sent &s : Wire()) {
      ASSERT_EQ(s.o.msg_type, TERN_DHCPV4_REQUEST);
      EXPECT_EQ(s.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
      requests++;
      Inject(Reply(s, TERN_DHCPV4_ACK), kOffered);
    }
    EXPECT_TRUE(Eq(Addr(), kZero));
  }
  EXPECT_GE(requests, 4);  // one every 10 to 11 s (the wait, the probe's)
  EXPECT_LE(requests, 6);
  EXPECT_TRUE(leases_.empty());

  // The probe works again: the next round's ACK is probed and bound.
  probe_err_ = 0;
  for (int t = 0; t < 70 && State() != TERN_DHCPV4_BOUND; t++) {
    Advance(1000);
    for (const Sent &s : Wire()) {
      Inject(Reply(s, TERN_DHCPV4_ACK), kOffered);
    }
  }
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  ASSERT_GE(probes_.size(), 4u);
  for (size_t i = probes_.size() - 4; i < probes_.size() - 1; i++) {
    EXPECT_TRUE(Eq(probes_[i], kOffered));
  }
  EXPECT_TRUE(Eq(probes_.back(), kZero));
  ASSERT_FALSE(leases_.empty());
  EXPECT_TRUE(Eq(leases_.back().addr, kOffered));
}

// The link going down while probing: the probes cannot go out
// (tern_eth_probe refuses them) and no answer could come, so nothing was
// checked. The client waits for the link as it does in other states, then
// checks the lease with INIT-REBOOT and probes again. It bound the address
// unprobed after 4 s, link down or not.
TEST_F(Dhcpv4Test, LinkDownWhileProbingProbesAgainOnceItIsUp) {
  StartAndDoraWithProbes();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  ExpectNotBoundWhileProbing();
  EXPECT_TRUE(leases_.empty());
  probes_.clear();
  Sent r = LinkUpChecksTheLease(kOffered);
  Inject(Reply(r, TERN_DHCPV4_ACK), kOffered);
  ExpectProbedThenBound(kOffered);
}

// The link down while probing for longer than an INIT-REBOOT's two
// tries (about 12 s): the client waits for the link, keeping the lease, as
// it does when bound (its REQUESTs cannot go meanwhile); once the link is
// up, INIT-REBOOT of the granted address, probed again and bound. The
// lease was forgotten after those two REQUESTs, and the link's return
// brought a DISCOVER.
TEST_F(Dhcpv4Test, LinkDownWhileProbingWaitsForTheLinkWithTheLease) {
  StartAndDoraWithProbes();
  tern_dhcpv4_stats was = tern_dhcpv4_get_stats(&c_);
  tern_memnetdev_set_up(&pair_, false);
  Run();
  EXPECT_TRUE(Eq(probes_.back(), kZero));  // the watch stopped
  Advance(120000);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).tx_msgs, was.tx_msgs);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(leases_.empty());
  probes_.clear();
  Sent r = LinkUpChecksTheLease(kOffered);
  Inject(Reply(r, TERN_DHCPV4_ACK), kOffered);
  ExpectProbedThenBound(kOffered);
}

// The same when the probe is refused for the link (TERN_ENETDOWN) before
// the stack has seen it go down (the adapter knows first): the
// INIT-REBOOT 10 s later waits for the link. It went with the link still
// down, and the lease was forgotten 12 s after.
TEST_F(Dhcpv4Test, AProbeRefusedForTheLinkWaitsForTheLink) {
  StartAndDoraWithProbes();
  tern_memnetdev_set_up(&pair_, false);  // the stack not polled yet
  tern_sim_advance(TERN_DHCPV4_PROBE_WAIT_MS);
  w_.FireTimers(tern_now());
  EXPECT_EQ(tern_dhcpv4_poll_run(&c_, &cx_), TERN_PENDING);
  ASSERT_EQ(probes_.size(), 2u);
  EXPECT_TRUE(Eq(probes_[0], kOffered));  // refused
  EXPECT_TRUE(Eq(probes_[1], kZero));     // the watch stopped
  Run();
  Advance(120000);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).tx_msgs, 2u);  // DORA's
  probes_.clear();
  Sent r = LinkUpChecksTheLease(kOffered);
  Inject(Reply(r, TERN_DHCPV4_ACK), kOffered);
  ExpectProbedThenBound(kOffered);
}

// The link down again in the INIT-REBOOT after a link change, with the
// address still in use: it stays for as long as the link is down (within
// its lease), as it does when bound, and the link's return checks it. It
// was taken away, reported lost, after the two REQUESTs (about 12 s).
TEST_F(Dhcpv4Test, LinkDownDuringInitRebootKeepsTheAddressUntilItIsUp) {
  Start();
  Dora();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  LinkUpChecksTheLease(kOffered);
  size_t leases = leases_.size();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  Advance(120000);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  EXPECT_EQ(leases_.size(), leases);  // no loss reported
  Sent r = LinkUpChecksTheLease(kOffered);
  Inject(Reply(r, TERN_DHCPV4_ACK), kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(Addr(), kOffered));
}

// The link down and up again after the three probes, in the wait before
// use: an answer may have been lost meanwhile, and the link may be another
// network's. INIT-REBOOT, not the address bound ANNOUNCE_WAIT later.
TEST_F(Dhcpv4Test, LinkChangeAfterTheProbesChecksAgain) {
  StartAndDoraWithProbes();
  for (uint32_t t = 0; t < kProbingMs && probes_.size() < 3; t += 100) {
    Advance(100);
  }
  ASSERT_EQ(probes_.size(), 3u);
  ASSERT_EQ(State(), TERN_DHCPV4_PROBING);
  tern_memnetdev_set_up(&pair_, false);
  tern_memnetdev_set_up(&pair_, true);
  Run();
  Advance(TERN_DHCPV4_ANNOUNCE_WAIT_MS);
  EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(Eq(probes_.back(), kZero));  // the watch stopped
  std::vector<Sent> v = Wire();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].o.msg_type, TERN_DHCPV4_REQUEST);
}

// The same for another address granted while renewing (probed before
// use): the link down while it is probed, and it is not bound unprobed;
// once the link is up, INIT-REBOOT for it and probes, then bound.
TEST_F(Dhcpv4Test, AnotherAddressIsNotBoundUnprobedWhenTheLinkIsDown) {
  const tern_ipv4_addr other = tern_ipv4(192, 0, 2, 77);
  GrantedAnotherAddressWhileRenewing(other);
  tern_memnetdev_set_up(&pair_, false);
  Run();
  ExpectNotBoundWhileProbing();
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));
  probes_.clear();
  Sent r = LinkUpChecksTheLease(other);
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, other), other);
  ExpectProbedThenBound(other);
}

TEST_F(Dhcpv4Test, ConflictWhileProbingDeclinesAndWaitsTenSeconds) {
  Sent r = StartAndDoraWithProbes();
  Advance(1000);
  ASSERT_FALSE(probes_.empty());
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  Sent dec = One(TERN_DHCPV4_DECLINE);
  EXPECT_TRUE(Eq(dec.dst, kBcast));
  EXPECT_TRUE(Eq(dec.h.ciaddr, kZero));
  EXPECT_EQ(dec.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  EXPECT_TRUE(Eq(dec.o.server_id, kServer));
  EXPECT_EQ(dec.h.xid, r.h.xid);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(Eq(probes_.back(), kZero));  // the watch stopped
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).declines, 1u);
  Advance(9000);
  EXPECT_TRUE(Wire().empty());
  Advance(1000);
  One(TERN_DHCPV4_DISCOVER);
}

TEST_F(Dhcpv4Test, ConflictWhileBoundGivesTheAddressUp) {
  Start();
  Dora();
  ASSERT_TRUE(Eq(Addr(), kOffered));
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  One(TERN_DHCPV4_DECLINE);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));
  // Conflicts while it has no address are not its business.
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  EXPECT_TRUE(Wire().empty());
}

// RFC 5227 2.4 (b): bound with a probe function, a conflict with none in
// the DEFEND_INTERVAL (10 s) before it is defended: the device is asked
// for one announcement of the address in use (the probe function called
// with it), the address kept, no DECLINE, no loss reported. Before, one
// ARP packet from another MAC (an attacker's, every 10 s) took the
// address away with a DECLINE.
TEST_F(Dhcpv4Test, AConflictWhileBoundIsDefendedWithOneAnnouncement) {
  StartAndDoraWithProbes();
  Advance(kProbingMs);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  probes_.clear();
  size_t reports = leases_.size();
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  ASSERT_EQ(probes_.size(), 1u);
  EXPECT_TRUE(Eq(probes_[0], kOffered));  // one announcement of it
  EXPECT_TRUE(Wire().empty());            // no DECLINE
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  EXPECT_EQ(leases_.size(), reports);
  tern_dhcpv4_stats st = tern_dhcpv4_get_stats(&c_);
  EXPECT_EQ(st.defences, 1u);
  EXPECT_EQ(st.conflicts, 0u);
  EXPECT_EQ(st.declines, 0u);
  Advance(60000);  // and nothing more comes of it
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(probes_.size(), 1u);
  EXPECT_TRUE(Eq(Addr(), kOffered));
}

// RFC 5227 2.4 (b): a second conflict within DEFEND_INTERVAL of the one
// defended gives the address up (a DECLINE, the loss reported, a DISCOVER
// ten seconds later), with no second announcement.
TEST_F(Dhcpv4Test, ASecondConflictWithinTenSecondsGivesTheAddressUp) {
  Sent r = StartAndDoraWithProbes();
  Advance(kProbingMs);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  probes_.clear();
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  ASSERT_EQ(probes_.size(), 1u);
  Advance(9999);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  Sent dec = One(TERN_DHCPV4_DECLINE);
  EXPECT_EQ(dec.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  EXPECT_TRUE(Eq(dec.o.server_id, kServer));
  EXPECT_EQ(dec.h.xid, r.h.xid);
  EXPECT_EQ(probes_.size(), 1u);  // no second announcement
  EXPECT_TRUE(Eq(Addr(), kZero));
  ASSERT_FALSE(leases_.empty());
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));
  tern_dhcpv4_stats st = tern_dhcpv4_get_stats(&c_);
  EXPECT_EQ(st.defences, 1u);
  EXPECT_EQ(st.conflicts, 1u);
  EXPECT_EQ(st.declines, 1u);
  Advance(9999);
  EXPECT_TRUE(Wire().empty());
  Advance(1);
  One(TERN_DHCPV4_DISCOVER);
}

// A conflict DEFEND_INTERVAL (10 s) or more after the last one defended
// is defended again, in RENEWING too; the interval counts from the last
// one, so a third 5 s after the second gives the address up.
TEST_F(Dhcpv4Test, AConflictTenSecondsAfterTheLastIsDefendedAgain) {
  StartAndDoraWithProbes(600, 100, 500);
  Advance(kProbingMs);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  probes_.clear();
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  ASSERT_EQ(probes_.size(), 1u);
  Advance(10000);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  ASSERT_EQ(probes_.size(), 2u);
  EXPECT_TRUE(Eq(probes_[1], kOffered));
  EXPECT_TRUE(Wire().empty());
  EXPECT_TRUE(Eq(Addr(), kOffered));
  // Renewing at T1 (100 s), unanswered: defended there too.
  Advance(100000);
  One(TERN_DHCPV4_REQUEST);
  ASSERT_EQ(State(), TERN_DHCPV4_RENEWING);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  ASSERT_EQ(probes_.size(), 3u);
  EXPECT_TRUE(Eq(probes_[2], kOffered));
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).defences, 3u);
  Advance(5000);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  One(TERN_DHCPV4_DECLINE);
  EXPECT_EQ(probes_.size(), 3u);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).conflicts, 1u);
}

// The defence is for an address in use: an address being probed is
// declined on its first conflict, here a changed one granted at the
// renewal 5 s after the old address was defended.
TEST_F(Dhcpv4Test, AChangedAddressBeingProbedIsDeclinedOnItsFirstConflict) {
  const tern_ipv4_addr other = tern_ipv4(192, 0, 2, 150);
  StartAndDoraWithProbes(600, 100, 500);
  Advance(kProbingMs);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  Advance(95000 - kProbingMs);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  ASSERT_EQ(tern_dhcpv4_get_stats(&c_).defences, 1u);
  probes_.clear();
  Advance(5000);
  Sent r = One(TERN_DHCPV4_REQUEST);
  ASSERT_EQ(State(), TERN_DHCPV4_RENEWING);
  Inject(Reply(r, TERN_DHCPV4_ACK, 600, other, 100, 500), kOffered);
  ASSERT_EQ(State(), TERN_DHCPV4_PROBING);
  Advance(1000);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  Sent dec = One(TERN_DHCPV4_DECLINE);
  EXPECT_EQ(dec.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(other));
  ASSERT_FALSE(probes_.empty());
  EXPECT_TRUE(Eq(probes_.back(), kZero));  // the watch stopped
  for (const tern_ipv4_addr &a : probes_) {
    EXPECT_FALSE(Eq(a, kOffered));  // no announcement of the old one
  }
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).defences, 1u);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).conflicts, 1u);
}

// Every conflict that makes the client give an address up is counted in
// conflicts, a DECLINE sent or not (declines counts those sent): one
// while bound (a DECLINE), and one in the INIT-REBOOT after a link
// change (none), which was counted nowhere.
TEST_F(Dhcpv4Test, EveryConflictIsCounted) {
  Start();
  Dora();
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  One(TERN_DHCPV4_DECLINE);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).conflicts, 1u);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).declines, 1u);
  Advance(9000);
  Dora();  // the DISCOVER ten seconds after the conflict
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  tern_memnetdev_set_up(&pair_, false);
  Run();
  LinkUpChecksTheLease(kOffered);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(Wire().empty());  // no DECLINE
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).conflicts, 2u);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).declines, 1u);
}

// RFC 5227 2.1.1: a host that has had MAX_CONFLICTS (10) address
// conflicts MUST then try at most one new address per RATE_LIMIT_INTERVAL
// (60 s). The DISCOVER comes 10 s after each of the first nine conflicts
// (RFC 2131 3.1.5), and 60 s after the tenth and those that follow: it
// came 10 s after every one, a new address tried every 10 s for as long
// as the addresses offered were in use.
TEST_F(Dhcpv4Test, TenConflictsLimitTheRateToOneNewAddressAMinute) {
  Start();
  Dora();
  for (uint32_t i = 1; i <= 11; i++) {
    ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
    dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
    Run();
    One(TERN_DHCPV4_DECLINE);
    EXPECT_EQ(tern_dhcpv4_get_stats(&c_).conflicts, i);
    Advance((i < 10 ? 10000 : 60000) - TERN_DHCPV4_INIT_DELAY_MS);
    EXPECT_TRUE(Wire().empty()) << "conflict " << i;
    Dora();  // the DISCOVER at the end of the wait
  }
}

// RFC 2131 3.1.5: after a DECLINE the client waits at least ten seconds
// before it starts again. A link event in that wait (the link down and
// up, a cable plugged again) made it start over after the random initial
// wait: a DISCOVER within a second of the link's return. The ten seconds
// go on; the DISCOVER comes at their end.
TEST_F(Dhcpv4Test, TheLinkUpAgainDoesNotCutTheWaitAfterADecline) {
  Start();
  Dora();
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  One(TERN_DHCPV4_DECLINE);
  Advance(2000);
  tern_memnetdev_set_up(&pair_, false);
  Run();
  tern_memnetdev_set_up(&pair_, true);
  Run();
  Advance(7000);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(State(), TERN_DHCPV4_INIT);
  Advance(1000);
  One(TERN_DHCPV4_DISCOVER);
}

// A conflict reported in the same pass as an ACK that moves the client to
// another address (here in the INIT-REBOOT after a link change, the old
// address still on; a renewal is alike): the device raised it for the
// address on the interface then, the old one. It is taken as that one's
// (given up, no DECLINE in this INIT-REBOOT), never as the new address's:
// the ACK was read first, the new address was being probed, and the
// conflict made a DECLINE of it, an address no one had been seen using.
TEST_F(Dhcpv4Test, AConflictReadWithAnAckForAnotherAddressIsTheOldOnes) {
  const tern_ipv4_addr other = tern_ipv4(192, 0, 2, 104);
  cfg_.probe = Probe;
  cfg_.probe_ctx = this;
  Start();
  Dora();
  ExpectProbedThenBound(kOffered);
  tern_memnetdev_set_up(&pair_, false);
  Run();
  Sent r = LinkUpChecksTheLease(kOffered);
  ASSERT_TRUE(Eq(Addr(), kOffered));
  // The ACK and the conflict both waiting when the client next runs.
  Bytes ack = Reply(r, TERN_DHCPV4_ACK, 3600, other);
  tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool_.pool);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(tern_pkt_reserve(p, 64), 0);
  Bytes d = Datagram(kServer, kBcast, ack);
  memcpy(tern_pkt_put(p, d.size()), d.data(), d.size());
  tern_netdev peer = tern_memnetdev_b(&pair_);
  int err = 1;
  ASSERT_EQ(tern_netdev_poll_send(&peer, &lcx_, p, &err), TERN_READY);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  for (int i = 0; i < 12; i++) {
    for (const Sent &m : Wire()) {
      EXPECT_NE(m.o.msg_type, TERN_DHCPV4_DECLINE)
          << "declined " << int(m.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR)[3]);
    }
    Advance(1000);
  }
  EXPECT_TRUE(Eq(Addr(), kZero));  // the old address given up
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).declines, 0u);
}

// A link change and a conflict read in one batch of events: the order is
// lost, so the conflict may be the new network's, where the lease's
// server may not be (the conflict in the INIT-REBOOT after a link change
// sends no DECLINE, above). The link is taken first, then the conflict:
// the address is given up without a DECLINE and a DISCOVER follows 10 s
// later. Before, the conflict alone was acted on: a DECLINE went out on
// the new link and the link change was dropped.
TEST_F(Dhcpv4Test, ALinkChangeAndAConflictInOneBatchSendNoDecline) {
  Start();
  Dora();
  ASSERT_TRUE(Eq(Addr(), kOffered));
  tern_memnetdev_set_up(&pair_, false);
  tern_memnetdev_set_up(&pair_, true);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).conflicts, 1u);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).declines, 0u);
  EXPECT_EQ(State(), TERN_DHCPV4_INIT);
  for (const Sent &m : Wire()) {
    EXPECT_NE(m.o.msg_type, TERN_DHCPV4_DECLINE);
  }
  Advance(9000);
  EXPECT_TRUE(Wire().empty());  // no DECLINE, no REQUEST
  Advance(1000);
  One(TERN_DHCPV4_DISCOVER);
}

TEST_F(Dhcpv4Test, LinkUpAgainChecksTheLeaseWithInitReboot) {
  Start();
  Dora();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  Sent r = LinkUpChecksTheLease(kOffered);
  EXPECT_TRUE(Eq(r.dst, kBcast));
  Inject(Reply(r, TERN_DHCPV4_ACK), kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
}

// The link changing again while that INIT-REBOOT waits: the address still
// stays (RFC 2131 3.2: the client may use it for the rest of its lease
// until a NAK; RFC 4436 keeps it while it checks), and the check starts
// again with a REQUEST of its own.
TEST_F(Dhcpv4Test, LinkChangeDuringInitRebootKeepsTheAddress) {
  Start();
  Dora();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  tern_memnetdev_set_up(&pair_, true);
  Run();
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
  size_t leases = leases_.size();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  tern_memnetdev_set_up(&pair_, true);
  Run();
  EXPECT_TRUE(Eq(Addr(), kOffered));
  EXPECT_EQ(leases_.size(), leases);  // no loss reported
  Sent r2 = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
  EXPECT_EQ(r2.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  EXPECT_NE(r2.h.xid, r.h.xid);
  Inject(Reply(r2, TERN_DHCPV4_ACK), kOffered);
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
}

// A link change while an INIT-REBOOT waits to begin (in INIT): for a
// remembered address before its first REQUEST, or for a lease whose probe
// could not be sent, in the ten seconds before its check. The address is
// still checked with INIT-REBOOT, at once. A link event in INIT started
// over, forgetting it: a DISCOVER.
TEST_F(Dhcpv4Test, LinkChangeBeforeAnInitRebootKeepsTheAddress) {
  cfg_.remembered = kOffered;
  ASSERT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), 0);
  tern_memnetdev_set_up(&pair_, false);
  tern_memnetdev_set_up(&pair_, true);
  Run();
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  tern_dhcpv4_stop(&c_);
  Run();
  ASSERT_TRUE(done_);
  done_ = false;
  Wire();

  cfg_.remembered = kZero;
  StartAndDoraWithProbes();
  probe_err_ = TERN_ENOBUFS;
  Advance(TERN_DHCPV4_PROBE_WAIT_MS);
  ASSERT_EQ(State(), TERN_DHCPV4_INIT);  // 10 s before the INIT-REBOOT
  EXPECT_TRUE(Wire().empty());
  probe_err_ = 0;
  Advance(2000);
  tern_memnetdev_set_up(&pair_, false);
  tern_memnetdev_set_up(&pair_, true);
  Run();
  r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
  probes_.clear();
  Inject(Reply(r, TERN_DHCPV4_ACK), kOffered);
  ExpectProbedThenBound(kOffered);
}

// An address conflict in the INIT-REBOOT after a link change, with the
// old address still in use: another host has it on this link, so it is
// given up (RFC 5227 2.4 (a)): taken away, reported lost, the lease
// forgotten, and a DISCOVER ten seconds later, as after any conflict. No
// DECLINE: that answers an ACK whose address the check found in use (RFC
// 2131 3.1.5, 4.4.1), and this exchange has had none. The conflict was
// ignored (REBOOTING was outside the states that take one) and the
// address stayed in use. In an INIT-REBOOT with no address in use (a
// remembered one) a conflict is still not the client's business.
TEST_F(Dhcpv4Test, ConflictDuringInitRebootAfterALinkChangeGivesTheAddressUp) {
  Start();
  Dora();
  tern_memnetdev_set_up(&pair_, false);
  Run();
  LinkUpChecksTheLease(kOffered);
  ASSERT_TRUE(Eq(Addr(), kOffered));
  size_t leases = leases_.size();
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  EXPECT_TRUE(Eq(Addr(), kZero));
  ASSERT_EQ(leases_.size(), leases + 1);
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));  // reported lost
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).declines, 0u);
  EXPECT_EQ(State(), TERN_DHCPV4_INIT);
  Advance(9000);
  EXPECT_TRUE(Wire().empty());  // no DECLINE, no REQUEST
  Advance(1000);
  One(TERN_DHCPV4_DISCOVER);  // the lease forgotten
  tern_dhcpv4_stop(&c_);
  Run();
  ASSERT_TRUE(done_);
  done_ = false;
  Wire();

  cfg_.remembered = kOffered;
  Start();
  One(TERN_DHCPV4_REQUEST);
  dev_->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
  Run();
  EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
  Advance(5000);
  Sent r = One(TERN_DHCPV4_REQUEST);  // the INIT-REBOOT goes on
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
}

// The link down for longer than the lease, while renewing, or in the
// INIT-REBOOT after a link change (which waits for the link keeping the
// address): the lease's end still takes the address away, counted as an
// expiry and reported lost, and the client starts over.
TEST_F(Dhcpv4Test, TheLeaseEndsWhileTheLinkIsDown) {
  for (bool reboot : {false, true}) {
    SCOPED_TRACE(reboot);
    Start();
    Dora(600, 100, 500);
    tern_memnetdev_set_up(&pair_, false);
    Run();
    if (reboot) {
      LinkUpChecksTheLease(kOffered);
      tern_memnetdev_set_up(&pair_, false);
      Run();
    }
    size_t leases = leases_.size();
    Advance(590000);
    EXPECT_TRUE(Eq(Addr(), kOffered));
    EXPECT_EQ(leases_.size(), leases);
    Advance(11000);
    EXPECT_TRUE(Eq(Addr(), kZero));
    EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 1u);
    ASSERT_EQ(leases_.size(), leases + 1);
    EXPECT_TRUE(Eq(leases_.back().addr, kZero));  // reported lost
    EXPECT_NE(State(), TERN_DHCPV4_REBOOTING);    // the lease forgotten
    tern_memnetdev_set_up(&pair_, true);
    Run();
    Advance(TERN_DHCPV4_INIT_DELAY_MS);
    One(TERN_DHCPV4_DISCOVER);
    tern_dhcpv4_stop(&c_);
    Run();
    ASSERT_TRUE(done_);
    done_ = false;
    Wire();
    leases_.clear();
  }
}

// REQUESTING with the link down: its REQUESTs cannot go, and it waits
// (retrying at most every 64 s, each refused) with nothing bound; the
// link's return starts over with a DISCOVER.
TEST_F(Dhcpv4Test, RequestingWithTheLinkDownBindsNothing) {
  cfg_.probe = Probe;
  cfg_.probe_ctx = this;
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  Inject(Reply(d, TERN_DHCPV4_OFFER), kOffered);
  One(TERN_DHCPV4_REQUEST);
  tern_memnetdev_set_up(&pair_, false);
  Run();
  Advance(600000);
  EXPECT_EQ(State(), TERN_DHCPV4_REQUESTING);
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(leases_.empty());
  EXPECT_TRUE(probes_.empty());
  uint32_t refused = tern_dhcpv4_get_stats(&c_).tx_errors;
  EXPECT_GE(refused, 9u);  // 4, 8, 16, 32, then every 64 s
  EXPECT_LE(refused, 13u);
  tern_memnetdev_set_up(&pair_, true);
  Run();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  One(TERN_DHCPV4_DISCOVER);
}

// The address kept through an INIT-REBOOT after a link change is kept
// only for the rest of its lease (RFC 2131 4.4.5: at expiry the client
// stops using it): with the link changing every 3 s, each change starting
// the INIT-REBOOT afresh, the address went on being used past its lease
// for as long as that lasted (found by client_fuzz).
TEST_F(Dhcpv4Test, LeaseExpiringDuringInitRebootIsGivenUp) {
  Start();
  Dora(10);  // counted from the DISCOVER, at most 1 s before the ACK
  size_t leases = leases_.size();
  int lost_at = -1;
  for (int t = 1; t <= 20 && lost_at < 0; t++) {
    if (t % 3 == 1) {
      tern_memnetdev_set_up(&pair_, false);
      Run();
      tern_memnetdev_set_up(&pair_, true);
      Run();
      EXPECT_EQ(State(), TERN_DHCPV4_REBOOTING);
    }
    Advance(1000);
    if (Eq(Addr(), kZero)) {
      lost_at = t;
    }
  }
  EXPECT_GE(lost_at, 9);
  EXPECT_LE(lost_at, 10);
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 1u);
  ASSERT_EQ(leases_.size(), leases + 1);
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));  // reported lost
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.back().o.msg_type, TERN_DHCPV4_DISCOVER);
}

TEST_F(Dhcpv4Test, StopReleasesTheLease) {
  Start();
  Dora();
  Advance(5000);  // so that a secs count would not be 0
  tern_dhcpv4_stop(&c_);
  Run();
  EXPECT_TRUE(done_);
  EXPECT_EQ(State(), TERN_DHCPV4_STOPPED);
  Sent rel = One(TERN_DHCPV4_RELEASE);
  EXPECT_EQ(rel.h.secs, 0);  // RFC 2131 table 5
  EXPECT_TRUE(Eq(rel.dst, kServer));
  EXPECT_TRUE(Eq(rel.src, kOffered));
  EXPECT_TRUE(Eq(rel.h.ciaddr, kOffered));
  EXPECT_TRUE(Eq(rel.o.server_id, kServer));
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(Eq(leases_.back().addr, kZero));
  // Port 68 is free again.
  ASSERT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), 0);
}

// The messages' destination (port 67 on the client's interface) is set
// once at start and kept in the client: a client stopped after a RELEASE
// (unicast to the server) and started again, on another interface and
// then on the first, broadcasts its DISCOVER on the interface it runs on,
// from its MAC, and sends nothing on the other.
TEST_F(Dhcpv4Test, StartedAgainOnAnotherInterfaceSendsThere) {
  const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x0b};
  tern_memnetdev_pair pair2;
  tern_memnetdev_config mcfg = TERN_MEMNETDEV_CONFIG_IP;
  tern_memnetdev_init(&pair2, &mcfg);
  tern_test::EventDev dev2(tern_memnetdev_a(&pair2), mac2);
  tern_ip_iface iface2;
  ASSERT_EQ(tern_ip_iface_add(&ip_, &iface2, dev2.Dev()), 0);
  auto take2 = [&](Bytes *out) {
    tern_netdev peer = tern_memnetdev_b(&pair2);
    tern_pkt *p = nullptr;
    int err = 0;
    if (tern_netdev_poll_recv(&peer, &lcx_, &p, &err) != TERN_READY) {
      return false;
    }
    out->assign(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    tern_pkt_free(p);
    return true;
  };
  auto stop = [&] {
    tern_dhcpv4_stop(&c_);
    Run();
    ASSERT_TRUE(done_);
    done_ = false;
  };
  Start();
  Dora();
  stop();
  Sent rel = One(TERN_DHCPV4_RELEASE);
  EXPECT_TRUE(Eq(rel.dst, kServer));
  ASSERT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface2, &cfg_), 0);
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  EXPECT_TRUE(Wire().empty());  // nothing on the first interface
  Bytes d;
  ASSERT_TRUE(take2(&d));
  ASSERT_GE(d.size(), 28u + 240u);
  EXPECT_EQ(Bytes(d.begin() + 16, d.begin() + 20), A(kBcast));
  EXPECT_EQ(d[22] << 8 | d[23], 67);
  EXPECT_EQ(Bytes(d.begin() + 28 + 28, d.begin() + 28 + 34),
            Bytes(mac2, mac2 + 6));  // chaddr
  EXPECT_FALSE(take2(&d));
  stop();
  ASSERT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), 0);
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent again = One(TERN_DHCPV4_DISCOVER);
  EXPECT_TRUE(Eq(again.dst, kBcast));
  EXPECT_EQ(Bytes(again.h.chaddr, again.h.chaddr + 6), Bytes(kMac, kMac + 6));
  EXPECT_FALSE(take2(&d));
  stop();
  while (take2(&d)) {
  }
}

TEST_F(Dhcpv4Test, StopWithoutALeaseSendsNothing) {
  Start();
  tern_dhcpv4_stop(&c_);
  Run();
  EXPECT_TRUE(done_);
  EXPECT_TRUE(Wire().empty());
}

// Stopped while probing: nothing to release (the address never went on),
// and the device is told to stop watching the address, as on every way
// out of PROBING (tern_dhcpv4_probe_fn: the probes, then 0.0.0.0). The
// watch stayed: the Ethernet adapter went on reporting conflicts for an
// address that no one was to use.
TEST_F(Dhcpv4Test, StopWhileProbingStopsTheWatch) {
  StartAndDoraWithProbes();
  Advance(1000);
  ASSERT_EQ(State(), TERN_DHCPV4_PROBING);
  ASSERT_FALSE(probes_.empty());
  EXPECT_TRUE(Eq(probes_.back(), kOffered));
  tern_dhcpv4_stop(&c_);
  Run();
  ASSERT_TRUE(done_);
  EXPECT_TRUE(Eq(probes_.back(), kZero));  // the watch stopped
  EXPECT_TRUE(Wire().empty());             // no RELEASE
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_TRUE(leases_.empty());
}

TEST_F(Dhcpv4Test, BadArguments) {
  EXPECT_EQ(tern_dhcpv4_start(nullptr, &udp_, &iface_, &cfg_), TERN_EINVAL);
  EXPECT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, nullptr), TERN_EINVAL);
  const uint8_t id[1] = {1};
  cfg_.client_id = id;
  cfg_.client_id_len = 1;
  EXPECT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), TERN_EINVAL);
  cfg_.client_id = nullptr;
  ASSERT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), 0);
  tern_dhcpv4 other;
  EXPECT_EQ(tern_dhcpv4_start(&other, &udp_, &iface_, &cfg_), TERN_EADDRINUSE);
  tern_udp_close(&c_.sock);
}

// Started again while running, the client is refused, not wiped: its
// socket stays on the UDP layer's list and its timer in the queue (the
// start's memset cut both), and it stops as a running client does.
TEST_F(Dhcpv4Test, StartWhileRunningIsBusy) {
  Start();
  EXPECT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), TERN_EBUSY);
  EXPECT_TRUE(tern_udp_is_bound(&udp_, &c_.sock));
  Advance(TERN_DHCPV4_INIT_DELAY_MS);  // its timer still fires
  One(TERN_DHCPV4_DISCOVER);
  tern_dhcpv4_stop(&c_);
  Run();
  EXPECT_TRUE(done_);
  EXPECT_EQ(State(), TERN_DHCPV4_STOPPED);
  EXPECT_FALSE(tern_udp_is_bound(&udp_, &c_.sock));
  ASSERT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), 0) << "stopped";
}

// A host name and client id that the messages cannot carry whole are
// refused at start: an empty host name (RFC 2132 3.14: at least one
// byte), one over 255 bytes, or the two together longer than the room a
// REQUEST leaves them (548 bytes, less the header and the other options:
// 283). They were cut or left out of the messages without a word.
TEST_F(Dhcpv4Test, HostNameAndClientIdThatDoNotFitAreRefused) {
  std::string name(256, 'h');
  cfg_.hostname = name.c_str();
  EXPECT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), TERN_EINVAL);
  cfg_.hostname = "";
  EXPECT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), TERN_EINVAL);
  uint8_t id[255];
  memset(id, 7, sizeof id);
  cfg_.client_id = id;
  cfg_.client_id_len = 255;
  name.assign(29, 'h');
  cfg_.hostname = name.c_str();
  EXPECT_EQ(tern_dhcpv4_start(&c_, &udp_, &iface_, &cfg_), TERN_EINVAL);
  // 255 + 28 fits: every option of the REQUEST is sent whole.
  name.assign(28, 'h');
  cfg_.hostname = name.c_str();
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  std::vector<Sent> v = Wire();  // longer than 300 bytes: not One()
  ASSERT_EQ(v.size(), 1u);
  Inject(Reply(v[0], TERN_DHCPV4_OFFER));
  v = Wire();
  ASSERT_EQ(v.size(), 1u);
  const Sent &r = v[0];
  EXPECT_EQ(r.o.msg_type, TERN_DHCPV4_REQUEST);
  EXPECT_EQ(r.msg.size(), 548u);  // every byte of the largest message
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_HOSTNAME), Bytes(name.begin(), name.end()));
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_CLIENT_ID), Bytes(id, id + 255));
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_PARAM_LIST), Bytes({1, 3, 6}));
  EXPECT_EQ(r.Opt(TERN_DHCPV4_OPT_REQUESTED_ADDR), A(kOffered));
}

TEST_F(Dhcpv4Test, ClientIdIsSent) {
  const uint8_t id[7] = {1, 2, 0, 0, 0, 0, 0x0a};
  cfg_.client_id = id;
  cfg_.client_id_len = 7;
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  EXPECT_EQ(d.Opt(TERN_DHCPV4_OPT_CLIENT_ID), Bytes(id, id + 7));
}

// The host name's length is read and checked at start: a name the
// application lengthens afterwards (here to more than the messages can
// carry with the client id) cannot make a message overrun its buffer;
// they carry the name's first bytes, as many as it had at start.
TEST_F(Dhcpv4Test, TheHostNamesLengthIsTakenAtStart) {
  static char name[400];  // outlives the client, as start asks
  memset(name, 0, sizeof name);
  memcpy(name, "tern", 4);
  cfg_.hostname = name;
  Start();
  memset(name, 'x', sizeof name - 1);
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  Sent d = One(TERN_DHCPV4_DISCOVER);
  EXPECT_EQ(d.Opt(TERN_DHCPV4_OPT_HOSTNAME), Bytes({'x', 'x', 'x', 'x'}));
}

// RFC 2131 4.4.1: the REQUEST that answers an OFFER carries the `secs` of
// the DISCOVER (a server may answer by it, as a backup one does only past
// a number of seconds). It counted on from the DISCOVER's start instead,
// a larger value in every REQUEST than the DISCOVER had.
TEST_F(Dhcpv4Test, TheRequestCarriesTheSecsOfItsDiscover) {
  Start();
  Advance(TERN_DHCPV4_INIT_DELAY_MS);
  One(TERN_DHCPV4_DISCOVER);
  Advance(5500);  // the second DISCOVER, 3 to 5 s after the first
  Sent d = One(TERN_DHCPV4_DISCOVER);
  ASSERT_GE(d.h.secs, 3);
  Advance(2000);  // the OFFER comes late
  Inject(Reply(d, TERN_DHCPV4_OFFER), kOffered);
  Sent r = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(r.h.secs, d.h.secs);
  Advance(5000);  // retransmitted, 3 to 5 s later
  Sent r2 = One(TERN_DHCPV4_REQUEST);
  EXPECT_EQ(r2.h.secs, d.h.secs);
}

// `secs` is a 16-bit count: past 65,535 s it stays there. It wrapped, and
// after 19 hours without a server the DISCOVERs said 3,000 s or so.
TEST_F(Dhcpv4Test, SecsStopsAtItsLargestValue) {
  Start();
  for (int i = 0; i < 19 * 60; i++) {
    Advance(60000);  // no server for 19 hours
    Wire();
  }
  Advance(65000);
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.back().o.msg_type, TERN_DHCPV4_DISCOVER);
  EXPECT_EQ(v.back().h.secs, 0xffff);
}

// After hours of DISCOVERs with no server, the lease counts from the
// REQUEST that got it (RFC 2131 4.4.1), not from the first DISCOVER: a
// one-hour lease taken after two hours was expired at once (reported got,
// then lost, and DISCOVER again).
TEST_F(Dhcpv4Test, ALeaseTakenAfterALongSearchCountsFromItsRequest) {
  Start();
  for (int i = 0; i < 120; i++) {
    Advance(60000);  // no server for two hours
    Wire();
  }
  Advance(65000);
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  Inject(Reply(v.back(), TERN_DHCPV4_OFFER, 3600), kOffered);
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(Reply(r, TERN_DHCPV4_ACK, 3600), kOffered);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  Advance(1799000);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(State(), TERN_DHCPV4_BOUND);
  EXPECT_TRUE(Eq(Addr(), kOffered));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 0u);
  ASSERT_EQ(leases_.size(), 1u);
  Advance(2000);  // T1, 1,800 s after the REQUEST
  Sent renew = One(TERN_DHCPV4_REQUEST);
  EXPECT_TRUE(Eq(renew.dst, kServer));
}

// The same after 25 days (past 2^31 ms, half the clock's range): the
// instants counted from the first DISCOVER read as 24 days ahead, and a
// one-hour lease was kept that long, never renewed.
TEST_F(Dhcpv4Test, ALeaseTakenAfter25DaysIsRenewedAtItsT1) {
  Start();
  for (int i = 0; i < 25 * 24 * 60; i++) {
    tern_sim_advance(60000);  // no server for 25 days, a minute a step
    w_.FireTimers(tern_now());
    Run();
    Wire();
  }
  Advance(65000);
  std::vector<Sent> v = Wire();
  ASSERT_FALSE(v.empty());
  Inject(Reply(v.back(), TERN_DHCPV4_OFFER, 3600), kOffered);
  Sent r = One(TERN_DHCPV4_REQUEST);
  Inject(Reply(r, TERN_DHCPV4_ACK, 3600), kOffered);
  ASSERT_EQ(State(), TERN_DHCPV4_BOUND);
  Advance(1801000);
  EXPECT_EQ(State(), TERN_DHCPV4_RENEWING);
  for (int i = 0; i < 30; i++) {
    Advance(60000);  // unanswered: the address goes at the lease's end
    Wire();
  }
  EXPECT_TRUE(Eq(Addr(), kZero));
  EXPECT_EQ(tern_dhcpv4_get_stats(&c_).expiries, 1u);
}

}  // namespace
