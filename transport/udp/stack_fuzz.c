// Fuzz target for the whole receive path: the input is one datagram
// handed to an IP stack with IPv4 (192.0.2.2/24) by its device, with a UDP
// socket bound on port 7 and the socket's ring drained after each input.
// Nothing may crash or read out of bounds, and afterwards every packet
// must be back in its pool (no leak) and nothing left queued.
//
// The first input byte steers the fuzzer past the checksums it cannot
// guess and through the stack's states: bit 0 recomputes the IPv4 header
// checksum, bit 1 makes the destination 192.0.2.2, bit 2 zeroes a UDP
// checksum (RFC 768: none), bit 3 lets the ICMP rate limiter refill, bit 4
// connects the socket to 192.0.2.1:40000 (so ICMP errors about it count),
// bit 5 takes the interface's address away (unicast is then delivered as
// unconfigured), bits 6-7 are the link-layer cast the device reports
// (unicast, broadcast, multicast, and 3: as if looped back by the stack
// itself, which no device does). The rest is the datagram.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/checksum.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/sim.h"
#include "tern/udp.h"

/* Written in C: clang's -fsanitize=function instruments indirect calls
 * in C++ (the netdev wrappers), and the fuzz link lacks its runtime. */

#define BUF 1600
#define MTU 1500
static uint8_t stack_storage[TERN_PKT_POOL_STORAGE_SIZE(4, BUF)]
    __attribute__((aligned(16)));
static uint8_t peer_storage[TERN_PKT_POOL_STORAGE_SIZE(4, BUF)]
    __attribute__((aligned(16)));
static tern_pkt_pool stack_pool, peer_pool;
static tern_memnetdev_pair pair;
static tern_ip_stack stack;
static tern_ipv4_layer v4;
static tern_ip_iface iface;
static tern_udp_layer udp;
static tern_udp_sock sock;
static uint8_t ring[512];
static int ready;

/* Reports which check failed, then aborts (the fuzzer keeps the input). */
#define FAIL()                                                          \
  do {                                                                  \
    fprintf(stderr, "stack_fuzz: check at line %d failed\n", __LINE__); \
    abort();                                                            \
  } while (0)

static void nop(void *ctx) {
  (void)ctx;
}

/* A deterministic RNG: the same identifiers for the same inputs. */
static int rng_fill(void *self, void *buf, size_t len) {
  uint32_t *state = self;
  uint8_t *b = buf;
  for (size_t i = 0; i < len; i++) {
    *state = *state * 1103515245u + 12345u;
    b[i] = (uint8_t)(*state >> 16);
  }
  return 0;
}
static uint32_t rng_state = 1;

/* End A of the memory pair, reporting the link-layer cast of each packet
 * it receives as the input says (an Ethernet adapter's job). */
static uint8_t next_cast;
static tern_netdev inner;

static tern_poll cast_recv(void *self, tern_cx *cx, tern_pkt **p, int *err) {
  (void)self;
  tern_poll r = tern_netdev_poll_recv(&inner, cx, p, err);
  if (r == TERN_READY && *p != NULL) {
    (*p)->link_cast = next_cast;
  }
  return r;
}
static tern_poll cast_send(void *self, tern_cx *cx, tern_pkt *p, int *err) {
  (void)self;
  return tern_netdev_poll_send(&inner, cx, p, err);
}
static void cast_info(void *self, tern_netdev_info *info) {
  (void)self;
  *info = tern_netdev_get_info(&inner);
}
static const tern_netdev_ops cast_ops = {
    .poll_recv = cast_recv,
    .poll_send = cast_send,
    .get_info = cast_info,
};

static const tern_ipv4_addr addr = {{192, 0, 2, 2}};
static const tern_ipv4_addr gw = {{192, 0, 2, 1}};

