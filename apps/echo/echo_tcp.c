#include "apps/echo/echo_tcp.h"

#include <string.h>

static tern_poll runner_poll(tern_task *t, tern_cx *cx) {
  tern_echo_tcp *e = TERN_CONTAINER_OF(t, tern_echo_tcp, runner.task);
  return tern_tcp_poll_run(&e->tcp, cx);
}

static tern_poll server_poll(tern_task *t, tern_cx *cx) {
  tern_echo_tcp *e = TERN_CONTAINER_OF(t, tern_echo_tcp, server.task);
  TERN_CO_BEGIN(&e->server.co);
  for (;;) {
    TERN_CO_AWAIT(
        &e->server.co,
        tern_tcp_poll_accept(&e->lst, cx, &e->server.waiter, &e->server.conn));
    /* Each run of received bytes is written back straight from the
     * receive ring and freed as far as it was written: a partial write
     * leaves the rest to be shown again, first. */
    for (;;) {
      /* Each wait on the peer is bounded: one connection is served at a
       * time, and a peer that sends nothing, or never reads what is
       * echoed (a zero window, probed for ever), would hold it for ever. */
      TERN_CO_AWAIT(
          &e->server.co,
          tern_with_timeout(&e->server.timer, cx,
                            tern_tcp_poll_peek(e->server.conn, cx,
                                               &e->server.view, &e->server.n),
                            TERN_ECHO_TCP_IDLE_MS, &e->server.expired));
      if (e->server.expired || e->server.n <= 0) {
        break; /* the peer's FIN (0), an error or the idle timeout */
      }
      TERN_CO_AWAIT(&e->server.co,
                    tern_with_timeout(
                        &e->server.timer, cx,
                        tern_tcp_poll_write(e->server.conn, cx, e->server.view,
                                            (size_t)e->server.n, &e->server.w),
                        TERN_ECHO_TCP_IDLE_MS, &e->server.expired));
      if (e->server.expired || e->server.w < 0) {
        break;
      }
      /* w <= the view shown, which stays unread until consumed (only an
       * abort, ours alone to make, drops it): 0 by contract. */
      (void)tern_tcp_consume(e->server.conn, (size_t)e->server.w);
      e->echoed += (uint32_t)e->server.w;
    }
    if (e->server.n == 0 && !e->server.expired) {
      TERN_CO_AWAIT(&e->server.co,
                    tern_tcp_poll_close(e->server.conn, cx, &e->server.err));
      e->connections++;
    } else {
      tern_tcp_abort(e->server.conn);
    }
  }
  TERN_CO_END(&e->server.co);
}

int tern_echo_tcp_start(tern_echo_tcp *e, tern_executor *ex,
                        tern_ip_stack *ip) {
  memset(e, 0, sizeof *e);
  int rc = tern_tcp_init(&e->tcp, ip, NULL);
  for (int i = 0; rc == 0 && i < TERN_ECHO_TCP_SLOTS; i++) {
    rc = tern_tcp_conn_init(&e->slots[i], &e->tcp, e->rings[i][0],
                            TERN_ECHO_TCP_RING, e->rings[i][1],
                            TERN_ECHO_TCP_RING);
  }
  tern_endpoint local = {.port = 7};
  if (rc == 0) {
    rc = tern_tcp_listen(&e->tcp, &e->lst, &local, e->slots,
                         TERN_ECHO_TCP_SLOTS);
  }
  if (rc != 0) {
    return rc;
  }
  tern_task_init(&e->runner.task, runner_poll);
  tern_task_init(&e->server.task, server_poll);
  rc = tern_spawn(ex, &e->runner.task);
  return rc == 0 ? tern_spawn(ex, &e->server.task) : rc;
}
