// The whole stack composed as a product composes it, tested without root
// (issue 8 section 5): memory netdev -> Ethernet (ARP) -> IP core + IPv4
// (ICMP) -> UDP, with a UDP echo on port 7, on end A of a memory netdev
// pair of Ethernet frames, run by an executor on the sim port (virtual
// time). The test plays the Linux peer vA (02:00:00:00:00:0a, 192.0.2.1)
// on end B with frames captured from Linux (captured_frames.h) and checks
// what the stack answers against what vB's kernel answered: ARP byte for
// byte; IPv4 datagrams byte for byte but for the identification (RFC 7739:
// keyed-random here, a counter in Linux) and so the header checksum, which
// is checked for validity instead.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tern/co.h"
#include "tern/ethernet.h"
#include "tern/executor.h"
#include "tern/hal_rng.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/neighbour.h"
#include "tern/sim.h"
#include "tern/timer.h"
#include "tern/udp.h"
#include "tests/composed/captured_frames.h"

namespace {

using Bytes = std::vector<uint8_t>;

template <size_t N>
Bytes B(const uint8_t (&a)[N]) {
  return Bytes(a, a + N);
}

const uint8_t kMacUs[6] = {0x02, 0, 0, 0, 0, 0x0b};
const uint8_t kMacPeer[6] = {0x02, 0, 0, 0, 0, 0x0a};
const uint8_t kBcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// RFC 1071 over n bytes, added to sum; not folded or complemented.
uint32_t Sum16(const uint8_t *p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  }
  if (n % 2 != 0) {
    sum += static_cast<uint32_t>(p[n - 1] << 8);
  }
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16 != 0) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

// Sets the UDP checksum of an Ethernet + IPv4 (no options) + UDP frame.
void FixUdpChecksum(Bytes &f) {
  const size_t ip = 14, udp = 34;
  size_t udp_len = f.size() - udp;
  f[udp + 6] = f[udp + 7] = 0;
  uint32_t s = Sum16(&f[ip + 12], 8);  // source and destination
  s += 17 + static_cast<uint32_t>(udp_len);
  uint16_t c = Fold(Sum16(&f[udp], udp_len, s));
  if (c == 0) {
    c = 0xffff;
  }
  f[udp + 6] = static_cast<uint8_t>(c >> 8);
  f[udp + 7] = static_cast<uint8_t>(c);
}

// An IPv4 frame we sent against what Linux sent: every byte but the IP
// identification (bytes 4-5 of the IP header) and header checksum (10-11),
// and that checksum valid.
void ExpectLikeLinux(const Bytes &got, const Bytes &linux_frame) {
  ASSERT_EQ(got.size(), linux_frame.size());
  Bytes a = got, b = linux_frame;
  for (size_t i : {14u + 4, 14u + 5, 14u + 10, 14u + 11}) {
    a[i] = b[i] = 0;
  }
  EXPECT_EQ(a, b);
  EXPECT_EQ(Fold(Sum16(&got[14], 20)), 0) << "IPv4 header checksum";
}

// A deterministic RNG for the stack (identification key, ports).
struct TestRng {
  uint32_t state = 0x2545f491;
  static int Fill(void *self, void *buf, size_t len) {
    auto *r = static_cast<TestRng *>(self);
    auto *p = static_cast<uint8_t *>(buf);
    for (size_t i = 0; i < len; i++) {
      r->state ^= r->state << 13;
      r->state ^= r->state >> 17;
      r->state ^= r->state << 5;
      p[i] = static_cast<uint8_t>(r->state);
    }
    return 0;
  }
};

// The stack's runner.
struct RunnerTask {
  tern_task task;
  tern_ip_stack *ip;
  static tern_poll Poll(tern_task *t, tern_cx *cx) {
    RunnerTask *s = TERN_CONTAINER_OF(t, RunnerTask, task);
    return tern_ip_stack_poll_run(s->ip, cx);
  }
};

