/* Cost of one socket call through the API (the ops table), through
 * link-time selection (SOCKETS_BENCH_LINK_TIME: the backend's function
 * called directly), and of the transport called with no socket layer at
 * all. N iterations (argv[1]) of one operation (argv[2]):
 *   recv      poll_recv_from on an empty UDP socket (PENDING: the waker
 *             is stored), or tern_udp_poll_recv_from for "udp"
 *   local     the socket's local endpoint, or tern_udp_local for "udp"
 * and which path (argv[3]): "api" (this build's app.h path) or "udp" (the
 * transport). Run under callgrind by callgrind_per_iter.sh, which
 * subtracts a run with a different N so start-up cancels out. */
#include <stdlib.h>
#include <string.h>

#include "sockets/bench/app.h"
#include "tern/ip.h"
#include "tern/socket_tern.h"
#include "tern/udp.h"

#ifdef SOCKETS_BENCH_LINK_TIME
int lt_setup(tern_socket_tern *net, tern_tcp_layer *tcp, tern_udp_layer *udp,
             const tern_socket_tern_storage *st, const tern_socket_ops *ops);
#define APP_INIT(net, tcp, udp, st) lt_setup(net, tcp, udp, st, NULL)
#else
#define APP_INIT tern_socket_tern_init
#endif

static int fill(void *self, void *buf, size_t len) {
  (void)self;
  memset(buf, 0x5a, len);
  return 0;
}

static void wake(void *ctx) {
  (void)ctx;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  const char *op = argc > 2 ? argv[2] : "recv";
  int direct = argc > 3 && strcmp(argv[3], "udp") == 0;
  static tern_ip_stack ip;
  static tern_udp_layer udp;
  static tern_socket_tern net;
  static tern_socket_tern_sock socks[2];
  static uint8_t udp_bufs[2 * 256];
  static uint8_t storage[TERN_PKT_POOL_STORAGE_SIZE(2, 600)]
      __attribute__((aligned(8)));
  static tern_pkt_pool pool;
  tern_rng rng = {fill, NULL};
  tern_pkt_pool_init(&pool, storage, sizeof storage, 600);
  if (tern_ip_stack_init(&ip, &pool, &rng) != 0 ||
      tern_udp_init(&udp, &ip) != 0) {
    return 2;
  }
  tern_socket_tern_storage st = {socks, 2, NULL, 0, NULL, 0, 0, udp_bufs, 256};
  if (APP_INIT(&net, NULL, &udp, &st) != 0) {
    return 2;
  }
  tern_socket *s;
  tern_endpoint ep = {.port = 7};
  if (APP_OPEN(&net.base, TERN_SOCK_DGRAM, &s) != 0 || APP_BIND(s, &ep) != 0) {
    return 2;
  }
  tern_udp_sock *us = &((tern_socket_tern_sock *)s)->u.udp;
  tern_cx cx = tern_cx_make((tern_waker){wake, NULL}, NULL);
  uint8_t buf[64];
  tern_endpoint src;
  int got = 0;
  long pending = 0;
  if (strcmp(op, "recv") == 0) {
    for (long i = 0; i < n; i++) {
      tern_poll p =
          direct ? tern_udp_poll_recv_from(us, &cx, &src, buf, sizeof buf, &got)
                 : APP_RECV_FROM(s, &cx, &src, buf, sizeof buf, &got);
      pending += p == TERN_PENDING;
    }
  } else {
    for (long i = 0; i < n; i++) {
      if (direct) {
        src = tern_udp_local(us);
      } else {
        APP_LOCAL(s, &src);
      }
      pending += src.port == 7;
    }
  }
  return pending == n ? 0 : 1;
}
