// The tern_stream contract suite (executor/io/stream_contract.h) against
// a TCP connection: two stacks (IPv4 and TCP) on a perfect simulated
// link, the stream under test the client's connection, the peer the
// connection its listener accepted. Pump polls every runner by hand and
// moves the virtual clock on, so timers (delayed ACKs, retransmissions)
// fire as they would.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "executor/io/stream_contract.h"
#include "executor/test_waker.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/tcp.h"
#include "tern/timer.h"

namespace {

constexpr int kPkts = 16;
constexpr int kPktSize = 1536;

int RngFill(void *self, void *buf, size_t len) {
  auto *r = static_cast<tern_simrng *>(self);
  auto *p = static_cast<uint8_t *>(buf);
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t)tern_simrng_next(r);
  return 0;
}

struct Stack {
  alignas(8) uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(kPkts, kPktSize)];
  tern_pkt_pool pool;
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  tern_tcp_layer tcp;
  tern_simrng rng_state;
  tern_rng rng;
  tern_test::CountingWaker ip_waker, tcp_waker;
  tern_tcp_conn conn;
  uint8_t tx[8192], rx[8192];

  void Start(tern_netdev dev, uint8_t last) {
    ASSERT_GT(
        tern_pkt_pool_init(&pool, pool_storage, sizeof pool_storage, kPktSize),
        0);
    tern_simrng_seed(&rng_state, last);
    rng = tern_rng{RngFill, &rng_state};
    ASSERT_EQ(tern_ip_stack_init(&ip, &pool, &rng), 0);
    ASSERT_EQ(tern_ipv4_init(&v4, &ip), 0);
    ASSERT_EQ(tern_ip_iface_add(&ip, &iface, dev), 0);
    tern_ipv4_addr a = tern_ipv4(192, 0, 2, last);
    ASSERT_EQ(tern_ipv4_set_addr(&iface, &a, 24, nullptr), 0);
    ASSERT_EQ(tern_tcp_init(&tcp, &ip, nullptr), 0);
    ASSERT_EQ(tern_tcp_conn_init(&conn, &tcp, tx, sizeof tx, rx, sizeof rx), 0);
  }

  void Poll() {
    tern_cx cx = ip_waker.Cx();
    tern_ip_stack_poll_run(&ip, &cx);
    cx = tcp_waker.Cx();
    tern_tcp_poll_run(&tcp, &cx);
    tern_timer_queue_fire(&ip_waker.timers, tern_now());
    tern_timer_queue_fire(&tcp_waker.timers, tern_now());
  }
};

class TcpFixture : public tern_test::StreamFixture {
 public:
  TcpFixture() {
    tern_sim_set_time(0x10000);
    tern_simnet_init(&net_, 1, nullptr, 0);
    tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
    EXPECT_EQ(tern_simlink_init(&link_, &net_, &cfg), 0);
    a_.Start(tern_simlink_a(&link_), 1);
    b_.Start(tern_simlink_b(&link_), 2);
    tern_endpoint local = {};
    local.port = 7;
    EXPECT_EQ(tern_tcp_listen(&b_.tcp, &lst_, &local, &b_.conn, 1), 0);
    tern_endpoint server = {};
    server.addr.family = TERN_IP_V4;
    server.addr.u.v4 = tern_ipv4(192, 0, 2, 2);
    server.port = 7;
    EXPECT_EQ(tern_tcp_connect(&a_.conn, &server), 0);
    for (int i = 0; i < 20 && peer_ == nullptr; i++) {
      Pump(1);
      tern_cx cx = accept_waker_.Cx();
      tern_tcp_poll_accept(&lst_, &cx, &accept_w_, &peer_);
    }
    EXPECT_NE(peer_, nullptr);
    EXPECT_EQ(tern_tcp_get_state(&a_.conn), TERN_TCP_ESTABLISHED);
  }

  ~TcpFixture() override {
    tern_simlink_close(&link_);
  }

  tern_stream Stream() override {
    return tern_tcp_stream(&a_.conn);
  }

  size_t PeerWrite(const uint8_t *data, size_t len) override {
    tern_cx cx = peer_waker_.Cx();
    ptrdiff_t n = 0;
    if (tern_tcp_poll_write(peer_, &cx, data, len, &n) != TERN_READY || n < 0) {
      return 0;
    }
    Pump(1);
    return (size_t)n;
  }

  ptrdiff_t PeerRead(uint8_t *buf, size_t max) override {
    Pump(1);
    tern_cx cx = peer_waker_.Cx();
    ptrdiff_t n = 0;
    if (tern_tcp_poll_read(peer_, &cx, buf, max, &n) != TERN_READY) {
      return 0;
    }
    return n == 0 ? -1 : n;
  }

  void PeerClose() override {
    tern_tcp_shutdown(peer_);
    Pump(1);
  }

  // Polls every runner until nothing moves, then moves the clock on a
  // millisecond at a time for ms milliseconds, polling again.
  void Pump(int ms) override {
    for (int t = 0; t <= ms; t++) {
      for (int i = 0; i < 20; i++) {
        a_.Poll();
        b_.Poll();
      }
      if (t < ms)
        tern_sim_advance(1);
    }
  }

 private:
  tern_simnet net_;
  tern_simlink link_;
  Stack a_, b_;
  tern_tcp_listener lst_;
  tern_waiter accept_w_ = TERN_WAITER_INIT;
  tern_tcp_conn *peer_ = nullptr;
  tern_test::CountingWaker accept_waker_, peer_waker_;
};

const tern_test::StreamParam kTcp =
    tern_test::MakeStreamParam<TcpFixture>("tcp");

INSTANTIATE_TEST_SUITE_P(Tcp, StreamContract, ::testing::Values(kTcp),
                         tern_test::StreamParamName);
INSTANTIATE_TEST_SUITE_P(Tcp, StreamCloseReachesPeerContract,
                         ::testing::Values(kTcp), tern_test::StreamParamName);

}  // namespace