// The echo server: every datagram back to where it came from.
struct EchoTask {
  tern_task task;
  tern_co co;
  tern_udp_sock *sock;
  tern_endpoint from;
  int n;
  int err;
  uint32_t echoed;
  uint8_t buf[1472];
  static tern_poll Poll(tern_task *t, tern_cx *cx) {
    EchoTask *s = TERN_CONTAINER_OF(t, EchoTask, task);
    TERN_CO_BEGIN(&s->co);
    for (;;) {
      TERN_CO_AWAIT(&s->co,
                    tern_udp_poll_recv_from(s->sock, cx, &s->from, s->buf,
                                            sizeof s->buf, &s->n));
      if (s->n == TERN_ECLOSED) {
        break;
      }
      if (s->n < 0) {
        continue;
      }
      TERN_CO_AWAIT(&s->co,
                    tern_udp_poll_send_to(s->sock, cx, &s->from, s->buf,
                                          static_cast<size_t>(s->n), &s->err));
      if (s->err == 0) {
        s->echoed++;
      }
    }
    TERN_CO_END(&s->co);
  }
};

// One datagram sent by an application task.
struct SendTask {
  tern_task task;
  tern_udp_sock *sock;
  tern_endpoint dst;
  const uint8_t *data;
  size_t len;
  int err;
  static tern_poll Poll(tern_task *t, tern_cx *cx) {
    SendTask *s = TERN_CONTAINER_OF(t, SendTask, task);
    return tern_udp_poll_send_to(s->sock, cx, &s->dst, s->data, s->len,
                                 &s->err);
  }
};

class ComposedStack : public ::testing::Test {
 protected:
  static constexpr size_t kBuf = 1600;

  void SetUp() override {
    tern_sim_set_time(7000000);
    ASSERT_EQ(tern_pkt_pool_init(&pool_, pool_store_, sizeof pool_store_, kBuf),
              8);
    ASSERT_EQ(
        tern_pkt_pool_init(&peer_pool_, peer_store_, sizeof peer_store_, kBuf),
        8);
    ASSERT_EQ(tern_pkt_pool_init(&arp_pool_, arp_store_, sizeof arp_store_, 64),
              2);
    // End A is ours with vB's MAC, end B the peer's with vA's.
    tern_memnetdev_config mc = TERN_MEMNETDEV_CONFIG_ETHERNET;
    std::memcpy(mc.mac_a, kMacUs, 6);
    std::memcpy(mc.mac_b, kMacPeer, 6);
    mc.queue_len = 16;
    tern_memnetdev_init(&pair_, &mc);
    peer_ = tern_memnetdev_b(&pair_);

    // memnetdev -> Ethernet -> IP core + IPv4 -> UDP, as a product does.
    ASSERT_EQ(tern_eth_init(&eth_, tern_memnetdev_a(&pair_), &arp_pool_,
                            neighbours_, 4),
              0);
    tern_rng rng = {&TestRng::Fill, &rng_};
    ASSERT_EQ(tern_ip_stack_init(&ip_, &pool_, &rng), 0);
    ASSERT_EQ(tern_ipv4_init(&v4_, &ip_), 0);
    ASSERT_EQ(tern_ip_iface_add(&ip_, &iface_, tern_eth_netdev(&eth_)), 0);
    tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 2);
    ASSERT_EQ(tern_ipv4_set_addr(&iface_, &addr, 24, nullptr), 0);
    ASSERT_EQ(tern_udp_init(&udp_, &ip_), 0);
    tern_endpoint local = {};
    local.port = 7;
    ASSERT_EQ(tern_udp_bind(&udp_, &sock_, &local, ring_, sizeof ring_), 0);

    tern_executor_init(&ex_);
    tern_task_init(&runner_.task, &RunnerTask::Poll);
    runner_.ip = &ip_;
    tern_task_init(&echo_.task, &EchoTask::Poll);
    echo_.sock = &sock_;
    ASSERT_EQ(tern_spawn(&ex_, &runner_.task), 0);
    ASSERT_EQ(tern_spawn(&ex_, &echo_.task), 0);
    started_ = true;

