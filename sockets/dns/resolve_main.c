/* resolve: like `dig +short`, over the resolver (tern/dns.h).
 *
 *   resolve [--tap NAME --addr A.B.C.D/P [--gw G]] [--timeout MS]
 *           [--rounds N] --server IP [--server IP ...] NAME [A|AAAA]
 *
 * With --tap: over tern's own stack (IPv4, UDP, TCP) on that TAP device,
 * through the tern socket backend. Without: over the host's sockets
 * (the posix backend). Prints each address on its own line; exits 0, or
 * 1 with one line on stderr (NXDOMAIN, no data, timeout, no server
 * reached, a bad answer),
 * or 2 for a bad command line (each value is checked whole: --timeout
 * 1..60000, --rounds 1..8, digits only). -v: the resolver's counters on
 * stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/dns.h"
#include "tern/ethernet.h"
#include "tern/executor.h"
#include "tern/host_args.h"
#include "tern/host_netdev.h"
#include "tern/host_rng.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/socket_posix.h"
#include "tern/socket_tern.h"
#include "tern/tcp.h"
#include "tern/udp.h"

#define MAX_SERVERS 4
#define MAX_ADDRS 64

/* The tern stack (--tap). */
TERN_PKT_POOL_DEFINE(pool, 64, 1536);
static tern_host_netdev tap_dev;
static tern_eth eth;
static tern_neighbour4 neighbours[8];
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_ip_iface iface;
static tern_udp_layer udp;
static tern_tcp_layer tcp;
static tern_task ip_task, tcp_task;
static tern_socket_tern_sock tern_socks[2];
static tern_tcp_conn conns[1];
static uint8_t tcp_bufs[1 * (1024 + 4096)];
static uint8_t udp_bufs[2 * 2048];
static tern_socket_tern tern_net_;

/* The host's sockets. */
static tern_socket_posix_sock posix_socks[2];
static tern_socket_posix posix_net;

static tern_executor ex;
static tern_rng rng;
static tern_dns_resolver res;
static uint8_t answer[4096];
static tern_task task;
static const char *name;
static unsigned qtype = TERN_DNS_TYPE_A;
static tern_ip_addr addrs[MAX_ADDRS];
static int result;

