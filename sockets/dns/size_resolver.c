/* Not a product: the resolver (tern/dns.h) with the codec and the cache
 * under it, polled over a socket backend the compiler cannot see (a net
 * pointer read from a volatile), so that the micro:bit (Cortex-M0) size
 * report shows what the three cost together:
 * `bazel run //sockets/dns:size_resolver_m0_size` (always -c opt). */
#include <stdint.h>

#include "tern/board.h"
#include "tern/dns.h"
#include "tern/err.h"

static tern_net *volatile net_in;
static volatile uint8_t input[8];
static volatile char name_in[32];
static tern_endpoint servers[2];
static uint8_t answer[TERN_DNS_UDP_MAX];
static tern_dns_cache_entry slots[4];
static tern_dns_cache cache;
static tern_dns_resolver res;

static int fill(void *self, void *buf, size_t len) {
  (void)self;
  uint8_t *b = buf;
  for (size_t i = 0; i < len; i++) {
    b[i] = input[i & 7];
  }
  return 0;
}

static void wake(void *ctx) {
  (void)ctx;
}

int main(void) {
  char name[sizeof name_in];
  for (size_t i = 0; i < sizeof name; i++) {
    name[i] = name_in[i];
  }
  const tern_rng rng = {fill, NULL};
  const tern_dns_config cfg = {servers, 2, 3, 1000};
  tern_dns_cache_init(&cache, slots, 4);
  tern_dns_resolver_init(&res, net_in, &rng, &cache, &cfg, answer,
                         sizeof answer);
  tern_timer_queue q = TERN_TIMER_QUEUE_INIT;
  tern_cx cx = tern_cx_make((tern_waker){wake, NULL}, &q);
  tern_ip_addr addrs[2];
  int n = 0;
  unsigned qtype = input[0] & 1 ? TERN_DNS_TYPE_AAAA : TERN_DNS_TYPE_A;
  while (tern_dns_poll_resolve(&res, &cx, name, qtype, addrs, 2, &n) ==
         TERN_PENDING) {
    tern_timer_queue_fire(&q, tern_now());
  }
  tern_board_console_puts(n > 0 ? "ok" : "no");
  tern_dns_resolver_cancel(&res);
  return 0;
}
