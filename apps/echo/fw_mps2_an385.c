/* The echo application on the MPS2 AN385 (Cortex-M3): LAN9118 Ethernet,
 * ARP, IPv4 192.0.2.15/24 (gateway 192.0.2.2), UDP and TCP echo on port 7,
 * ping.
 * The demo (tools/demo.sh) and the interop test (tests/mps2_tap_test.sh)
 * put its NIC on a TAP device in a private network namespace where the
 * kernel is 192.0.2.2. */
#include "apps/echo/echo.h"
#include "apps/echo/echo_tcp.h"
#include "tern/board.h"
#include "tern/ethernet.h"
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
  rc = tern_echo_start(&app, &ex, &pool, &r, tern_eth_netdev(&eth), &addr, 24,
                       &gw);
  if (rc != 0) {
    fail("start", rc);
  }
  rc = tern_echo_tcp_start(&tcp_echo, &ex, &app.ip);
  if (rc != 0) {
    fail("tcp", rc);
  }
  tern_board_console_puts(
      "echo: listening on 192.0.2.15:7/udp and tcp (lan9118)\r\n");
  tern_executor_run(&ex, NULL);
  return 0;
}