    // The address was set: RFC 5227 announcements, now and 2 s later
    // (not in the captures, which start later; their form is RFC 5227's).
    Bytes announce = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00,
                      0x00, 0x00, 0x0b, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
                      0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
                      0x0b, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00,
                      0x00, 0x00, 0xc0, 0x00, 0x02, 0x02};
    Settle();
    EXPECT_EQ(Wire(), std::vector<Bytes>{announce});
    Advance(2000);
    EXPECT_EQ(Wire(), std::vector<Bytes>{announce});
  }

  void TearDown() override {
    if (!started_) {
      return;
    }
    // Stop both tasks and the adapter, then everything is back.
    tern_udp_close(&sock_);
    tern_ip_stack_stop(&ip_);
    Settle();
    EXPECT_TRUE(tern_task_done(&echo_.task));
    EXPECT_TRUE(tern_task_done(&runner_.task));
    tern_eth_deinit(&eth_);
    tern_memnetdev_close(&pair_);
    EXPECT_EQ(tern_pkt_pool_available(&pool_), pool_.count);
    EXPECT_EQ(tern_pkt_pool_available(&peer_pool_), peer_pool_.count);
    EXPECT_EQ(tern_pkt_pool_available(&arp_pool_), arp_pool_.count);
  }

  // Runs the executor until no task is ready (timers due now fired).
  void Settle() {
    for (int i = 0; i < 1000; i++) {
      if (tern_executor_run_once(&ex_) == 0) {
        return;
      }
    }
    ADD_FAILURE() << "the tasks never settled";
  }

  // Moves virtual time as the run loop's sleep would, then runs.
  void Advance(uint32_t ms) {
    tern_sim_advance(ms);
    Settle();
  }

  // The peer puts a frame on the wire, and the stack runs.
  template <size_t N>
  void Inject(const uint8_t (&frame)[N]) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool_);
    ASSERT_NE(p, nullptr);
    std::memcpy(tern_pkt_put(p, N), frame, N);
    tern_cx cx = peer_waker_.Cx();
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&peer_, &cx, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
    Settle();
  }

  // Every frame the peer can read now.
  std::vector<Bytes> Wire() {
    std::vector<Bytes> out;
    tern_cx cx = peer_waker_.Cx();
    tern_pkt *p;
    int err;
    while (tern_netdev_poll_recv(&peer_, &cx, &p, &err) == TERN_READY &&
           err == 0) {
      out.emplace_back(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
      tern_pkt_free(p);
    }
    return out;
  }

  // Our own datagram, "hello, echo\n" from sock_ to port 40000 of `to`,
  // sent by a task (*send) that is spawned and settled: the stack took it.
  void SendHello(SendTask *send, tern_ipv4_addr to) {
    static const uint8_t kHello[] = "hello, echo\n";
    *send = {};
    tern_task_init(&send->task, &SendTask::Poll);
    send->sock = &sock_;
    send->dst.addr.family = TERN_IP_V4;
    send->dst.addr.u.v4 = to;
    send->dst.port = 40000;
    send->data = kHello;
    send->len = sizeof kHello - 1;
    send->err = 1;
    ASSERT_EQ(tern_spawn(&ex_, &send->task), 0);
    Settle();
    EXPECT_TRUE(tern_task_done(&send->task));  // taken by the stack
    EXPECT_EQ(send->err, 0);
  }

  // The capture's first exchange: vA asks for 192.0.2.2, we answer as
  // vB's kernel did.
  void ArpExchange() {
    Inject(kArpWhoHas2);
    std::vector<Bytes> w = Wire();
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0], B(kArpIsAt2));
  }

  struct Waker {
    int wakes = 0;
    static void Wake(void *ctx) {
      static_cast<Waker *>(ctx)->wakes++;
    }
    tern_cx Cx() {
      return tern_cx_make(tern_waker{&Waker::Wake, this}, nullptr);
    }
  };

  alignas(16) uint8_t pool_store_[TERN_PKT_POOL_STORAGE_SIZE(8, kBuf)];
  alignas(16) uint8_t peer_store_[TERN_PKT_POOL_STORAGE_SIZE(8, kBuf)];
  alignas(16) uint8_t arp_store_[TERN_PKT_POOL_STORAGE_SIZE(2, 64)];
  tern_pkt_pool pool_, peer_pool_, arp_pool_;
  tern_memnetdev_pair pair_;
  tern_netdev peer_;
  Waker peer_waker_;
  tern_eth eth_;
  tern_neighbour4 neighbours_[4];
  TestRng rng_;
  tern_ip_stack ip_;
  tern_ipv4_layer v4_;
  tern_ip_iface iface_;
  tern_udp_layer udp_;
  tern_udp_sock sock_ = {};
  uint8_t ring_[2048];
  tern_executor ex_;
  RunnerTask runner_ = {};
  EchoTask echo_ = {};
  bool started_ = false;
};

TEST_F(ComposedStack, AnswersArpAsLinuxDid) {
  ArpExchange();
  // The second capture's request, from another address on the same MAC.
  Inject(kArpWhoHas2From103);
  EXPECT_EQ(Wire(), std::vector<Bytes>{B(kArpIsAt2To103)});
}

