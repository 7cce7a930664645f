/* Not a product: the IPv4 stack over a memory netdev (medium IP), built
 * for the micro:bit (Cortex-M0) so that the size report shows what the
 * reassembler costs on that core. With TERN_SIZE_REASSEMBLY a reassembler
 * is attached (one buffer of 1 KB of payload); without, the same stack
 * has none, and the difference is everything reassembly adds.
 * `bazel run //ip/ipv4:size_reasm_m0_size` and
 * `//ip/ipv4:size_noreasm_m0_size` (built -c opt whatever -c says). */
#include <string.h>

#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#ifdef TERN_SIZE_REASSEMBLY
#include "tern/reassembly.h"
#endif

TERN_PKT_POOL_DEFINE(pool, 4, 600);
#ifdef TERN_SIZE_REASSEMBLY
TERN_PKT_POOL_DEFINE(reasm_pool, 1, TERN_IPV4_REASM_OVERHEAD + 1024);
static tern_ipv4_reasm reasm;
#endif

static tern_executor ex;
static tern_memnetdev_pair wire;
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_ip_iface iface;
static tern_task runner;

/* The size build's RNG: a constant (what it returns costs nothing in the
 * layers measured). */
static int fixed_fill(void *self, void *buf, size_t len) {
  (void)self;
  memset(buf, 0x5a, len);
  return 0;
}

static tern_poll run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_ip_stack_poll_run(&ip, cx);
}

int main(void) {
  const tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 15);
  const tern_rng rng = {fixed_fill, NULL};
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  tern_executor_init(&ex);
  tern_memnetdev_init(&wire, &cfg);
  int rc = tern_ip_stack_init(&ip, &pool, &rng);
  if (rc == 0) {
    rc = tern_ipv4_init(&v4, &ip);
  }
#ifdef TERN_SIZE_REASSEMBLY
  if (rc == 0) {
    rc = tern_ipv4_reasm_init(&reasm, &v4, &reasm_pool);
  }
#endif
  if (rc == 0) {
    rc = tern_ip_iface_add(&ip, &iface, tern_memnetdev_a(&wire));
  }
  if (rc == 0) {
    rc = tern_ipv4_set_addr(&iface, &addr, 24, NULL);
  }
  if (rc != 0) {
    return 1;
  }
  tern_task_init(&runner, run);
  if (tern_spawn(&ex, &runner) != 0) {
    return 1;
  }
  tern_executor_run(&ex, NULL);
  return 0;
}
