// Fuzz target for the whole receive path: the input is one datagram
// handed to an IPv4 stack (192.0.2.2/24) by its device, with a UDP socket
// bound on port 7 and the socket's ring drained after each input. Nothing
// may crash or read out of bounds, and afterwards every packet must be
// back in its pool (no leak) and nothing left queued.
//
// The first input byte steers the fuzzer past the checksums it cannot
// guess: bit 0 recomputes the IPv4 header checksum, bit 1 makes the
// destination 192.0.2.2, bit 2 zeroes a UDP checksum (RFC 768: none),
// bit 3 lets the ICMP rate limiter refill. The rest is the datagram.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/checksum.h"
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
static tern_ipv4_stack stack;
static tern_ipv4_iface iface;
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

static void set_up(void) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.headroom = 14;
  tern_memnetdev_init(&pair, &cfg);
  if (tern_pkt_pool_init(&stack_pool, stack_storage, sizeof stack_storage,
                         BUF) != 4 ||
      tern_pkt_pool_init(&peer_pool, peer_storage, sizeof peer_storage, BUF) !=
          4 ||
      tern_ipv4_stack_init(&stack, &stack_pool) != 0) {
    FAIL();
  }
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
  if (tern_ipv4_iface_add(&stack, &iface, tern_memnetdev_a(&pair), &a, 24,
                          &gw) != 0 ||
      tern_udp_init(&udp, &stack) != 0 ||
      tern_udp_bind(&udp, &sock, 7, ring, sizeof ring) != 0) {
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
  tern_cx cx = tern_cx_make(w);
  if (flags & 8) {
    tern_sim_advance(1000);
  }
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
  tern_netdev peer = tern_memnetdev_b(&pair);
  int err = 0;
  if (tern_netdev_poll_send(&peer, &cx, p, &err) != TERN_READY || err != 0) {
    FAIL();
  }
  for (int i = 0; i < 4; i++) {
    (void)tern_ipv4_stack_poll_run(&stack, &cx);
  }
  // Whatever the stack answered goes back to its pool.
  tern_pkt *out;
  while (tern_netdev_poll_recv(&peer, &cx, &out, &err) == TERN_READY) {
    if (err != 0 || tern_pkt_len(out) > 1500) {
      FAIL();
    }
    tern_pkt_free(out);
  }
  uint8_t buf[600];
  tern_endpoint from;
  int got;
  while (tern_udp_pending(&sock) > 0) {
    if (tern_udp_poll_recv_from(&sock, &cx, &from, buf, sizeof buf, &got) !=
            TERN_READY ||
        got < 0 || (size_t)got + TERN_UDP_RECORD_HDR > sizeof ring) {
      FAIL();
    }
  }
  if (tern_pkt_pool_available(&stack_pool) != 4 ||
      tern_pkt_pool_available(&peer_pool) != 4 || iface.txq_head != NULL) {
    FAIL();
  }
  return 0;
}
