// Test support: one tern stack (IPv4, UDP, TCP) with the socket backend
// over it, on a simulated link's end (platforms/sim), for tests that run
// the socket API over tern on virtual time (the contract suite, the DNS
// resolver). Everything is in the struct: allocate it (it is large) and
// call Start; Poll runs the stack's runners and fires due timers.
#ifndef TERN_SOCKETS_TERN_SIM_STACK_H_
#define TERN_SOCKETS_TERN_SIM_STACK_H_

#include <gtest/gtest.h>

#include <cstdint>

#include "executor/test_waker.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/socket_tern.h"
#include "tern/tcp.h"
#include "tern/timer.h"
#include "tern/udp.h"

namespace tern_test {

struct SimSocketStack {
  static constexpr int kPkts = 32;
  static constexpr int kPktSize = 1536;
  static constexpr int kSocks = 4;
  static constexpr int kConns = 4;
  static constexpr uint32_t kRing = 4096;
  static constexpr uint32_t kUdpRing = 2048;

  alignas(8) uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(kPkts, kPktSize)];
  tern_pkt_pool pool;
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  tern_tcp_layer tcp;
  tern_udp_layer udp;
  tern_simrng rng_state;
  tern_rng rng;
  CountingWaker ip_waker, tcp_waker;
  tern_socket_tern_sock socks[kSocks];
  tern_tcp_conn conns[kConns];
  uint8_t tcp_bufs[kConns * 2 * kRing];
  uint8_t udp_bufs[kSocks * kUdpRing];
  tern_socket_tern net;

  static int RngFill(void *self, void *buf, size_t len) {
    auto *r = static_cast<tern_simrng *>(self);
    auto *p = static_cast<uint8_t *>(buf);
    for (size_t i = 0; i < len; i++)
      p[i] = (uint8_t)tern_simrng_next(r);
    return 0;
  }

  // The stack at 192.0.2.last/24 on dev; TCP's TIME-WAIT is 1 s, and
  // user_timeout (ms) replaces the default when not 0.
  void Start(tern_netdev dev, uint8_t last, uint32_t user_timeout = 0) {
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
    tern_tcp_config cfg;
    tern_tcp_config_default(&cfg);
    if (user_timeout != 0) {
      cfg.user_timeout = user_timeout;
    }
    cfg.time_wait = 1000;
    ASSERT_EQ(tern_tcp_init(&tcp, &ip, &cfg), 0);
    ASSERT_EQ(tern_udp_init(&udp, &ip), 0);
    tern_socket_tern_storage st = {socks, kSocks, conns,    kConns,  tcp_bufs,
                                   kRing, kRing,  udp_bufs, kUdpRing};
    ASSERT_EQ(tern_socket_tern_init(&net, &tcp, &udp, &st), 0);
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

}  // namespace tern_test

#endif  // TERN_SOCKETS_TERN_SIM_STACK_H_
