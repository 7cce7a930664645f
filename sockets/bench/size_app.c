/* Not a product: a small application over the socket API (a UDP
 * exchange, a TCP client, a TCP server) composed with the tern backend,
 * IPv4, UDP and TCP, for the Cortex-M0 size reports of README.md
 * ("Abstraction choices"). Built twice from this one source: through the
 * ops table (size_table_m0) and with link-time selection (size_link_m0,
 * SOCKETS_BENCH_LINK_TIME). Inputs come from a volatile array so that
 * nothing is folded away; always -c opt. */
#include <stdint.h>
#include <string.h>

#include "sockets/bench/app.h"
#include "tern/board.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/socket_tern.h"
#include "tern/tcp.h"
#include "tern/udp.h"

#ifdef SOCKETS_BENCH_LINK_TIME
int lt_setup(tern_socket_tern *net, tern_tcp_layer *tcp, tern_udp_layer *udp,
             const tern_socket_tern_storage *st, const tern_socket_ops *ops);
#define APP_INIT(net, tcp, udp, st) lt_setup(net, tcp, udp, st, NULL)
#else
#define APP_INIT tern_socket_tern_init
#endif

static volatile uint8_t input[16];
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_tcp_layer tcp;
static tern_udp_layer udp;
static tern_socket_tern net;
static tern_socket_tern_sock socks[4];
static tern_tcp_conn conns[3];
static uint8_t tcp_bufs[3 * 2 * 512];
static uint8_t udp_bufs[4 * 256];

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

/* The application: only the socket API (app.h). */
static int app(tern_net *n, tern_cx *cx) {
  tern_socket *u, *c, *l, *a = NULL;
  tern_endpoint ep = {.addr = {.family = TERN_IP_V4}, .port = input[0]};
  uint8_t buf[16];
  int err = 0, got = 0;
  ptrdiff_t k = 0;
  if (APP_OPEN(n, TERN_SOCK_DGRAM, &u) != 0 ||
      APP_OPEN(n, TERN_SOCK_STREAM, &c) != 0 ||
      APP_OPEN(n, TERN_SOCK_STREAM, &l) != 0) {
    return -1;
  }
  APP_BIND(u, &ep);
  APP_SEND_TO(u, cx, &ep, buf, input[1], &err);
  APP_RECV_FROM(u, cx, &ep, buf, sizeof buf, &got);
  APP_CONNECT(c, &ep);
  APP_POLL_CONNECT(c, cx, &err);
  APP_SET_OPTION(c, TERN_SO_NODELAY, input[2]);
  APP_WRITE(c, cx, buf, input[3], &k);
  APP_READ(c, cx, buf, sizeof buf, &k);
  APP_CLOSE(c, cx, &err);
  APP_BIND(l, &ep);
  APP_LISTEN(l, input[4]);
  APP_ACCEPT(l, cx, &a, &err);
  if (a != NULL) {
    APP_LOCAL(a, &ep);
    APP_ABORT(a);
  }
  APP_ABORT(l);
  APP_CLOSE(u, cx, &err);
  return err + got + (int)k;
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
  tern_udp_init(&udp, &ip);
  tern_socket_tern_storage st = {socks, 4,   conns,    3,  tcp_bufs,
                                 512,   512, udp_bufs, 256};
  APP_INIT(&net, &tcp, &udp, &st);
  tern_cx cx = tern_cx_make((tern_waker){wake, NULL}, NULL);
  tern_ip_stack_poll_run(&ip, &cx);
  tern_tcp_poll_run(&tcp, &cx);
  tern_board_exit(app(&net.base, &cx));
}
