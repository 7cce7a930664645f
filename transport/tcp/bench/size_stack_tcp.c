/* Not a product: apps/echo's Ethernet size firmware (UDP echo and ping
 * over Ethernet + ARP + IPv4 + ICMP, on a memory netdev instead of a
 * driver) with TCP beside it on the same stack: a TCP echo on port 7,
 * one connection at a time with a backlog of one more (SYN cookies past
 * that). Every option of the connection machine is in (window scale,
 * timestamps, SACK, cookies: they are not switches). Built for the
 * micro:bit (Cortex-M0) only, so that the size report shows what
 * executor + Ethernet + ARP + IPv4 + ICMP + UDP + TCP cost on that core:
 * `bazel run //transport/tcp/bench:size_stack_tcp_m0_size` (always -c
 * opt). */
#include <string.h>

#include "apps/echo/echo.h"
#include "tern/co.h"
#include "tern/ethernet.h"
#include "tern/memnetdev.h"
#include "tern/tcp.h"

#define TCP_PORT 7
#define TCP_RING 512
#define TCP_SLOTS 2

TERN_PKT_POOL_DEFINE(pool, 4, 600);

static tern_executor ex;
static tern_echo_app app;
static tern_memnetdev_pair wire;
static tern_eth eth;
static tern_neighbour4 neighbours[4];

static tern_tcp_layer tcp;
static tern_tcp_listener lst;
static tern_tcp_conn slots[TCP_SLOTS];
static uint8_t rings[TCP_SLOTS][2][TCP_RING];
static tern_task tcp_runner;

/* The TCP echo: every byte read written back, then our FIN after the
 * peer's. */
static struct {
  tern_task task;
  tern_co co;
  tern_waiter waiter; /* in accept */
  tern_tcp_conn *conn;
  ptrdiff_t n, done, w;
  int err;
  uint8_t buf[256];
} server;

/* The size build's RNG: a constant (what it returns costs nothing in the
 * protocol layers; the firmware uses the board's). */
static int fixed_fill(void *self, void *buf, size_t len) {
  (void)self;
  memset(buf, 0x5a, len);
  return 0;
}

static tern_poll tcp_run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_tcp_poll_run(&tcp, cx);
}

static tern_poll serve(tern_task *t, tern_cx *cx) {
  (void)t;
  TERN_CO_BEGIN(&server.co);
  for (;;) {
    TERN_CO_AWAIT(&server.co,
                  tern_tcp_poll_accept(&lst, cx, &server.waiter, &server.conn));
    for (;;) {
      TERN_CO_AWAIT(&server.co,
                    tern_tcp_poll_read(server.conn, cx, server.buf,
                                       sizeof server.buf, &server.n));
      if (server.n <= 0) {
        break;
      }
      for (server.done = 0; server.done < server.n; server.done += server.w) {
        TERN_CO_AWAIT(
            &server.co,
            tern_tcp_poll_write(server.conn, cx, server.buf + server.done,
                                (size_t)(server.n - server.done), &server.w));
        if (server.w < 0) {
          break;
        }
      }
      if (server.w < 0) {
        break;
      }
    }
    if (server.n == 0) {
      TERN_CO_AWAIT(&server.co,
                    tern_tcp_poll_close(server.conn, cx, &server.err));
    } else {
      tern_tcp_abort(server.conn);
    }
  }
  TERN_CO_END(&server.co);
}

int main(void) {
  const tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 15);
  tern_executor_init(&ex);
  tern_memnetdev_config cfg = {
      600, 0, TERN_MEDIUM_ETHERNET, {2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, 2};
  tern_memnetdev_init(&wire, &cfg);
  if (tern_eth_init(&eth, tern_memnetdev_a(&wire), &pool, neighbours, 4) != 0) {
    return 1;
  }
  const tern_rng rng = {fixed_fill, NULL};
  if (tern_echo_start(&app, &ex, &pool, &rng, tern_eth_netdev(&eth), &addr, 24,
                      NULL) != 0 ||
      tern_tcp_init(&tcp, &app.ip, NULL) != 0) {
    return 1;
  }
  for (int i = 0; i < TCP_SLOTS; i++) {
    if (tern_tcp_conn_init(&slots[i], &tcp, rings[i][0], TCP_RING, rings[i][1],
                           TCP_RING) != 0) {
      return 1;
    }
  }
  tern_endpoint local = {.port = TCP_PORT};
  if (tern_tcp_listen(&tcp, &lst, &local, slots, TCP_SLOTS) != 0) {
    return 1;
  }
  tern_task_init(&tcp_runner, tcp_run);
  tern_task_init(&server.task, serve);
  if (tern_spawn(&ex, &tcp_runner) != 0 || tern_spawn(&ex, &server.task) != 0) {
    return 1;
  }
  tern_executor_run(&ex, NULL);
  return 0;
}