static void set_up(void) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.headroom = 14;
  tern_memnetdev_init(&pair, &cfg);
  inner = tern_memnetdev_a(&pair);
  tern_netdev dev = {&cast_ops, NULL};
  tern_rng rng = {rng_fill, &rng_state};
  tern_endpoint local = {.port = 7};
  if (tern_pkt_pool_init(&stack_pool, stack_storage, sizeof stack_storage,
                         BUF) != 4 ||
      tern_pkt_pool_init(&peer_pool, peer_storage, sizeof peer_storage, BUF) !=
          4 ||
      tern_ip_stack_init(&stack, &stack_pool, &rng) != 0 ||
      tern_ipv4_init(&v4, &stack) != 0 ||
      tern_ip_iface_add(&stack, &iface, dev) != 0 ||
      tern_ipv4_set_addr(&iface, &addr, 24, &gw) != 0 ||
      tern_udp_init(&udp, &stack) != 0 ||
      tern_udp_bind(&udp, &sock, &local, ring, sizeof ring) != 0) {
    FAIL();
  }
  ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) {
    set_up();
  }
  if (size < 1 || size - 1 > MTU) { /* a device delivers no more */
    return 0;
  }
  uint8_t flags = data[0];
  tern_waker w = {nop, NULL};
  tern_cx cx = tern_cx_make(w, NULL); /* nothing on this path arms a timer */
  if (flags & 8) {
    tern_sim_advance(1000);
  }
  tern_endpoint peer = {.port = 40000};
  peer.addr.family = TERN_IP_V4;
  peer.addr.u.v4 = gw;
  if (tern_udp_connect(&sock, (flags & 16) != 0 ? &peer : NULL) != 0 ||
      tern_ipv4_set_addr(&iface, (flags & 32) != 0 ? NULL : &addr, 24, &gw) !=
          0) {
    FAIL();
  }
  next_cast = (uint8_t)(flags >> 6);
  tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool);
  if (p == NULL || tern_pkt_reserve(p, 64) != 0) {
    FAIL();
  }
  uint8_t *d = tern_pkt_put(p, size - 1);
  memcpy(d, data + 1, size - 1);
  size_t n = size - 1;
  if (n >= 20) {
    size_t hlen = (size_t)(d[0] & 0x0f) * 4;
    if ((flags & 2) != 0) {
      d[16] = 192;
      d[17] = 0;
      d[18] = 2;
      d[19] = 2;
    }
    if ((flags & 4) != 0 && hlen >= 20 && n >= hlen + 8) {
      d[hlen + 6] = d[hlen + 7] = 0;
    }
    if ((flags & 1) != 0 && hlen >= 20 && hlen <= n) {
      d[10] = d[11] = 0;
      uint16_t c = tern_checksum(d, hlen);
      d[10] = (uint8_t)(c >> 8);
      d[11] = (uint8_t)c;
    }
  }
  tern_netdev peer_dev = tern_memnetdev_b(&pair);
  int err = 0;
  if (tern_netdev_poll_send(&peer_dev, &cx, p, &err) != TERN_READY ||
      err != 0) {
    FAIL();
  }
  for (int i = 0; i < 4; i++) {
    (void)tern_ip_stack_poll_run(&stack, &cx);
  }
  // Whatever the stack answered goes back to its pool.
  tern_pkt *out;
  while (tern_netdev_poll_recv(&peer_dev, &cx, &out, &err) == TERN_READY) {
    if (err != 0 || tern_pkt_len(out) > MTU) {
      FAIL();
    }
    tern_pkt_free(out);
  }
  // The socket's ring drained: datagrams whole, an error of a connected
  // socket reported first.
  uint8_t buf[600];
  tern_udp_msg msg;
  int got;
  while (tern_udp_poll_recv_msg(&sock, &cx, &msg, buf, sizeof buf, &got) ==
         TERN_READY) {
    if (got < 0) { /* an ICMP error: every one reaches a connected socket */
      if ((flags & 16) == 0) {
        FAIL(); /* an unconnected socket hears of no error */
      }
      continue;
    }
    if (got < 0 || (size_t)got + TERN_UDP_RECORD_HDR4 > sizeof ring ||
        msg.src.addr.family != TERN_IP_V4 || msg.src.scope != iface.id ||
        ((msg.flags & TERN_IP_RX_UNCONFIGURED) != 0)) {
      FAIL(); /* unconfigured unicast is for a scoped socket only */
    }
  }
  if (tern_udp_pending(&sock) != 0 ||
      tern_pkt_pool_available(&stack_pool) != 4 ||
      tern_pkt_pool_available(&peer_pool) != 4 || iface.txq_head != NULL ||
      iface.txq_len != 0) {
    FAIL();
  }
  return 0;
}
