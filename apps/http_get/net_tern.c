/* The http_get program over tern's own stack (//sockets/tern) on a TAP
 * device: Ethernet, ARP, IPv4, TCP; options --tap NAME --addr A.B.C.D/P
 * [--gw G]. One socket, one connection with a 1 KB send ring and a 16 KB
 * receive ring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/http_get/host_net.h"
#include "tern/ethernet.h"
#include "tern/host_args.h"
#include "tern/host_netdev.h"
#include "tern/host_rng.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/socket_tern.h"
#include "tern/tcp.h"

const char *const http_host_net_usage = "--tap NAME --addr A.B.C.D/P [--gw G]";

#define PKT_SIZE 1536
#define PKT_COUNT 32
#define TX_RING 1024
#define RX_RING 16384

TERN_PKT_POOL_DEFINE(pool, PKT_COUNT, PKT_SIZE);

static const char *tap, *addr, *gw;
static tern_host_netdev host_dev;
static tern_eth eth;
static tern_neighbour4 neighbours[8];
static tern_rng rng;
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_ip_iface iface;
static tern_tcp_layer tcp;
static tern_task ip_task, tcp_task;
static tern_socket_tern net;
static tern_socket_tern_sock socks[1];
static tern_tcp_conn conns[1];
static uint8_t tcp_bufs[TX_RING + RX_RING];

int http_host_net_option(const char *name, const char *value) {
  if (strcmp(name, "--tap") == 0) {
    tap = value;
  } else if (strcmp(name, "--addr") == 0) {
    addr = value;
  } else if (strcmp(name, "--gw") == 0) {
    gw = value;
  } else {
    return 0;
  }
  return 1;
}

static void check(const char *prog, const char *what, int rc) {
  if (rc != 0) {
    fprintf(stderr, "%s: %s: %s\n", prog, what, tern_strerror(rc));
    exit(1);
  }
}

static tern_poll ip_run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_ip_stack_poll_run(&ip, cx);
}

static tern_poll tcp_run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_tcp_poll_run(&tcp, cx);
}

tern_net *http_host_net_open(tern_executor *ex, const char *prog) {
  if (tap == NULL || addr == NULL) {
    fprintf(stderr, "%s: --tap and --addr are required\n", prog);
    exit(2);
  }
  tern_ipv4_addr a, g;
  uint8_t prefix;
  if (!tern_host_arg_prefix(addr, &a, &prefix)) {
    fprintf(stderr, "%s: bad --addr %s (want A.B.C.D/P)\n", prog, addr);
    exit(2);
  }
  if (gw != NULL && tern_ipv4_parse(&g, gw, strlen(gw)) != 0) {
    fprintf(stderr, "%s: bad --gw %s (want A.B.C.D)\n", prog, gw);
    exit(2);
  }
  tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
  cfg.ifname = tap;
  cfg.rx_pool = &pool;
  check(prog, tap, tern_host_tap_open(&host_dev, &cfg));
  check(prog, "ethernet",
        tern_eth_init(&eth, tern_host_netdev_get(&host_dev), &pool, neighbours,
                      sizeof neighbours / sizeof neighbours[0]));
  rng = tern_host_rng();
  check(prog, "ip", tern_ip_stack_init(&ip, &pool, &rng));
  check(prog, "ipv4", tern_ipv4_init(&v4, &ip));
  check(prog, "iface", tern_ip_iface_add(&ip, &iface, tern_eth_netdev(&eth)));
  check(prog, "addr",
        tern_ipv4_set_addr(&iface, &a, prefix, gw != NULL ? &g : NULL));
  check(prog, "tcp", tern_tcp_init(&tcp, &ip, NULL));
  tern_socket_tern_storage st = {socks,   1,       conns, 1, tcp_bufs,
                                 TX_RING, RX_RING, NULL,  0};
  check(prog, "sockets", tern_socket_tern_init(&net, &tcp, NULL, &st));
  tern_task_init(&ip_task, ip_run);
  tern_task_init(&tcp_task, tcp_run);
  check(prog, "spawn", tern_spawn(ex, &ip_task));
  check(prog, "spawn", tern_spawn(ex, &tcp_task));
  return tern_socket_tern_net(&net);
}
