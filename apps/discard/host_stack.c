#include "apps/discard/host_stack.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern/ethernet.h"
#include "tern/host_args.h"
#include "tern/host_netdev.h"
#include "tern/host_rng.h"
#include "tern/pcap.h"

#define PKT_SIZE 1536
#define PKT_COUNT 64

TERN_PKT_POOL_DEFINE(pool, PKT_COUNT, PKT_SIZE);

static tern_host_netdev host_dev;
static tern_eth eth;
static tern_neighbour4 neighbours[16];
static tern_pcap pcap;
static uint8_t pcap_scratch[PKT_SIZE];
static tern_rng rng;

static void check(const char *prog, const char *what, int rc) {
  if (rc != 0) {
    fprintf(stderr, "%s: %s: %s\n", prog, what, tern_strerror(rc));
    exit(1);
  }
}

static tern_poll ip_run(tern_task *t, tern_cx *cx) {
  tern_host_stack *s = TERN_CONTAINER_OF(t, tern_host_stack, ip_task);
  return tern_ip_stack_poll_run(&s->ip, cx);
}

static tern_poll tcp_run(tern_task *t, tern_cx *cx) {
  tern_host_stack *s = TERN_CONTAINER_OF(t, tern_host_stack, tcp_task);
  return tern_tcp_poll_run(&s->tcp, cx);
}

void tern_host_stack_open(tern_host_stack *s, tern_executor *ex,
                          const char *prog, const char *tap, const char *addr,
                          const char *pcap_path) {
  tern_ipv4_addr a;
  uint8_t prefix;
  if (!tern_host_arg_prefix(addr, &a, &prefix)) {
    fprintf(stderr, "%s: bad --addr %s (want A.B.C.D/P)\n", prog, addr);
    exit(2);
  }
  memset(s, 0, sizeof *s);
  tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
  cfg.ifname = tap;
  cfg.rx_pool = &pool;
  check(prog, tap, tern_host_tap_open(&host_dev, &cfg));
  tern_netdev dev = tern_host_netdev_get(&host_dev);
  if (pcap_path != NULL) {
    int fd = open(pcap_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      perror(pcap_path);
      exit(1);
    }
    check(prog, "pcap",
          tern_pcap_init(&pcap, dev, fd, pcap_scratch, sizeof pcap_scratch));
    dev = tern_pcap_netdev(&pcap);
  }
  check(prog, "ethernet",
        tern_eth_init(&eth, dev, &pool, neighbours,
                      sizeof neighbours / sizeof neighbours[0]));
  dev = tern_eth_netdev(&eth);
  rng = tern_host_rng();
  check(prog, "ip", tern_ip_stack_init(&s->ip, &pool, &rng));
  check(prog, "ipv4", tern_ipv4_init(&s->v4, &s->ip));
  check(prog, "iface", tern_ip_iface_add(&s->ip, &s->iface, dev));
  check(prog, "addr", tern_ipv4_set_addr(&s->iface, &a, prefix, NULL));
  check(prog, "udp", tern_udp_init(&s->udp, &s->ip));
  check(prog, "tcp", tern_tcp_init(&s->tcp, &s->ip, NULL));
  tern_task_init(&s->ip_task, ip_run);
  tern_task_init(&s->tcp_task, tcp_run);
  check(prog, "spawn", tern_spawn(ex, &s->ip_task));
  check(prog, "spawn", tern_spawn(ex, &s->tcp_task));
}

static void on_signal(int sig) {
  (void)sig;
  _exit(0); /* the pcap file is written record by record */
}

void tern_host_stack_exit_on_signals(void) {
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
}
