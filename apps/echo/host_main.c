/* The echo application on Linux: UDP echo on port 7 and ping, over
 *   --tap NAME   a TAP interface (Ethernet frames; ARP by link/ethernet),
 *   --tun NAME   a TUN interface (IP packets),
 *   --slip PATH  SLIP over a serial device or pty (e.g. a QEMU board's UART),
 * with --addr A.B.C.D/P, optionally --gw G.H.I.J, --pcap FILE (every packet
 * on the device, openable in Wireshark or tshark) and --mtu N (SLIP); or,
 * on TAP, --dhcp in place of --addr and --gw: the address comes from a
 * DHCP server (optionally --dhcp-remember A.B.C.D: INIT-REBOOT with it
 * first), and each lease is printed.
 * Runs until SIGINT or SIGTERM; prints one line when it is listening. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "apps/echo/echo.h"
#include "tern/dhcpv4.h"
#include "tern/ethernet.h"
#include "tern/host_fd_stream.h"
#include "tern/host_netdev.h"
#include "tern/host_rng.h"
#include "tern/pcap.h"
#include "tern/slip.h"

#define PKT_SIZE 1536
#define PKT_COUNT 64

TERN_PKT_POOL_DEFINE(pool, PKT_COUNT, PKT_SIZE);

static tern_executor ex;
static tern_echo_app app;
static tern_host_netdev host_dev;
static tern_host_fd_stream serial;
static tern_slip slip;
static uint8_t slip_tx[2 * PKT_SIZE + 2];
static tern_eth eth;
static tern_neighbour4 neighbours[16];
static tern_pcap pcap;
static uint8_t pcap_scratch[PKT_SIZE];

/* --dhcp: the client, its task and the task that prints each lease. */
static struct {
  tern_dhcpv4 client;
  tern_task run;
  tern_task print;
} dhcp;

static tern_poll dhcp_run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_dhcpv4_poll_run(&dhcp.client, cx);
}

static int dhcp_probe(void *ctx, const tern_ipv4_addr *addr) {
  return tern_eth_probe(ctx, addr);
}

static tern_poll dhcp_print(tern_task *t, tern_cx *cx) {
  (void)t;
  tern_dhcpv4_lease l;
  while (tern_dhcpv4_poll_lease(&dhcp.client, cx, &l) == TERN_READY) {
    char a[TERN_IPV4_STRLEN], r[TERN_IPV4_STRLEN], s[TERN_IPV4_STRLEN];
    tern_ipv4_format(&l.addr, a, sizeof a);
    tern_ipv4_format(&l.router, r, sizeof r);
    tern_ipv4_format(&l.server, s, sizeof s);
    tern_dhcpv4_stats st = tern_dhcpv4_get_stats(&dhcp.client);
    if (l.addr.b[0] == 0) {
      printf("echo: dhcp lease lost (naks %u, expiries %u)\n",
             (unsigned)st.naks, (unsigned)st.expiries);
    } else {
      printf(
          "echo: dhcp lease %s/%u router %s server %s lease %us t1 %us "
          "t2 %us naks %u dns",
          a, l.prefix_len, r, s, (unsigned)l.lease_s, (unsigned)l.t1_s,
          (unsigned)l.t2_s, (unsigned)st.naks);
      for (int i = 0; i < l.n_dns; i++) {
        tern_ipv4_format(&l.dns[i], a, sizeof a);
        printf(" %s", a);
      }
      printf("\n");
    }
    fflush(stdout);
  }
  return TERN_PENDING;
}

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s (--tap NAME | --tun NAME | --slip PATH) (--addr A/P "
          "[--gw G] | --dhcp [--dhcp-remember A]) [--pcap FILE] [--mtu N]\n",
          argv0);
  exit(2);
}

static void on_signal(int sig) {
  (void)sig;
  _exit(0); /* the pcap file is written record by record: nothing to flush */
}

static int parse_prefix(const char *s, tern_ipv4_addr *addr, uint8_t *len) {
  const char *slash = strchr(s, '/');
  if (slash == NULL) {
    return -1;
  }
  char *end = NULL;
  long p = strtol(slash + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 32) {
    return -1;
  }
  *len = (uint8_t)p;
  return tern_ipv4_parse(addr, s, (size_t)(slash - s));
}

static void die(const char *what, int err) {
  fprintf(stderr, "echo: %s: %s\n", what, tern_strerror(err));
  exit(1);
}

