#include "apps/bulk/bulk.h"

#include <string.h>

static void finish(tern_bulk *b, int err) {
  b->err = err;
  b->end = tern_now();
  b->runs++;
  b->done = true;
  if (b->on_done != NULL) {
    b->on_done(b);
  }
}

static tern_poll writer_poll(tern_task *t, tern_cx *cx) {
  tern_bulk *b = TERN_CONTAINER_OF(t, tern_bulk, w.task);
  TERN_CO_BEGIN(&b->w.co);
  do {
    if (b->listening) {
      TERN_CO_AWAIT(&b->w.co, tern_tcp_poll_accept(&b->lst, cx,
                                                   &b->accept_waiter, &b->w.c));
    } else {
      b->w.c = &b->conn;
      TERN_CO_AWAIT(&b->w.co, tern_tcp_poll_connect(b->w.c, cx, &b->err));
      if (b->err != 0) {
        finish(b, b->err);
        TERN_CO_RETURN(&b->w.co);
      }
    }
    b->start = tern_now();
    b->sent = 0;
    /* The pattern is made where it will be sent from: in the send ring's
     * free run, then committed. */
    while (b->sent < b->total) {
      /* Bounded: a peer that never reads would keep its window shut,
       * and TCP probes it for as long as it answers. */
      TERN_CO_AWAIT(&b->w.co,
                    tern_with_timeout(
                        &b->w.timer, cx,
                        tern_tcp_poll_reserve(b->w.c, cx, &b->w.room, &b->w.n),
                        TERN_BULK_IDLE_MS, &b->w.expired));
      if (b->w.expired) {
        b->w.n = TERN_ETIMEDOUT;
      }
      if (b->w.n < 0) {
        break;
      }
      b->w.len = (size_t)b->w.n;
      if (b->total - b->sent < b->w.len) {
        b->w.len = (size_t)(b->total - b->sent);
      }
      for (size_t i = 0; i < b->w.len; i++) {
        b->w.room[i] = tern_bulk_pattern(b->sent + i);
      }
      /* Within the run just shown, no await since: 0 by contract. */
      (void)tern_tcp_commit(b->w.c, b->w.len);
      b->sent += b->w.len;
    }
    if (b->w.n < 0) {
      tern_tcp_abort(b->w.c);
      finish(b, (int)b->w.n);
    } else {
      TERN_CO_AWAIT(&b->w.co, tern_tcp_poll_close(b->w.c, cx, &b->err));
      finish(b, b->err);
    }
  } while (b->listening);
  TERN_CO_END(&b->w.co);
}

static int setup(tern_bulk *b, tern_tcp_layer *tcp, uint64_t total) {
  memset(b, 0, sizeof *b);
  b->total = total;
  tern_task_init(&b->w.task, writer_poll);
  return tern_tcp_conn_init(&b->conn, tcp, b->tx, sizeof b->tx, b->rx,
                            sizeof b->rx);
}

int tern_bulk_connect(tern_bulk *b, tern_executor *ex, tern_tcp_layer *tcp,
                      const tern_endpoint *remote, uint64_t total) {
  if (b == NULL || ex == NULL || tcp == NULL || remote == NULL) {
    return TERN_EINVAL;
  }
  int rc = setup(b, tcp, total);
  if (rc == 0) {
    rc = tern_tcp_connect(&b->conn, remote);
  }
  return rc == 0 ? tern_spawn(ex, &b->w.task) : rc;
}

int tern_bulk_listen(tern_bulk *b, tern_executor *ex, tern_tcp_layer *tcp,
                     const tern_endpoint *local, uint64_t total) {
  if (b == NULL || ex == NULL || tcp == NULL || local == NULL) {
    return TERN_EINVAL;
  }
  int rc = setup(b, tcp, total);
  if (rc == 0) {
    b->listening = true;
    rc = tern_tcp_listen(tcp, &b->lst, local, &b->conn, 1);
  }
  return rc == 0 ? tern_spawn(ex, &b->w.task) : rc;
}
