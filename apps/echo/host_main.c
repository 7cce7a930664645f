/* The echo application on Linux: UDP echo on port 7 and ping, over
 *   --tap NAME   a TAP interface (Ethernet frames; ARP by link/ethernet),
 *   --tun NAME   a TUN interface (IP packets),
 *   --slip PATH  SLIP over a serial device or pty (e.g. a QEMU board's UART),
 *   --ppp PATH   PPP over a serial device or pty (the address comes from
 *                IPCP; --ppp-peer A.B.C.D is offered to a peer that asks
 *                for one),
 * with --addr A.B.C.D/P (not with --ppp), optionally --gw G.H.I.J, --pcap
 * FILE (every packet on the device, openable in Wireshark or tshark) and
 * --mtu N (SLIP, 576..1536); or, on TAP, --dhcp in place of --addr and --gw:
 * the address comes from a DHCP server (optionally --dhcp-remember A.B.C.D:
 * INIT-REBOOT with it first), and each lease is printed. With --probe
 * A.B.C.D (PPP) it also sends a datagram to A.B.C.D:7 once a second until
 * the echo comes back, then exits 0 (1 after ten tries).
 * Runs until SIGINT or SIGTERM; prints one line when it is listening. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "apps/echo/echo.h"
#include "apps/echo/echo_tcp.h"
#include "tern/checksum.h"
#include "tern/dhcpv4.h"
#include "tern/ethernet.h"
#include "tern/host_args.h"
#include "tern/host_fd_stream.h"
#include "tern/host_netdev.h"
#include "tern/host_rng.h"
#include "tern/ipv4.h"
#include "tern/ipv4_ppp.h"
#include "tern/pcap.h"
#include "tern/ppp.h"
#include "tern/slip.h"
#include "tern/timer.h"

#define PKT_SIZE 1536
#define PKT_COUNT 64

TERN_PKT_POOL_DEFINE(pool, PKT_COUNT, PKT_SIZE);

static tern_executor ex;
static tern_echo_app app;
static tern_echo_tcp tcp_echo;
static tern_host_netdev host_dev;
static tern_host_fd_stream serial;
static tern_slip slip;
static uint8_t slip_tx[2 * PKT_SIZE + 2];
static tern_ppp ppp;
static uint8_t ppp_tx[256];
static tern_ipv4_ppp ppp_glue;
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
          "[--gw G] | --dhcp [--dhcp-remember A]) [--pcap FILE] [--mtu N]\n"
          "       %s --ppp PATH [--ppp-peer A] [--probe A] [--pcap FILE]\n",
          argv0, argv0);
  exit(2);
}

static void on_signal(int sig) {
  (void)sig;
  _exit(0); /* the pcap file is written record by record: nothing to flush */
}

static void die(const char *what, int err) {
  fprintf(stderr, "echo: %s: %s\n", what, tern_strerror(err));
  exit(1);
}

/* --probe: a UDP round trip to A.B.C.D:7 once the link has an address. */
static const char probe_text[] = "hello over PPP";
static struct {
  tern_task task;
  tern_co co;
  tern_udp_sock sock;
  uint8_t ring[256];
  uint8_t buf[64];
  tern_endpoint peer, from;
  tern_timer timer;
  int n, err, tries;
  uint32_t replies; /* ICMP replies counted when the pings began */
  bool expired;
} probe;

/* Sends an ICMP echo request (ping) to the probe's address: the IPv4
 * layer answers pings, it does not send them, so the probe builds one. */
static void probe_ping(int seq) {
  tern_ip_route r;
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
  if (p == NULL) {
    return;
  }
  if (tern_ip_route_lookup(&app.ip, &probe.peer.addr, 0, &r) != 0 ||
      tern_pkt_reserve(p, r.headroom) != 0) {
    tern_pkt_free(p);
    return;
  }
  uint8_t *m = tern_pkt_put(p, 16);
  const uint8_t req[16] = {8,   0,   0,   0,   0x7e, 0x7d, 0,   (uint8_t)seq,
                           't', 'e', 'r', 'n', ' ',  'p',  'p', 'p'};
  memcpy(m, req, sizeof req);
  uint16_t c = tern_checksum(m, 16);
  m[2] = (uint8_t)(c >> 8);
  m[3] = (uint8_t)c;
  (void)tern_ip_send(&app.ip, p, &r, &probe.peer.addr, 1, 64);
}

