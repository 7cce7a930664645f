/* The echo application on the MPS2 AN385 (Cortex-M3): LAN9118 Ethernet,
 * ARP, IPv4 192.0.2.15/24 (gateway 192.0.2.2), UDP and TCP echo on port 7,
 * ping.
 * The demo (tools/demo.sh) and the interop test (tests/mps2_tap_test.sh)
 * put its NIC on a TAP device in a private network namespace where the
 * kernel is 192.0.2.2. Built with TERN_ECHO_DHCP
 * (//apps/echo:fw_mps2_an385_dhcp) it has no address of its own: a DHCP client
 * gets one and prints each lease (tests/mps2_dhcp_test.sh: from dnsmasq). */
#include "apps/echo/echo.h"
#include "apps/echo/echo_tcp.h"
#include "tern/board.h"
#include "tern/ethernet.h"
#ifdef TERN_ECHO_DHCP
#include "tern/dhcpv4.h"
#endif
#include "tern/mps2_an385/lan9118.h"
#include "tern/mps2_an385/rng.h"

TERN_PKT_POOL_DEFINE(pool, 16, 1536);

static tern_executor ex;
static tern_lan9118 nic;
static tern_eth eth;
static tern_neighbour4 neighbours[8];
static tern_echo_app app;
static tern_echo_tcp tcp_echo;
static tern_mps2_rng rng;

#ifdef TERN_ECHO_DHCP
static tern_dhcpv4 dhcp;
static tern_task dhcp_task, lease_task;

static tern_poll dhcp_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_dhcpv4_poll_run(&dhcp, cx);
}

static int dhcp_probe(void *ctx, const tern_ipv4_addr *addr) {
  return tern_eth_probe(ctx, addr);
}

/* Prints "echo: dhcp lease A.B.C.D/P router R.S.T.U" for each lease. */
static tern_poll lease_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  tern_dhcpv4_lease l;
  while (tern_dhcpv4_poll_lease(&dhcp, cx, &l) == TERN_READY) {
    char a[TERN_IPV4_STRLEN], r[TERN_IPV4_STRLEN];
    char p[4] = {(char)('0' + l.prefix_len / 10),
                 (char)('0' + l.prefix_len % 10), 0, 0};
    tern_ipv4_format(&l.addr, a, sizeof a);
    tern_ipv4_format(&l.router, r, sizeof r);
    tern_board_console_puts("echo: dhcp lease ");
    tern_board_console_puts(a);
    tern_board_console_puts("/");
    tern_board_console_puts(p);
    tern_board_console_puts(" router ");
    tern_board_console_puts(r);
    tern_board_console_puts("\r\n");
  }
  return TERN_PENDING;
}
#endif

static void fail(const char *what, int err) {
  tern_board_console_puts("echo: ");
  tern_board_console_puts(what);
  tern_board_console_puts(": ");
  tern_board_console_puts(tern_strerror(err));
  tern_board_console_puts("\r\n");
  tern_board_exit(1);
}

int main(void) {
  static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x15};
  const tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 15);
  const tern_ipv4_addr gw = tern_ipv4(192, 0, 2, 2);
  tern_executor_init(&ex);
  int rc = tern_lan9118_init(&nic, &pool, mac);
  if (rc != 0) {
    fail("lan9118", rc);
  }
  rc = tern_eth_init(&eth, tern_lan9118_netdev(&nic), &pool, neighbours,
                     sizeof neighbours / sizeof neighbours[0]);
  if (rc != 0) {
    fail("ethernet", rc);
  }
  /* No entropy hardware on this board: a generator seeded from timing
   * jitter, stirred with the MAC (see tern/mps2_an385/rng.h). */
  rc = tern_mps2_rng_init(&rng);
  if (rc != 0) {
    fail("rng", rc);
  }
  (void)tern_mps2_rng_stir(&rng, mac, sizeof mac);
  const tern_rng r = tern_mps2_rng_get(&rng);
#ifdef TERN_ECHO_DHCP
  (void)addr;
  (void)gw;
  rc = tern_echo_start(&app, &ex, &pool, &r, tern_eth_netdev(&eth), NULL, 0,
                       NULL);
  if (rc != 0) {
    fail("start", rc);
  }
  const tern_dhcpv4_config cfg = {
      .hostname = "tern-mps2", .probe = dhcp_probe, .probe_ctx = &eth};
  rc = tern_dhcpv4_start(&dhcp, &app.udp, &app.iface, &cfg);
  if (rc != 0) {
    fail("dhcp", rc);
  }
  tern_task_init(&dhcp_task, dhcp_poll);
  tern_task_init(&lease_task, lease_poll);
  tern_spawn(&ex, &dhcp_task);
  tern_spawn(&ex, &lease_task);
  const char *listening =
      "echo: listening on port 7/udp and tcp (lan9118, DHCP)\r\n";
#else
  rc = tern_echo_start(&app, &ex, &pool, &r, tern_eth_netdev(&eth), &addr, 24,
                       &gw);
  if (rc != 0) {
    fail("start", rc);
  }
  const char *listening =
      "echo: listening on 192.0.2.15:7/udp and tcp (lan9118)\r\n";
#endif
  rc = tern_echo_tcp_start(&tcp_echo, &ex, &app.ip);
  if (rc != 0) {
    fail("tcp", rc);
  }
  tern_board_console_puts(listening);
  tern_executor_run(&ex, NULL);
  return 0;
}