TEST_F(ComposedStack, AnswersPing) {
  ArpExchange();
  Inject(kPingRequest);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  ExpectLikeLinux(w[0], B(kPingReply));
  EXPECT_EQ(tern_ipv4_get_stats(&v4_).icmp_echo_replies, 1u);
}

TEST_F(ComposedStack, EchoesUdpOnPort7) {
  ArpExchange();
  Inject(kUdpToEcho);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  ExpectLikeLinux(w[0], B(kUdpFromEcho));  // socat's echo
  EXPECT_EQ(echo_.echoed, 1u);
}

TEST_F(ComposedStack, ClosedPortGetsPortUnreachable) {
  ArpExchange();
  Inject(kUdpToClosedPort);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  ExpectLikeLinux(w[0], B(kPortUnreachable));
  EXPECT_EQ(echo_.echoed, 0u);
}

// Our own datagram to a neighbour nobody has resolved: ARP asks for it as
// the kernel asked for 192.0.2.103 in dhcp_dora.pcap (frames 2-4: once at
// once, again a second later); the datagram waits in the adapter. The
// neighbour's ARP (dhcp_dora.pcap frame 9, a request for us from
// 192.0.2.103: what it learns from RFC 826's merge is all we need) is
// answered as the kernel answered it (frame 10) and releases the
// datagram. No capture has this datagram: it is socat's echo
// (udp_echo.pcap frame 2) sent to 192.0.2.103 instead of 192.0.2.1, its
// UDP checksum recomputed.
TEST_F(ComposedStack, OwnSendResolvesTheNeighbourThenSends) {
  SendTask send;
  ASSERT_NO_FATAL_FAILURE(SendHello(&send, tern_ipv4(192, 0, 2, 103)));
  EXPECT_EQ(Wire(), std::vector<Bytes>{B(kArpWhoHas103)});
  Advance(999);
  EXPECT_TRUE(Wire().empty());
  Advance(1);
  EXPECT_EQ(Wire(), std::vector<Bytes>{B(kArpWhoHas103)});

  Inject(kArpWhoHas2From103);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], B(kArpIsAt2To103));
  Bytes expected = B(kUdpFromEcho);
  expected[14 + 19] = 103;  // the IPv4 destination's last byte
  FixUdpChecksum(expected);
  ExpectLikeLinux(w[1], expected);
  // No more requests: the neighbour is known.
  Advance(5000);
  EXPECT_TRUE(Wire().empty());
}

// A /32 with its gateway off the subnet (a DHCP lease without a mask, a
// cloud's lease with RFC 3442 routes): the gateway is on-link, as in
// Linux's onlink routes. A datagram to a host elsewhere makes ARP ask for
// the gateway, and goes to the gateway's MAC once it answers. (Before,
// the IPv4 layer refused the gateway on Ethernet.)
TEST_F(ComposedStack, ASlash32ReachesItsGatewayOffTheSubnetByArp) {
  const tern_ipv4_addr us = tern_ipv4(192, 0, 2, 2),
                       gw = tern_ipv4(198, 51, 100, 1);
  ASSERT_EQ(tern_ipv4_set_addr(&iface_, &us, 32, &gw), 0);
  Settle();
  (void)Wire();  // announcements, if the adapter makes any
  SendTask send;
  ASSERT_NO_FATAL_FAILURE(SendHello(&send, tern_ipv4(203, 0, 113, 9)));
  // Who has 198.51.100.1? Tell 192.0.2.2.
  Bytes who_has = B(kArpWhoHas103);
  std::memcpy(&who_has[38], gw.b, 4);
  EXPECT_EQ(Wire(), std::vector<Bytes>{who_has});
  // The gateway answers (from the peer's MAC).
  static const uint8_t kIsAt[42] = {
      0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00,
      0x0a, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
      0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 198,  51,   100,  1,    0x02,
      0x00, 0x00, 0x00, 0x00, 0x0b, 192,  0,    2,    2};
  Inject(kIsAt);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(
      Bytes(w[0].begin(), w[0].begin() + 14),
      Bytes({0x02, 0, 0, 0, 0, 0x0a, 0x02, 0, 0, 0, 0, 0x0b, 0x08, 0x00}));
  EXPECT_EQ(Bytes(w[0].begin() + 14 + 12, w[0].begin() + 14 + 20),
            Bytes({192, 0, 2, 2, 203, 0, 113, 9}));
  EXPECT_EQ(w[0].size(), 14u + 20 + 8 + send.len);
}

}  // namespace