static tern_poll probe_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  TERN_CO_BEGIN(&probe.co);
  for (probe.tries = 0; probe.tries < 10; probe.tries++) {
    TERN_CO_AWAIT(&probe.co, tern_sleep_for(&probe.timer, cx, 1000));
    if (ppp_glue.ups == 0) {
      continue; /* not up yet */
    }
    TERN_CO_AWAIT(&probe.co, tern_udp_poll_send_to(
                                 &probe.sock, cx, &probe.peer, probe_text,
                                 strlen(probe_text), &probe.err));
    if (probe.err != 0) {
      printf("probe: send: %s\n", tern_strerror(probe.err));
      continue;
    }
    TERN_CO_AWAIT(&probe.co,
                  tern_with_timeout(&probe.timer, cx,
                                    tern_udp_poll_recv_from(
                                        &probe.sock, cx, &probe.from, probe.buf,
                                        sizeof probe.buf, &probe.n),
                                    1000, &probe.expired));
    if (!probe.expired && probe.n == (int)strlen(probe_text) &&
        memcmp(probe.buf, probe_text, strlen(probe_text)) == 0) {
      printf("probe: echo received\n");
      fflush(stdout);
      break;
    }
  }
  if (probe.tries == 10) {
    printf("probe: no echo after 10 tries\n");
    fflush(stdout);
    exit(1);
  }
  /* Then pings: a reply is an ICMP message the layer does not handle
   * (icmp_rx_ignored, which also counts an error about UDP while no
   * socket is connected: none comes here); the test checks the capture
   * for the reply too. */
  probe.replies = tern_ipv4_get_stats(&app.v4).icmp_rx_ignored;
  for (probe.tries = 0; probe.tries < 5; probe.tries++) {
    probe_ping(probe.tries);
    TERN_CO_AWAIT(&probe.co, tern_sleep_for(&probe.timer, cx, 500));
    if (tern_ipv4_get_stats(&app.v4).icmp_rx_ignored != probe.replies) {
      printf("probe: ping answered\n");
      fflush(stdout);
      exit(0);
    }
  }
  printf("probe: no ping reply\n");
  fflush(stdout);
  exit(3);
  TERN_CO_END(&probe.co);
}

