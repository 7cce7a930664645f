/* Not a product: calls every entry point of the DNS codec and cache on
 * bytes the compiler cannot see through, so that the micro:bit (Cortex-M0)
 * size report shows what they cost: `bazel run //sockets/dns:size_m0_size`
 * (always -c opt). */
#include <stdint.h>

#include "tern/board.h"
#include "tern/dns_cache.h"
#include "tern/dns_wire.h"
#include "tern/err.h"

static volatile uint8_t input[TERN_DNS_UDP_MAX];
static volatile uint32_t clock_ms;
static volatile char name_in[32];
static uint8_t msg[sizeof input];
static uint8_t query[2 + TERN_DNS_QUERY_MAX];
static tern_dns_cache_entry slots[4];
static tern_dns_cache cache;

static int fill(void *self, void *buf, size_t len) {
  (void)self;
  uint8_t *b = buf;
  for (size_t i = 0; i < len; i++) {
    b[i] = input[i];
  }
  return 0;
}

int main(void) {
  char name[sizeof name_in];
  for (size_t i = 0; i < sizeof name; i++) {
    name[i] = name_in[i];
  }
  for (size_t i = 0; i < sizeof msg; i++) {
    msg[i] = input[i];
  }
  const tern_rng rng = {fill, NULL};
  tern_dns_cache_init(&cache, slots, 4);
  tern_ip_addr addrs[TERN_DNS_CACHE_ADDRS];
  size_t n;
  unsigned qtype = input[0] & 1 ? TERN_DNS_TYPE_AAAA : TERN_DNS_TYPE_A;
  int r = tern_dns_cache_get(&cache, name, qtype, clock_ms, addrs,
                             TERN_DNS_CACHE_ADDRS, &n);
  if (r == TERN_ENOENT) {
    int qlen =
        tern_dns_query_build(query + 2, sizeof query - 2, name, qtype, &rng);
    if (qlen > 0) {
      r = tern_dns_tcp_prefix(query, (size_t)qlen);
      int len = tern_dns_tcp_length(msg, sizeof msg);
      tern_dns_answer ans;
      r = len > 0
              ? tern_dns_parse(query + 2, (size_t)qlen, msg + 2, (size_t)len,
                               &ans, addrs, TERN_DNS_CACHE_ADDRS)
              : len;
      if (r >= 0 && r <= TERN_DNS_NODATA) {
        tern_dns_cache_put(&cache, name, qtype, r, addrs, ans.n_addrs, ans.ttl,
                           clock_ms);
      }
    }
  }
  tern_board_console_puts(r == 0 ? "ok" : "no");
  tern_dns_cache_clear(&cache);
  return 0;
}
