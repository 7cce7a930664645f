/* Not a product: a stack with the DHCP client (Ethernet over a memory
 * netdev, IPv4, UDP, the client with an RFC 5227 probe), built for the
 * micro:bit (Cortex-M0) only so that the size report can show what the
 * client costs on that core: `bazel run //ip/dhcpv4:size_m0_size` (built
 * -c opt whatever -c says). */
#include <string.h>

#include "tern/dhcpv4.h"
#include "tern/ethernet.h"
#include "tern/executor.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/udp.h"

TERN_PKT_POOL_DEFINE(pool, 4, 600);

static tern_executor ex;
static tern_memnetdev_pair wire;
static tern_eth eth;
static tern_neighbour4 neighbours[4];
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_ip_iface iface;
static tern_udp_layer udp;
static tern_dhcpv4 dhcp;
static tern_task runner, client, watcher;

/* A constant RNG: what it returns costs nothing in the client. */
static int fixed_fill(void *self, void *buf, size_t len) {
  (void)self;
  memset(buf, 0x5a, len);
  return 0;
}

static int probe(void *ctx, const tern_ipv4_addr *addr) {
  return tern_eth_probe(ctx, addr);
}

static tern_poll runner_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_ip_stack_poll_run(&ip, cx);
}

static tern_poll client_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_dhcpv4_poll_run(&dhcp, cx);
}

static volatile uint8_t prefix;

static tern_poll watcher_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  tern_dhcpv4_lease l;
  while (tern_dhcpv4_poll_lease(&dhcp, cx, &l) == TERN_READY) {
    prefix = l.prefix_len;
  }
  return TERN_PENDING;
}

int main(void) {
  tern_executor_init(&ex);
  tern_memnetdev_config cfg = {
      600, 0, TERN_MEDIUM_ETHERNET, {2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, 2};
  tern_memnetdev_init(&wire, &cfg);
  const tern_rng rng = {fixed_fill, NULL};
  tern_dhcpv4_config dc = {
      .hostname = "tern", .probe = probe, .probe_ctx = &eth};
  if (tern_eth_init(&eth, tern_memnetdev_a(&wire), &pool, neighbours, 4) != 0 ||
      tern_ip_stack_init(&ip, &pool, &rng) != 0 ||
      tern_ipv4_init(&v4, &ip) != 0 ||
      tern_ip_iface_add(&ip, &iface, tern_eth_netdev(&eth)) != 0 ||
      tern_udp_init(&udp, &ip) != 0 ||
      tern_dhcpv4_start(&dhcp, &udp, &iface, &dc) != 0) {
    return 1;
  }
  tern_task_init(&runner, runner_poll);
  tern_task_init(&client, client_poll);
  tern_task_init(&watcher, watcher_poll);
  tern_spawn(&ex, &runner);
  tern_spawn(&ex, &client);
  tern_spawn(&ex, &watcher);
  tern_executor_run(&ex, NULL);
  return 0;
}
