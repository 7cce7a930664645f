#include "apps/discard/discard.h"

#include <string.h>

static tern_poll tcp_poll(tern_task *t, tern_cx *cx) {
  tern_discard *d = TERN_CONTAINER_OF(t, tern_discard, tcp.task);
  TERN_CO_BEGIN(&d->tcp.co);
  for (;;) {
    TERN_CO_AWAIT(&d->tcp.co, tern_tcp_poll_accept(&d->lst, cx, &d->tcp.waiter,
                                                   &d->tcp.conn));
    d->tcp.bytes = 0;
    for (;;) {
      /* Counted and dropped where they lie in the receive ring. Each
       * wait is bounded: one connection is served at a time, and a peer
       * that sends nothing would hold it for ever. */
      TERN_CO_AWAIT(&d->tcp.co, tern_with_timeout(
                                    &d->tcp.timer, cx,
                                    tern_tcp_poll_peek(d->tcp.conn, cx,
                                                       &d->tcp.view, &d->tcp.n),
                                    TERN_DISCARD_TCP_IDLE_MS, &d->tcp.expired));
      if (d->tcp.expired) {
        d->tcp.n = TERN_ETIMEDOUT;
      }
      if (d->tcp.n <= 0) {
        break; /* the peer's FIN (0), an error or the idle timeout */
      }
      d->tcp.bytes += (uint64_t)d->tcp.n;
      d->stats.tcp_bytes += (uint64_t)d->tcp.n;
      /* The whole view just shown, no await since: 0 by contract. */
      (void)tern_tcp_consume(d->tcp.conn, (size_t)d->tcp.n);
    }
    d->stats.last_conn_bytes = d->tcp.bytes;
    if (d->tcp.n == 0) {
      TERN_CO_AWAIT(&d->tcp.co,
                    tern_tcp_poll_close(d->tcp.conn, cx, &d->tcp.err));
      d->stats.tcp_conns++;
    } else {
      tern_tcp_abort(d->tcp.conn);
      d->stats.tcp_errors++;
    }
    if (d->on_conn_end != NULL) {
      d->on_conn_end(d, d->tcp.n == 0);
    }
  }
  TERN_CO_END(&d->tcp.co);
}

static tern_poll udp_poll(tern_task *t, tern_cx *cx) {
  tern_discard *d = TERN_CONTAINER_OF(t, tern_discard, udp.task);
  TERN_CO_BEGIN(&d->udp.co);
  for (;;) {
    TERN_CO_AWAIT(&d->udp.co,
                  tern_udp_poll_recv_from(&d->udp.sock, cx, NULL, d->udp.buf,
                                          sizeof d->udp.buf, &d->udp.n));
    if (d->udp.n == TERN_ECLOSED) {
      break;
    }
    if (d->udp.n >= 0) {
      d->stats.udp_datagrams++;
      d->stats.udp_bytes += (uint64_t)d->udp.n;
      if (d->on_datagram != NULL) {
        d->on_datagram(d, d->udp.n);
      }
    }
  }
  TERN_CO_END(&d->udp.co);
}

int tern_discard_start(tern_discard *d, tern_executor *ex, tern_tcp_layer *tcp,
                       tern_udp_layer *udp) {
  if (d == NULL || ex == NULL || (tcp == NULL && udp == NULL)) {
    return TERN_EINVAL;
  }
  memset(d, 0, sizeof *d);
  tern_endpoint local = {.port = TERN_DISCARD_PORT};
  int rc = 0;
  if (tcp != NULL) {
    for (int i = 0; rc == 0 && i < TERN_DISCARD_TCP_SLOTS; i++) {
      rc = tern_tcp_conn_init(&d->slots[i], tcp, d->tx[i], TERN_DISCARD_TCP_TX,
                              d->rx[i], TERN_DISCARD_TCP_RING);
    }
    if (rc == 0) {
      rc = tern_tcp_listen(tcp, &d->lst, &local, d->slots,
                           TERN_DISCARD_TCP_SLOTS);
    }
    if (rc == 0) {
      tern_task_init(&d->tcp.task, tcp_poll);
      rc = tern_spawn(ex, &d->tcp.task);
    }
  }
  if (rc == 0 && udp != NULL) {
    rc = tern_udp_bind(udp, &d->udp.sock, &local, d->udp.ring,
                       sizeof d->udp.ring);
    if (rc == 0) {
      tern_task_init(&d->udp.task, udp_poll);
      rc = tern_spawn(ex, &d->udp.task);
    }
  }
  return rc;
}
