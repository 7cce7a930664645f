// GoogleTest helpers for TCP over platforms/sim's simulated network
// (testonly): one tern stack (IP core, IPv4, TCP) on a simulated link's
// end, with its own packet pool and a seeded RNG, and the lossy link the
// TCP simulations share.
//
//   tern_test::TcpSimStack a, b;                  // e.g. inside a World
//   tern_test::StartTcpSimStack(&a, &ex, tern_simlink_a(&link), 1, seed ^ 0xa);
//   tern_test::StartTcpSimStack(&b, &ex, tern_simlink_b(&link), 2, seed ^ 0xb);
//   ... a.tcp and b.tcp, at 192.0.2.1 and 192.0.2.2 (/24) ...
//
// Used by transport/tcp's sim tests and apps/bulk's; see
// platforms/sim/README.md for the network itself.
#ifndef TERN_TCP_SIM_TESTING_H
#define TERN_TCP_SIM_TESTING_H

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "tern/executor.h"
#include "tern/hal_rng.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/simnet.h"
#include "tern/tcp.h"

namespace tern_test {

// Each stack's pool: 32 packets of 1,536 bytes.
constexpr int kSimPkts = 32;
constexpr int kSimPktSize = 1536;

// A tern_rng drawing from a tern_simrng (self), so a stack's keys and
// ports follow the seed.
inline int SimRngFill(void *self, void *buf, size_t len) {
  auto *r = static_cast<tern_simrng *>(self);
  auto *p = static_cast<uint8_t *>(buf);
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t)tern_simrng_next(r);
  return 0;
}

// One stack: storage for StartTcpSimStack. Other layers (UDP, ...) may be
// added on `ip` after it started.
struct TcpSimStack {
  alignas(8) uint8_t
      pool_storage[TERN_PKT_POOL_STORAGE_SIZE(kSimPkts, kSimPktSize)];
  tern_pkt_pool pool;
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  tern_tcp_layer tcp;
  tern_task ip_task, tcp_task;
  tern_simrng rng_state;
  tern_rng rng;
};

inline tern_poll SimIpRun(tern_task *t, tern_cx *cx) {
  TcpSimStack *n = TERN_CONTAINER_OF(t, TcpSimStack, ip_task);
  return tern_ip_stack_poll_run(&n->ip, cx);
}

inline tern_poll SimTcpRun(tern_task *t, tern_cx *cx) {
  TcpSimStack *n = TERN_CONTAINER_OF(t, TcpSimStack, tcp_task);
  return tern_tcp_poll_run(&n->tcp, cx);
}

// Sets up n on dev as 192.0.2.<last>/24 with TCP (cfg NULL: the defaults),
// its RNG seeded with seed, and spawns its IP and TCP runners on ex.
inline void StartTcpSimStack(TcpSimStack *n, tern_executor *ex, tern_netdev dev,
                             uint8_t last, uint64_t seed,
                             const tern_tcp_config *cfg = nullptr) {
  ASSERT_GT(tern_pkt_pool_init(&n->pool, n->pool_storage,
                               sizeof n->pool_storage, kSimPktSize),
            0);
  tern_simrng_seed(&n->rng_state, seed);
  n->rng = tern_rng{SimRngFill, &n->rng_state};
  ASSERT_EQ(tern_ip_stack_init(&n->ip, &n->pool, &n->rng), 0);
  ASSERT_EQ(tern_ipv4_init(&n->v4, &n->ip), 0);
  ASSERT_EQ(tern_ip_iface_add(&n->ip, &n->iface, dev), 0);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, last);
  ASSERT_EQ(tern_ipv4_set_addr(&n->iface, &a, 24, nullptr), 0);
  ASSERT_EQ(tern_tcp_init(&n->tcp, &n->ip, cfg), 0);
  tern_task_init(&n->ip_task, SimIpRun);
  tern_task_init(&n->tcp_task, SimTcpRun);
  ASSERT_EQ(tern_spawn(ex, &n->ip_task), 0);
  ASSERT_EQ(tern_spawn(ex, &n->tcp_task), 0);
}

// 192.0.2.<last>:port.
inline tern_endpoint SimEndpoint(uint8_t last, uint16_t port) {
  tern_endpoint e = {};
  e.addr.family = TERN_IP_V4;
  e.addr.u.v4 = tern_ipv4(192, 0, 2, last);
  e.port = port;
  return e;
}

// The TCP simulations' link: 2 ms delay, 1 ms jitter, 20 Mbit/s, the loss
// given and, when it is not 0, 0.5 % corruption, 0.5 % duplication and 1 %
// reordering by 3 ms.
inline tern_simlink_config SimLossyLink(uint32_t loss_ppm) {
  tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
  cfg.delay_ms = 2;
  cfg.jitter_ms = 1;
  cfg.bits_per_second = 20000000;
  cfg.loss_ppm = loss_ppm;
  if (loss_ppm != 0) {
    cfg.corrupt_ppm = 5000;
    cfg.duplicate_ppm = 5000;
    cfg.reorder_ppm = 10000;
    cfg.reorder_ms = 3;
  }
  return cfg;
}

}  // namespace tern_test

#endif  // TERN_TCP_SIM_TESTING_H
