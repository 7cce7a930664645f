/* A test driver for IPv4 reassembly against the Linux kernel: tern's stack
 * on a TAP device (Ethernet, ARP, IPv4 with a reassembler of two 4 KB
 * buffers, ICMP, UDP), so pings longer than the MTU are answered (the
 * reply cut to the MTU), and a UDP service on port 7 that answers each
 * datagram, however long, with what it got: 8 bytes, its length and the
 * FNV-1a hash of its data (both big-endian), which the test compares with
 * what it sent. Echoing a 3000-byte datagram back is not possible: tern
 * sends unfragmented and UDP cannot be cut.
 *
 *   reasm_host --tap NAME --addr A.B.C.D/P [--pcap FILE]
 *
 * Prints one line when listening, and its counters on SIGTERM/SIGINT. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern/co.h"
#include "tern/ethernet.h"
#include "tern/executor.h"
#include "tern/host_netdev.h"
#include "tern/host_rng.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/pcap.h"
#include "tern/reassembly.h"
#include "tern/udp.h"

#define PKT_SIZE 1536
#define REASM_PAYLOAD 4096

TERN_PKT_POOL_DEFINE(pool, 32, PKT_SIZE);
TERN_PKT_POOL_DEFINE(reasm_pool, 2, TERN_IPV4_REASM_OVERHEAD + REASM_PAYLOAD);

static tern_executor ex;
static tern_host_netdev tap;
static tern_eth eth;
static tern_neighbour4 neighbours[8];
static tern_pcap pcap;
static uint8_t pcap_scratch[PKT_SIZE];
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_ipv4_reasm reasm;
static tern_ip_iface iface;
static tern_udp_layer udp;

static struct { tern_task task; } runner;

static struct {
  tern_task task;
  tern_co co;
  tern_udp_sock sock;
  tern_endpoint peer;
  int n;
  int err;
  uint8_t ring[16384];
  uint8_t buf[REASM_PAYLOAD];
  uint8_t answer[8];
} server;

static tern_poll runner_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_ip_stack_poll_run(&ip, cx);
}

static uint32_t fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h = (h ^ p[i]) * 16777619u;
  }
  return h;
}

static tern_poll server_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  TERN_CO_BEGIN(&server.co);
  for (;;) {
    TERN_CO_AWAIT(&server.co, tern_udp_poll_recv_from(
                                  &server.sock, cx, &server.peer, server.buf,
                                  sizeof server.buf, &server.n));
    if (server.n < 0) {
      continue;
    }
    size_t got = (size_t)server.n < sizeof server.buf ? (size_t)server.n
                                                      : sizeof server.buf;
    tern_put_be32(server.answer, (uint32_t)server.n);
    tern_put_be32(server.answer + 4, fnv1a(server.buf, got));
    TERN_CO_AWAIT(&server.co, tern_udp_poll_send_to(
                                  &server.sock, cx, &server.peer, server.answer,
                                  sizeof server.answer, &server.err));
  }
  TERN_CO_END(&server.co);
}

static void print_stats(int sig) {
  (void)sig;
  tern_ipv4_reasm_stats r = tern_ipv4_reasm_get_stats(&reasm);
  tern_ipv4_stats s = tern_ipv4_get_stats(&v4);
  char line[512];
  int n = snprintf(
      line, sizeof line,
      "reasm: kept %u completed %u duplicates %u bad %u "
      "tiny %u overlap %u too_big %u no_buffer %u timeouts %u evicted %u\n"
      "ipv4: delivered %u fragments %u echo_replies %u tx_too_big %u\n",
      r.kept, r.completed, r.duplicates, r.drop_bad, r.drop_tiny,
      r.drop_overlap, r.drop_too_big, r.drop_no_buffer, r.timeouts, r.evicted,
      s.rx_delivered, s.rx_fragments, s.icmp_echo_replies, s.tx_too_big);
  /* Exiting either way: a failed write has no one left to tell. */
  _exit(n > 0 && write(1, line, (size_t)n) != n ? 1 : 0);
}

static void die(const char *what, int err) {
  fprintf(stderr, "reasm_host: %s: %s\n", what, tern_strerror(err));
  exit(1);
}

int main(int argc, char **argv) {
  const char *tap_name = NULL, *addr_s = NULL, *pcap_path = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--tap") == 0) {
      tap_name = argv[i + 1];
    } else if (strcmp(argv[i], "--addr") == 0) {
      addr_s = argv[i + 1];
    } else if (strcmp(argv[i], "--pcap") == 0) {
      pcap_path = argv[i + 1];
    }
  }
  const char *slash = addr_s != NULL ? strchr(addr_s, '/') : NULL;
  tern_ipv4_addr addr;
  if (tap_name == NULL || slash == NULL ||
      tern_ipv4_parse(&addr, addr_s, (size_t)(slash - addr_s)) != 0) {
    fprintf(stderr, "usage: %s --tap NAME --addr A.B.C.D/P [--pcap FILE]\n",
            argv[0]);
    return 2;
  }
  uint8_t prefix = (uint8_t)atoi(slash + 1);

  tern_executor_init(&ex);
  tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
  cfg.ifname = tap_name;
  cfg.rx_pool = &pool;
  int rc = tern_host_tap_open(&tap, &cfg);
  if (rc != 0) {
    die(tap_name, rc);
  }
  tern_netdev dev = tern_host_netdev_get(&tap);
  if (pcap_path != NULL) {
    int fd = open(pcap_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      perror(pcap_path);
      return 1;
    }
    rc = tern_pcap_init(&pcap, dev, fd, pcap_scratch, sizeof pcap_scratch);
    if (rc != 0) {
      die("pcap", rc);
    }
    dev = tern_pcap_netdev(&pcap);
  }
  rc = tern_eth_init(&eth, dev, &pool, neighbours,
                     sizeof neighbours / sizeof neighbours[0]);
  if (rc != 0) {
    die("ethernet", rc);
  }
  tern_rng rng = tern_host_rng();
  tern_endpoint local = {.port = 7};
  rc = tern_ip_stack_init(&ip, &pool, &rng);
  if (rc == 0) {
    rc = tern_ipv4_init(&v4, &ip);
  }
  if (rc == 0) {
    rc = tern_ipv4_reasm_init(&reasm, &v4, &reasm_pool);
  }
  if (rc == 0) {
    rc = tern_ip_iface_add(&ip, &iface, tern_eth_netdev(&eth));
  }
  if (rc == 0) {
    rc = tern_ipv4_set_addr(&iface, &addr, prefix, NULL);
  }
  if (rc == 0) {
    rc = tern_udp_init(&udp, &ip);
  }
  if (rc == 0) {
    rc = tern_udp_bind(&udp, &server.sock, &local, server.ring,
                       sizeof server.ring);
  }
  if (rc != 0) {
    die("stack", rc);
  }
  tern_task_init(&runner.task, runner_poll);
  tern_task_init(&server.task, server_poll);
  TERN_MUST(tern_spawn(&ex, &runner.task) == 0);
  TERN_MUST(tern_spawn(&ex, &server.task) == 0);
  signal(SIGINT, print_stats);
  signal(SIGTERM, print_stats);
  printf("reasm_host: listening on %s (port 7/udp answers length and hash)\n",
         addr_s);
  fflush(stdout);
  tern_executor_run(&ex, NULL);
  return 0;
}
