/* Not a product: the echo application over a memory netdev instead of a
 * driver, built for the micro:bit (Cortex-M0) only so that the size report
 * can show what the protocol layers cost on that core. With
 * TERN_SIZE_ETHERNET the stack is Ethernet + ARP + IPv4 + ICMP + UDP (the
 * micro:bit has no Ethernet, hence the memory device); without, it is
 * SLIP + IPv4 + ICMP + UDP; with TERN_SIZE_PPP, PPP (LCP, PAP, IPCP) +
 * IPv4 + ICMP + UDP, and with TERN_SIZE_PPP_FULL too, CHAP-MD5, IPV6CP
 * and the keepalive linked as well (`//apps/echo:size_ppp_full_m0_size`).
 * `bazel run
 * //apps/echo:size_eth_m0_size`,
 * `//apps/echo:size_slip_m0_size` and `//apps/echo:size_ppp_m0_size`
 * (built -c opt whatever -c says). */
#include <string.h>

#include "apps/echo/echo.h"
#include "tern/memnetdev.h"
#include "tern/memstream.h"
#ifdef TERN_SIZE_ETHERNET
#include "tern/ethernet.h"
#elif defined(TERN_SIZE_PPP)
#include "tern/ipv4_ppp.h"
#include "tern/ppp.h"
#else
#include "tern/slip.h"
#endif

#ifdef TERN_SIZE_PPP_FULL
/* IPV6CP needs an MRU of 1280 (tern_ppp_use_ipv6cp refuses less). */
#define PPP_MRU TERN_PPP_MIN_MRU_V6
#else
#define PPP_MRU 576
#endif

#ifdef TERN_SIZE_PPP
TERN_PKT_POOL_DEFINE(pool, 4, PPP_MRU + TERN_PPP_OVERHEAD);
#else
TERN_PKT_POOL_DEFINE(pool, 4, 600);
#endif

static tern_executor ex;
static tern_echo_app app;

/* The size build's RNG: a constant (what it returns costs nothing in the
 * protocol layers; the firmware uses the board's). */
static int fixed_fill(void *self, void *buf, size_t len) {
  (void)self;
  memset(buf, 0x5a, len);
  return 0;
}

#ifdef TERN_SIZE_ETHERNET
static tern_memnetdev_pair wire;
static tern_eth eth;
static tern_neighbour4 neighbours[4];
#elif defined(TERN_SIZE_PPP)
static tern_memstream_pair line;
static uint8_t ring_ab[256], ring_ba[256];
static tern_ppp ppp;
static uint8_t ppp_tx[64];
static tern_ipv4_ppp glue;
#else
static tern_memstream_pair line;
static uint8_t ring_ab[256], ring_ba[256];
static tern_slip slip;
static uint8_t slip_tx[64];
#endif

int main(void) {
  const tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 15);
  tern_executor_init(&ex);
  tern_netdev dev;
#ifdef TERN_SIZE_ETHERNET
  tern_memnetdev_config cfg = {
      600, 0, TERN_MEDIUM_ETHERNET, {2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, 2};
  tern_memnetdev_init(&wire, &cfg);
  if (tern_eth_init(&eth, tern_memnetdev_a(&wire), &pool, neighbours, 4) != 0) {
    return 1;
  }
  dev = tern_eth_netdev(&eth);
#elif defined(TERN_SIZE_PPP)
  const tern_rng ppp_rng = {fixed_fill, NULL};
  tern_ppp_config pc = {0};
  pc.mru = PPP_MRU;
  pc.user = "tern";
  pc.password = "tern";
  tern_memstream_init(&line, ring_ab, sizeof ring_ab, ring_ba, sizeof ring_ba);
  if (tern_ppp_init(&ppp, tern_memstream_a(&line), &pool, ppp_tx, sizeof ppp_tx,
                    &pc, &ppp_rng) != 0) {
    return 1;
  }
#ifdef TERN_SIZE_PPP_FULL
  tern_ppp_use_keepalive(&ppp, 10000, 0);
  tern_ppp_use_chap(&ppp);
  if (tern_ppp_use_ipv6cp(&ppp) != 0) {
    return 1;
  }
#endif
  dev = tern_ppp_netdev(&ppp);
#else
  tern_memstream_init(&line, ring_ab, sizeof ring_ab, ring_ba, sizeof ring_ba);
  if (tern_slip_init(&slip, tern_memstream_a(&line), &pool, slip_tx,
                     sizeof slip_tx, 576) != 0) {
    return 1;
  }
  dev = tern_slip_netdev(&slip);
#endif
  const tern_rng rng = {fixed_fill, NULL};
  if (tern_echo_start(&app, &ex, &pool, &rng, dev, &addr, 24, NULL) != 0) {
    return 1;
  }
#ifdef TERN_SIZE_PPP
  if (tern_ipv4_ppp_start(&glue, &ex, &ppp, &app.iface) != 0) {
    return 1;
  }
#endif
  tern_executor_run(&ex, NULL);
  return 0;
}
