/* Not a product: a stack with IPv4 and the TCP connection machine (every
 * option on: window scale, timestamps, SACK, cookies) whose entry points
 * are all called, so that the micro:bit (Cortex-M0) size report shows what
 * the machine costs beside the pieces: `bazel run
 * //transport/tcp:size_tcp_m0_size` (always -c opt; size_tcp_v4_m0_size
 * for the IPv4-only build). The struct sizes are
 * checked here, on the target's ABI, as a build-time test: a layout that
 * grows fails to build (README.md gives the figures). */
#include <stdint.h>
#include <string.h>

#include "tern/board.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/tcp.h"

/* sizeof(tern_tcp_conn) without its rings, Cortex-M0: with IPv6 built in
 * (tern_endpoint holds either family: size_tcp_m0), and IPv4-only
 * (size_tcp_v4_m0: each of the two endpoints 12 bytes smaller). */
#if TERN_CONFIG_IPV6
#define TCP_CONN_SIZE_M0 296
#else
#define TCP_CONN_SIZE_M0 272
#endif
_Static_assert(sizeof(tern_tcp_conn) == TCP_CONN_SIZE_M0,
               "tern_tcp_conn changed size: update README.md and this");

static volatile uint8_t input[16];
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_tcp_layer tcp;
static tern_tcp_conn conn, slots[2];
static tern_tcp_listener lst;
static uint8_t rings[3][2][512];

static int fill(void *self, void *buf, size_t len) {
  (void)self;
  for (size_t i = 0; i < len; i++) {
    ((uint8_t *)buf)[i] = input[i % sizeof input];
  }
  return 0;
}

static void wake(void *ctx) {
  (void)ctx;
}

int main(void) {
  tern_rng rng = {fill, NULL};
  static uint8_t storage[TERN_PKT_POOL_STORAGE_SIZE(2, 600)]
      __attribute__((aligned(8)));
  static tern_pkt_pool pool;
  tern_pkt_pool_init(&pool, storage, sizeof storage, 600);
  tern_ip_stack_init(&ip, &pool, &rng);
  tern_ipv4_init(&v4, &ip);
  tern_tcp_init(&tcp, &ip, NULL);
  tern_tcp_conn_init(&conn, &tcp, rings[0][0], 512, rings[0][1], 512);
  for (int i = 0; i < 2; i++) {
    tern_tcp_conn_init(&slots[i], &tcp, rings[i + 1][0], 512, rings[i + 1][1],
                       512);
  }
  tern_endpoint ep = {.addr = {.family = TERN_IP_V4}, .port = input[0]};
  tern_tcp_listen(&tcp, &lst, &ep, slots, 2);
  tern_tcp_connect(&conn, &ep);
  tern_cx cx = tern_cx_make((tern_waker){wake, NULL}, NULL);
  tern_tcp_poll_run(&tcp, &cx);
  tern_tcp_conn *got;
  int err;
  ptrdiff_t n;
  uint8_t buf[8];
  static tern_waiter w;
  tern_tcp_poll_accept(&lst, &cx, &w, &got);
  tern_tcp_cancel_accept(&lst, &w);
  tern_tcp_poll_connect(&conn, &cx, &err);
  tern_stream s = tern_tcp_stream(&conn);
  tern_stream_poll_write(&s, &cx, buf, input[1], &n);
  tern_stream_poll_read(&s, &cx, buf, input[2], &n);
  tern_stream_poll_flush(&s, &cx, &err);
  tern_stream_poll_close(&s, &cx, &err);
  const uint8_t *view;
  uint8_t *room;
  tern_tcp_poll_peek(&conn, &cx, &view, &n);
  err += tern_tcp_consume(&conn, input[6]);
  tern_tcp_poll_reserve(&conn, &cx, &room, &n);
  err += tern_tcp_commit(&conn, input[7]);
  tern_tcp_set_nodelay(&conn, input[3]);
  tern_tcp_set_keepalive(&conn, input[4]);
  tern_tcp_abort(&conn);
  tern_tcp_unlisten(&lst);
  tern_board_console_puts(tern_tcp_state_name(input[5]));
  tern_board_exit((int)n + err);
}
