/* The echo application on the micro:bit (nRF51, Cortex-M0): SLIP on the
 * UART (115200 baud), IPv4 192.0.2.15/24 (gateway 192.0.2.2), UDP and TCP
 * echo on port 7 (TCP: one connection, 512-byte rings), ping. The UART carries
 * SLIP, so diagnostics go out through semihosting (QEMU's standard output)
 * instead of the console.
 *
 * Built with TERN_ECHO_PROBE, it also sends a datagram to 192.0.2.2:7 once
 * a second until the echo comes back (1 after ten tries): the interop
 * tests with slirp, which relays 192.0.2.2:7 to an echo server on its host,
 * use it. Over SLIP it then says so and goes on serving, for the test's TCP
 * round trips through a port slirp forwards to our TCP port 7; over PPP it
 * exits 0.
 *
 * Built with TERN_ECHO_PPP, the UART carries PPP instead of SLIP: the
 * address is the one IPCP negotiates (slirp's peer is offered 192.0.2.2),
 * and the probe waits for the link to come up first. */
#include <string.h>

#include "apps/echo/echo.h"
#include "apps/echo/echo_tcp.h"
#include "tern/cortex_m/semihosting.h"
#include "tern/microbit/rng.h"
#include "tern/microbit/uart.h"
#include "tern/slip.h"
#include "tern/timer.h"
#ifdef TERN_ECHO_PPP
#include "tern/ipv4_ppp.h"
#include "tern/ppp.h"
#endif

#define MTU 1006

#ifdef TERN_ECHO_PPP
TERN_PKT_POOL_DEFINE(pool, 4, MTU + TERN_PPP_OVERHEAD);
static tern_ppp ppp;
static uint8_t ppp_tx[64];
static tern_ipv4_ppp ppp_glue;
#define LINK_NAME "ppp"
#else
TERN_PKT_POOL_DEFINE(pool, 4, MTU);
#define LINK_NAME "slip"
#endif

static tern_executor ex;
static tern_microbit_uart uart;
static uint8_t uart_rx[256];
static uint8_t uart_tx[256];
#ifndef TERN_ECHO_PPP
static tern_slip slip;
static uint8_t slip_tx[64];
#endif
static tern_echo_app app;
static tern_echo_tcp tcp_echo;

static void fail(const char *what, int err) {
  tern_semihosting_puts("echo: ");
  tern_semihosting_puts(what);
  tern_semihosting_puts(": ");
  tern_semihosting_puts(tern_strerror(err));
  tern_semihosting_puts("\n");
  tern_semihosting_exit(1);
}

#ifdef TERN_ECHO_PROBE
static const char probe_text[] = "hello from the micro:bit";

typedef struct {
  tern_task task;
  tern_co co;
  tern_udp_sock sock;
  uint8_t ring[256];
  uint8_t buf[64];
  tern_endpoint peer, from;
  tern_timer timer;
  int n, err, tries;
  bool expired;
} probe_state;

static probe_state probe;

static tern_poll probe_poll(tern_task *t, tern_cx *cx) {
  probe_state *p = TERN_CONTAINER_OF(t, probe_state, task);
  TERN_CO_BEGIN(&p->co);
#ifdef TERN_ECHO_PPP
  /* The address comes with the link: wait for IPCP (at most 30 s). */
  for (p->tries = 0; ppp_glue.ups == 0; p->tries++) {
    if (p->tries == 300) {
      tern_semihosting_puts("probe: the PPP link never came up\n");
      tern_semihosting_exit(1);
    }
    TERN_CO_AWAIT(&p->co, tern_sleep_for(&p->timer, cx, 100));
  }
  tern_semihosting_puts("probe: PPP link up\n");
#endif
  for (p->tries = 0; p->tries < 10; p->tries++) {
    TERN_CO_AWAIT(&p->co,
                  tern_udp_poll_send_to(&p->sock, cx, &p->peer, probe_text,
                                        strlen(probe_text), &p->err));
    if (p->err != 0) {
      fail("probe send", p->err);
    }
    TERN_CO_AWAIT(&p->co, tern_with_timeout(&p->timer, cx,
                                            tern_udp_poll_recv_from(
                                                &p->sock, cx, &p->from, p->buf,
                                                sizeof p->buf, &p->n),
                                            1000, &p->expired));
    if (!p->expired && p->n == (int)strlen(probe_text) &&
        memcmp(p->buf, probe_text, strlen(probe_text)) == 0) {
      tern_semihosting_puts(
          "probe: echo received from 192.0.2.2:7 over " LINK_NAME "\n");
#ifdef TERN_ECHO_PPP
      tern_semihosting_exit(0);
#else
      TERN_CO_RETURN(&p->co);
#endif
    }
  }
  tern_semihosting_puts("probe: no echo after 10 tries\n");
  tern_semihosting_exit(1);
  TERN_CO_END(&p->co);
}
#endif

int main(void) {
  const tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 15);
  const tern_ipv4_addr gw = tern_ipv4(192, 0, 2, 2);
  const tern_uart_config cfg = {115200};
  tern_executor_init(&ex);
  int rc = tern_microbit_uart_init(&uart, &cfg, uart_rx, sizeof uart_rx,
                                   uart_tx, sizeof uart_tx);
  if (rc != 0) {
    fail("uart", rc);
  }
  const tern_rng rng = tern_microbit_rng();
#ifdef TERN_ECHO_PPP
  tern_ppp_config pc = {0};
  pc.mru = MTU;
  memcpy(pc.peer_addr, gw.b, 4);
  rc = tern_ppp_init(&ppp, tern_microbit_uart_stream(&uart), &pool, ppp_tx,
                     sizeof ppp_tx, &pc, &rng);
  if (rc != 0) {
    fail("ppp", rc);
  }
  const tern_ipv4_addr none = tern_ipv4(0, 0, 0, 0);
  rc = tern_echo_start(&app, &ex, &pool, &rng, tern_ppp_netdev(&ppp), &none, 0,
                       NULL);
  if (rc == 0) {
    rc = tern_ipv4_ppp_start(&ppp_glue, &ex, &ppp, &app.iface);
  }
  (void)addr;
#else
  rc = tern_slip_init(&slip, tern_microbit_uart_stream(&uart), &pool, slip_tx,
                      sizeof slip_tx, MTU);
  if (rc != 0) {
    fail("slip", rc);
  }
  rc = tern_echo_start(&app, &ex, &pool, &rng, tern_slip_netdev(&slip), &addr,
                       24, &gw);
#endif
  if (rc != 0) {
    fail("start", rc);
  }
  rc = tern_echo_tcp_start(&tcp_echo, &ex, &app.ip);
  if (rc != 0) {
    fail("tcp", rc);
  }
#ifdef TERN_ECHO_PROBE
  probe.peer.addr.family = TERN_IP_V4;
  probe.peer.addr.u.v4 = gw;
  probe.peer.port = TERN_ECHO_PORT;
  rc =
      tern_udp_bind(&app.udp, &probe.sock, NULL, probe.ring, sizeof probe.ring);
  if (rc != 0) {
    fail("probe bind", rc);
  }
  tern_task_init(&probe.task, probe_poll);
  tern_spawn(&ex, &probe.task);
#endif
#ifdef TERN_ECHO_PPP
  tern_semihosting_puts("echo: listening on port 7/udp and tcp (ppp)\n");
#else
  tern_semihosting_puts("echo: listening on 192.0.2.15:7/udp and tcp (slip)\n");
#endif
  tern_executor_run(&ex, NULL);
  return 0;
}