static void check(const char *what, int rc) {
  if (rc != 0) {
    fprintf(stderr, "resolve: %s: %s\n", what, tern_strerror(rc));
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

static tern_poll resolve_run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_dns_poll_resolve(&res, cx, name, qtype, addrs, MAX_ADDRS,
                               &result);
}

static void usage(const char *prog) {
  fprintf(
      stderr,
      "usage: %s [-v] [--tap NAME --addr A.B.C.D/P [--gw G]] [--timeout MS] "
      "[--rounds N] --server IP [--server IP ...] NAME [A|AAAA]\n",
      prog);
  exit(2);
}

/* A bad value: one line naming it, exit 2 (before any device is opened). */
static void bad(const char *opt, const char *v, const char *want) {
  fprintf(stderr, "resolve: bad %s %s (want %s)\n", opt, v, want);
  exit(2);
}

static tern_net *open_tap(const char *tap, const tern_ipv4_addr *a,
                          uint8_t prefix, const tern_ipv4_addr *g) {
  tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
  cfg.ifname = tap;
  cfg.rx_pool = &pool;
  check(tap, tern_host_tap_open(&tap_dev, &cfg));
  check("ethernet",
        tern_eth_init(&eth, tern_host_netdev_get(&tap_dev), &pool, neighbours,
                      sizeof neighbours / sizeof neighbours[0]));
  check("ip", tern_ip_stack_init(&ip, &pool, &rng));
  check("ipv4", tern_ipv4_init(&v4, &ip));
  check("iface", tern_ip_iface_add(&ip, &iface, tern_eth_netdev(&eth)));
  check("addr", tern_ipv4_set_addr(&iface, a, prefix, g));
  check("udp", tern_udp_init(&udp, &ip));
  check("tcp", tern_tcp_init(&tcp, &ip, NULL));
  tern_task_init(&ip_task, ip_run);
  tern_task_init(&tcp_task, tcp_run);
  check("spawn", tern_spawn(&ex, &ip_task));
  check("spawn", tern_spawn(&ex, &tcp_task));
  tern_socket_tern_storage st = {tern_socks, 2,    conns,    1,   tcp_bufs,
                                 1024,       4096, udp_bufs, 2048};
  check("sockets", tern_socket_tern_init(&tern_net_, &tcp, &udp, &st));
  return tern_socket_tern_net(&tern_net_);
}

int main(int argc, char **argv) {
  const char *tap = NULL;
  tern_ipv4_addr addr, gw;
  uint8_t prefix = 0;
  int has_addr = 0, has_gw = 0;
  tern_endpoint servers[MAX_SERVERS];
  unsigned nservers = 0;
  uint64_t timeout_ms = 1000, rounds = 2;
  const char *pos[2];
  int npos = 0;
  int verbose = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-v") == 0) {
      verbose = 1;
      continue;
    }
    if (strncmp(a, "--", 2) != 0) {
      if (npos == 2) {
        usage(argv[0]);
      }
      pos[npos++] = a;
      continue;
    }
    if (v == NULL) {
      usage(argv[0]);
    }
    i++;
    if (strcmp(a, "--tap") == 0) {
      tap = v;
    } else if (strcmp(a, "--addr") == 0) {
      if (!tern_host_arg_prefix(v, &addr, &prefix)) {
        bad(a, v, "A.B.C.D/P");
      }
      has_addr = 1;
    } else if (strcmp(a, "--gw") == 0) {
      if (tern_ipv4_parse(&gw, v, strlen(v)) != 0) {
        bad(a, v, "A.B.C.D");
      }
      has_gw = 1;
    } else if (strcmp(a, "--timeout") == 0) {
      if (!tern_host_arg_number(v, 1, 60000, &timeout_ms)) {
        bad(a, v, "milliseconds, 1..60000");
      }
    } else if (strcmp(a, "--rounds") == 0) {
      if (!tern_host_arg_number(v, 1, 8, &rounds)) {
        bad(a, v, "1..8");
      }
    } else if (strcmp(a, "--server") == 0 && nservers < MAX_SERVERS) {
      tern_endpoint *e = &servers[nservers++];
      memset(e, 0, sizeof *e);
      if (tern_ip_parse(&e->addr, v, strlen(v)) != 0) {
        fprintf(stderr, "resolve: bad --server %s\n", v);
        return 2;
      }
      e->port = TERN_DNS_PORT;
    } else {
      usage(argv[0]);
    }
  }
  if (npos == 0 || nservers == 0 || (tap != NULL) != has_addr) {
    usage(argv[0]);
  }
  name = pos[0];
  if (npos == 2) {
    if (strcmp(pos[1], "AAAA") == 0 || strcmp(pos[1], "aaaa") == 0) {
      qtype = TERN_DNS_TYPE_AAAA;
    } else if (strcmp(pos[1], "A") != 0 && strcmp(pos[1], "a") != 0) {
      fprintf(stderr, "resolve: type %s: only A and AAAA\n", pos[1]);
      return 2;
    }
  }

  tern_executor_init(&ex);
  rng = tern_host_rng();
  tern_net *net;
  if (tap != NULL) {
    net = open_tap(tap, &addr, prefix, has_gw ? &gw : NULL);
  } else {
    check("sockets", tern_socket_posix_init(&posix_net, posix_socks, 2));
    net = &posix_net.base;
  }
  tern_dns_config cfg = {servers, (uint8_t)nservers, (uint8_t)rounds,
                         (uint16_t)timeout_ms};
  check("resolver", tern_dns_resolver_init(&res, net, &rng, NULL, &cfg, answer,
                                           sizeof answer));
  tern_task_init(&task, resolve_run);
  check("spawn", tern_spawn(&ex, &task));
  tern_executor_run(&ex, &task);
  if (verbose) {
    const tern_dns_stats *st = &res.stats;
    unsigned drops = 0;
    for (int i = 0; i < TERN_DNS_DROP_COUNT; i++) {
      drops += st->drops[i];
    }
    fprintf(stderr,
            "resolve: %u queries, %u tcp, %u timeouts, %u server errors, %u "
            "socket errors, %u too long, %u dropped\n",
            (unsigned)st->queries, (unsigned)st->tcp, (unsigned)st->timeouts,
            (unsigned)st->server_errors, (unsigned)st->sock_errors,
            (unsigned)st->too_long, drops);
  }

  if (result > 0) {
    for (int i = 0; i < result; i++) {
      char text[TERN_IPV6_STRLEN];
      if (tern_ip_format(&addrs[i], text, sizeof text) > 0) {
        printf("%s\n", text);
      }
    }
    return 0;
  }
  switch (result) {
    case TERN_ENOENT:
      fprintf(stderr, "resolve: %s: NXDOMAIN (no such name)\n", name);
      break;
    case TERN_ENODATA:
      fprintf(stderr, "resolve: %s: no %s record\n", name,
              qtype == TERN_DNS_TYPE_A ? "A" : "AAAA");
      break;
    case TERN_ETIMEDOUT:
      fprintf(stderr, "resolve: %s: timed out (no answer from any server)\n",
              name);
      break;
    case TERN_ECONNREFUSED: /* every attempt refused, or unreachable */
    case TERN_EHOSTUNREACH:
    case TERN_ENETUNREACH:
      fprintf(stderr, "resolve: %s: no server could be reached (%s)\n", name,
              tern_strerror(result));
      break;
    case TERN_EPROTO:
      if (res.last_rcode == TERN_DNS_LAST_REFERRAL) {
        fprintf(stderr, "resolve: %s: bad answer (a referral: no recursion)\n",
                name);
      } else if (res.last_rcode == TERN_DNS_LAST_TRUNCATED) {
        fprintf(stderr, "resolve: %s: bad answer (truncated over TCP too)\n",
                name);
      } else if (res.last_rcode != 0) {
        fprintf(stderr, "resolve: %s: bad answer (last RCODE %u)\n", name,
                res.last_rcode);
      } else {
        fprintf(stderr, "resolve: %s: bad answer (malformed)\n", name);
      }
      break;
    default:
      fprintf(stderr, "resolve: %s: %s\n", name, tern_strerror(result));
      break;
  }
  return 1;
}