static void ppp_report(tern_ipv4_ppp *g, bool up) {
  if (!up) {
    if (g->err != 0) {
      printf("ppp: address refused: %s\n", tern_strerror(g->err));
    } else {
      printf(tern_ip_iface_up(g->iface) ? "ppp: no IPv4 address\n"
                                        : "ppp: link down\n");
    }
    fflush(stdout);
    return;
  }
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&ppp);
  printf("ppp: local %u.%u.%u.%u peer %u.%u.%u.%u dns %u.%u.%u.%u\n",
         v4.local[0], v4.local[1], v4.local[2], v4.local[3], v4.peer[0],
         v4.peer[1], v4.peer[2], v4.peer[3], v4.dns1[0], v4.dns1[1], v4.dns1[2],
         v4.dns1[3]);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *tap = NULL, *tun = NULL, *slip_path = NULL, *pcap_path = NULL;
  const char *addr_s = NULL, *gw_s = NULL, *remember_s = NULL;
  const char *ppp_path = NULL, *ppp_peer_s = NULL, *probe_s = NULL;
  const char *mtu_s = NULL;
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
    } else if (strcmp(argv[i], "--ppp") == 0) {
      ppp_path = v;
    } else if (strcmp(argv[i], "--ppp-peer") == 0) {
      ppp_peer_s = v;
    } else if (strcmp(argv[i], "--probe") == 0) {
      probe_s = v;
    } else if (strcmp(argv[i], "--addr") == 0) {
      addr_s = v;
    } else if (strcmp(argv[i], "--gw") == 0) {
      gw_s = v;
    } else if (strcmp(argv[i], "--pcap") == 0) {
      pcap_path = v;
    } else if (strcmp(argv[i], "--mtu") == 0) {
      mtu_s = v;
    } else if (strcmp(argv[i], "--dhcp-remember") == 0) {
      remember_s = v;
    } else {
      usage(argv[0]);
    }
    i++;
  }
  if ((tap != NULL) + (tun != NULL) + (slip_path != NULL) +
              (ppp_path != NULL) !=
          1 ||
      (addr_s == NULL) == !(use_dhcp || ppp_path != NULL) ||
      (use_dhcp && tap == NULL) || (use_dhcp && gw_s != NULL) ||
      (remember_s != NULL && !use_dhcp)) {
    usage(argv[0]);
  }
  tern_ipv4_addr addr = tern_ipv4(0, 0, 0, 0), gw, ppp_peer, probe_addr;
  tern_ipv4_addr remember = tern_ipv4(0, 0, 0, 0);
  uint8_t prefix = 0;
  if (remember_s != NULL &&
      tern_ipv4_parse(&remember, remember_s, strlen(remember_s)) != 0) {
    fprintf(stderr, "echo: bad --dhcp-remember %s\n", remember_s);
    return 2;
  }
  if ((ppp_peer_s != NULL &&
       tern_ipv4_parse(&ppp_peer, ppp_peer_s, strlen(ppp_peer_s)) != 0) ||
      (probe_s != NULL &&
       tern_ipv4_parse(&probe_addr, probe_s, strlen(probe_s)) != 0)) {
    fprintf(stderr, "echo: bad --ppp-peer or --probe address\n");
    return 2;
  }
  /* Between what the IPv4 layer takes an address on and what the pool's
   * buffers hold (tern_slip_init refuses more): outside, the program
   * failed after opening the device. */
  uint64_t mtu = 1006;
  if (mtu_s != NULL &&
      !tern_host_arg_number(mtu_s, TERN_IPV4_MIN_MTU, PKT_SIZE, &mtu)) {
    fprintf(stderr, "echo: bad --mtu %s (want %d..%d)\n", mtu_s,
            TERN_IPV4_MIN_MTU, PKT_SIZE);
    return 2;
  }
  if (addr_s != NULL && !tern_host_arg_prefix(addr_s, &addr, &prefix)) {
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
  const char *serial_path = slip_path != NULL ? slip_path : ppp_path;
  if (serial_path != NULL) {
    int fd = open(serial_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
      perror(serial_path);
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
  }
  if (ppp_path != NULL) {
    tern_ppp_config pc = {0};
    if (ppp_peer_s != NULL) {
      memcpy(pc.peer_addr, ppp_peer.b, 4);
    }
    pc.want_dns = 1;
    tern_rng prng = tern_host_rng();
    rc = tern_ppp_init(&ppp, tern_host_fd_stream_get(&serial), &pool, ppp_tx,
                       sizeof ppp_tx, &pc, &prng);
    if (rc != 0) {
      die("ppp", rc);
    }
    tern_ppp_use_keepalive(&ppp, 10000, 0);
    dev = tern_ppp_netdev(&ppp);
  } else if (slip_path != NULL) {
    rc = tern_slip_init(&slip, tern_host_fd_stream_get(&serial), &pool, slip_tx,
                        sizeof slip_tx, (size_t)mtu);
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
  rc = tern_echo_tcp_start(&tcp_echo, &ex, &app.ip);
  if (rc != 0) {
    die("tcp", rc);
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
  if (ppp_path != NULL) {
    rc = tern_ipv4_ppp_start(&ppp_glue, &ex, &ppp, &app.iface);
    if (rc != 0) {
      die("ppp glue", rc);
    }
    ppp_glue.on_change = ppp_report;
  }
  if (probe_s != NULL) {
    probe.peer.addr.family = TERN_IP_V4;
    probe.peer.addr.u.v4 = probe_addr;
    probe.peer.port = TERN_ECHO_PORT;
    rc = tern_udp_bind(&app.udp, &probe.sock, NULL, probe.ring,
                       sizeof probe.ring);
    if (rc != 0) {
      die("probe bind", rc);
    }
    tern_task_init(&probe.task, probe_poll);
    tern_spawn(&ex, &probe.task);
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  char text[TERN_IPV4_STRLEN];
  tern_ipv4_format(&addr, text, sizeof text);
  printf("echo: listening on %s:%d/udp and tcp (%s)\n", text, TERN_ECHO_PORT,
         tap != NULL   ? tap
         : tun != NULL ? tun
                       : serial_path);
  fflush(stdout);
  tern_executor_run(&ex, NULL);
  return 0;
}
