/* A benchmark for ip/ipv4/tests/reasm_bench_callgrind.sh: the IPv4 layer
 * with a reassembler (sim port), given the three fragments of Linux's
 * `ping -s 4000` (1480 + 1480 + 1048 bytes of ICMP) straight through the
 * layer's hook, 1000 times; `reassemble` (what callgrind counts) is the
 * three calls and the free of the whole datagram. Not a test. */
#include <stdio.h>
#include <string.h>

#include "tern/checksum.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/reassembly.h"

#define PAYLOAD 4008
#define ROUNDS 1000

TERN_PKT_POOL_DEFINE(pool, 8, 1600);
TERN_PKT_POOL_DEFINE(reasm_pool, 2, TERN_IPV4_REASM_OVERHEAD + 4096);

static tern_memnetdev_pair link;
static tern_ip_stack stack;
static tern_ipv4_layer v4;
static tern_ipv4_reasm reasm;
static tern_ip_iface iface;

static int fill(void *self, void *buf, size_t len) {
  (void)self;
  memset(buf, 0x3c, len);
  return 0;
}

/* The fragment [off, off + n) of a datagram of PAYLOAD bytes, in a packet
 * as the layer hands it over (its header checked). */
static tern_pkt *fragment(unsigned off, unsigned n) {
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
  uint8_t *d = tern_pkt_put(p, 20 + n);
  static const uint8_t h[20] = {0x45, 0, 0,   0, 0x12, 0x34, 0,   0, 64, 1,
                                0,    0, 192, 0, 2,    1,    192, 0, 2,  2};
  memcpy(d, h, 20);
  tern_put_be16(d + 2, 20 + n);
  tern_put_be16(d + 6, (off + n < PAYLOAD ? 0x2000u : 0) | off / 8);
  tern_put_be16(d + 10, tern_checksum(d, 20));
  memset(d + 20, 0xa5, n);
  return p;
}

__attribute__((noinline)) static int reassemble(const tern_ip_rx *rx,
                                                tern_pkt **f) {
  tern_pkt *whole = NULL;
  for (int i = 0; i < 3; i++) {
    tern_pkt *p = v4.reasm_input(v4.reasm, rx, f[i]);
    if (p != NULL) {
      whole = p;
    }
  }
  int n = whole != NULL ? (int)tern_pkt_len(whole) : -1;
  tern_pkt_free(whole);
  return n;
}

int main(void) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  tern_memnetdev_init(&link, &cfg);
  tern_rng rng = {fill, NULL};
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  if (tern_ip_stack_init(&stack, &pool, &rng) != 0 ||
      tern_ipv4_init(&v4, &stack) != 0 ||
      tern_ipv4_reasm_init(&reasm, &v4, &reasm_pool) != 0 ||
      tern_ip_iface_add(&stack, &iface, tern_memnetdev_a(&link)) != 0 ||
      tern_ipv4_set_addr(&iface, &a, 24, NULL) != 0) {
    return 1;
  }
  tern_ip_rx rx = {.iface = &iface};
  rx.src.family = rx.dst.family = TERN_IP_V4;
  memcpy(rx.src.u.w, (const uint8_t[]){192, 0, 2, 1}, 4);
  memcpy(rx.dst.u.w, a.b, 4);
  int n = 0;
  for (int r = 0; r < ROUNDS; r++) {
    tern_pkt *f[3] = {fragment(0, 1480), fragment(1480, 1480),
                      fragment(2960, PAYLOAD - 2960)};
    n = reassemble(&rx, f);
    if (n != 20 + PAYLOAD) {
      fprintf(stderr, "round %d: %d bytes\n", r, n);
      return 1;
    }
  }
  printf("%d datagrams of %d bytes reassembled\n", ROUNDS, n);
  return 0;
}