int main(int argc, char **argv) {
  const char *tap = NULL, *tun = NULL, *slip_path = NULL, *pcap_path = NULL;
  const char *addr_s = NULL, *gw_s = NULL, *remember_s = NULL;
  long mtu = 0;
  int use_dhcp = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--dhcp") == 0) {
      use_dhcp = 1;
      continue;
    }
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) {
      usage(argv[0]);
    }
    if (strcmp(argv[i], "--tap") == 0) {
      tap = v;
    } else if (strcmp(argv[i], "--tun") == 0) {
      tun = v;
    } else if (strcmp(argv[i], "--slip") == 0) {
      slip_path = v;
    } else if (strcmp(argv[i], "--addr") == 0) {
      addr_s = v;
    } else if (strcmp(argv[i], "--gw") == 0) {
      gw_s = v;
    } else if (strcmp(argv[i], "--pcap") == 0) {
      pcap_path = v;
    } else if (strcmp(argv[i], "--mtu") == 0) {
      mtu = strtol(v, NULL, 10);
    } else if (strcmp(argv[i], "--dhcp-remember") == 0) {
      remember_s = v;
    } else {
      usage(argv[0]);
    }
    i++;
  }
  if ((tap != NULL) + (tun != NULL) + (slip_path != NULL) != 1 ||
      (addr_s == NULL) == !use_dhcp || (use_dhcp && tap == NULL) ||
      (use_dhcp && gw_s != NULL) || (remember_s != NULL && !use_dhcp)) {
    usage(argv[0]);
  }
  tern_ipv4_addr addr = {{0, 0, 0, 0}}, gw, remember = {{0, 0, 0, 0}};
  uint8_t prefix = 0;
  if (remember_s != NULL &&
      tern_ipv4_parse(&remember, remember_s, strlen(remember_s)) != 0) {
    fprintf(stderr, "echo: bad --dhcp-remember %s\n", remember_s);
    return 2;
  }
  if (addr_s != NULL && parse_prefix(addr_s, &addr, &prefix) != 0) {
    fprintf(stderr, "echo: bad --addr %s (want A.B.C.D/P)\n", addr_s);
    return 2;
  }
  if (gw_s != NULL && tern_ipv4_parse(&gw, gw_s, strlen(gw_s)) != 0) {
    fprintf(stderr, "echo: bad --gw %s\n", gw_s);
    return 2;
  }

  tern_executor_init(&ex);
  int rc;
  tern_netdev dev;
  if (slip_path != NULL) {
    int fd = open(slip_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
      perror(slip_path);
      return 1;
    }
    struct termios tio;
    if (tcgetattr(fd, &tio) == 0) {
      cfmakeraw(&tio);
      tcsetattr(fd, TCSANOW, &tio);
    }
    rc = tern_host_fd_stream_open(&serial, fd, fd);
    if (rc != 0) {
      die("serial", rc);
    }
    rc = tern_slip_init(&slip, tern_host_fd_stream_get(&serial), &pool, slip_tx,
                        sizeof slip_tx, mtu > 0 ? (size_t)mtu : 1006);
    if (rc != 0) {
      die("slip", rc);
    }
    dev = tern_slip_netdev(&slip);
  } else {
    tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
    cfg.ifname = tap != NULL ? tap : tun;
    cfg.rx_pool = &pool;
    rc = tap != NULL ? tern_host_tap_open(&host_dev, &cfg)
                     : tern_host_tun_open(&host_dev, &cfg);
    if (rc != 0) {
      die(cfg.ifname, rc);
    }
    dev = tern_host_netdev_get(&host_dev);
  }
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
  if (tap != NULL) {
    rc = tern_eth_init(&eth, dev, &pool, neighbours,
                       sizeof neighbours / sizeof neighbours[0]);
    if (rc != 0) {
      die("ethernet", rc);
    }
    dev = tern_eth_netdev(&eth);
  }
  tern_rng rng = tern_host_rng();
  rc = tern_echo_start(&app, &ex, &pool, &rng, dev, use_dhcp ? NULL : &addr,
                       prefix, gw_s != NULL ? &gw : NULL);
  if (rc != 0) {
    die("start", rc);
  }
  if (use_dhcp) {
    tern_dhcpv4_config dc = {.hostname = "tern-echo",
                             .remembered = remember,
                             .probe = dhcp_probe,
                             .probe_ctx = &eth};
    rc = tern_dhcpv4_start(&dhcp.client, &app.udp, &app.iface, &dc);
    if (rc != 0) {
      die("dhcp", rc);
    }
    tern_task_init(&dhcp.run, dhcp_run);
    tern_task_init(&dhcp.print, dhcp_print);
    tern_spawn(&ex, &dhcp.run);
    tern_spawn(&ex, &dhcp.print);
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  char text[TERN_IPV4_STRLEN];
  tern_ipv4_format(&addr, text, sizeof text);
  printf("echo: listening on %s:%d/udp (%s)\n", text, TERN_ECHO_PORT,
         tap != NULL   ? tap
         : tun != NULL ? tun
                       : slip_path);
  fflush(stdout);
  tern_executor_run(&ex, NULL);
  return 0;
}
