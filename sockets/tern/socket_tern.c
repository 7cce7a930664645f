/* The tern backend of the socket API: see tern/socket_tern.h. */
#include "tern/socket_tern.h"

#include <string.h>

#include "tern/err.h"

/* tern_socket_tern_sock.kind */
enum {
  KIND_FREE = 0,
  KIND_STREAM,   /* opened (maybe bound), neither connecting nor listening */
  KIND_LISTENER, /* u.lst over conns[first..first+count) */
  KIND_CONN,     /* conns[conn] */
  KIND_DGRAM,    /* u.udp */
};

static tern_socket_tern_sock *sock_of(tern_socket *s) {
  return (tern_socket_tern_sock *)s;
}

static tern_tcp_conn *conn_of(tern_socket_tern_sock *k) {
  return &k->net->st.conns[k->conn];
}

/* A connection no socket and no live listener holds, and that has
 * finished (TIME-WAIT over). */
static bool conn_free(const tern_socket_tern *net, unsigned i) {
  uint32_t bit = 1u << i;
  return ((net->conn_app | net->conn_lst) & bit) == 0 &&
         tern_tcp_get_state(&net->st.conns[i]) == TERN_TCP_CLOSED;
}

static int conn_setup(const tern_socket_tern_storage *st, tern_tcp_layer *tcp,
                      unsigned i) {
  uint8_t *tx = st->tcp_bufs + (size_t)i * (st->tcp_tx + st->tcp_rx);
  return tern_tcp_conn_init(&st->conns[i], tcp, tx, st->tcp_tx, tx + st->tcp_tx,
                            st->tcp_rx);
}

static tern_socket_tern_sock *free_sock(tern_socket_tern *net) {
  for (uint16_t i = 0; i < net->st.nsocks; i++) {
    if (net->st.socks[i].kind == KIND_FREE) {
      return &net->st.socks[i];
    }
  }
  return NULL;
}

static void release(tern_socket_tern_sock *k) {
  k->kind = KIND_FREE;
}

static int t_open(tern_net *n, tern_socket_type type, tern_socket **out) {
  tern_socket_tern *net = (tern_socket_tern *)n;
  uint8_t kind;
  if (type == TERN_SOCK_STREAM && net->tcp != NULL && net->st.nconns > 0) {
    kind = KIND_STREAM;
  } else if (type == TERN_SOCK_DGRAM && net->udp != NULL &&
             net->st.udp_ring > 0) {
    kind = KIND_DGRAM;
  } else {
    return TERN_EINVAL;
  }
  tern_socket_tern_sock *k = free_sock(net);
  if (k == NULL) {
    return TERN_ENOMEM;
  }
  memset(&k->u, 0, sizeof k->u);
  k->kind = kind;
  *out = &k->base;
  return 0;
}

static uint8_t *udp_ring(tern_socket_tern_sock *k) {
  const tern_socket_tern_storage *st = &k->net->st;
  return st->udp_bufs + (size_t)(k - st->socks) * st->udp_ring;
}

static int udp_bind(tern_socket_tern_sock *k, const tern_endpoint *local) {
  return tern_udp_bind(k->net->udp, &k->u.udp, local, udp_ring(k),
                       k->net->st.udp_ring);
}

static bool udp_bound(const tern_socket_tern_sock *k) {
  return k->u.udp.local.port != 0;
}

static int t_bind(tern_socket *s, const tern_endpoint *local) {
  tern_socket_tern_sock *k = sock_of(s);
  if (k->kind == KIND_DGRAM) {
    return udp_bind(k, local);
  }
  if (k->kind != KIND_STREAM || local == NULL || k->u.local.port != 0) {
    return TERN_EINVAL;
  }
  int rc = tern_endpoint_local_check(local); /* as UDP's bind checks */
  if (rc != 0) {
    return rc;
  }
  if (local->port == 0) {
    return TERN_ENOTSUP; /* tern's listener needs its port */
  }
  k->u.local = *local;
  return 0;
}

static int t_listen(tern_socket *s, unsigned backlog) {
  tern_socket_tern_sock *k = sock_of(s);
  tern_socket_tern *net = k->net;
  if (k->kind != KIND_STREAM || k->u.local.port == 0 || backlog == 0 ||
      backlog > 255) {
    return TERN_EINVAL;
  }
  /* First fit: backlog neighbouring free connections. */
  unsigned run = 0;
  unsigned first = 0;
  for (unsigned i = 0; i < net->st.nconns && run < backlog; i++) {
    if (conn_free(net, i)) {
      if (run == 0) {
        first = i;
      }
      run++;
    } else {
      run = 0;
    }
  }
  if (run < backlog) {
    return TERN_ENOMEM;
  }
  for (unsigned i = first; i < first + backlog; i++) {
    int rc = conn_setup(&net->st, net->tcp, i);
    if (rc != 0) {
      return rc;
    }
  }
  /* The listener takes the union's place of the bound endpoint. */
  tern_endpoint local = k->u.local;
  int rc = tern_tcp_listen(net->tcp, &k->u.lst, &local, &net->st.conns[first],
                           (uint8_t)backlog);
  if (rc != 0) {
    k->u.local = local;
    return rc;
  }
  memset(&k->u.lst_waiter, 0, sizeof k->u.lst_waiter); /* TERN_WAITER_INIT */
  uint32_t bits = (backlog == 32 ? 0xffffffffu : ((1u << backlog) - 1u))
                  << first;
  net->conn_lst |= bits;
  k->first = (uint8_t)first;
  k->count = (uint8_t)backlog;
  k->kind = KIND_LISTENER;
  return 0;
}

static tern_poll t_poll_accept(tern_socket *s, tern_cx *cx, tern_socket **out,
                               int *err) {
  tern_socket_tern_sock *k = sock_of(s);
  tern_socket_tern *net = k->net;
  if (k->kind != KIND_LISTENER || out == NULL) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  /* A socket for it first, so that a connection is never taken from the
   * backlog with nowhere to put it. */
  tern_socket_tern_sock *a = free_sock(net);
  if (a == NULL) {
    *err = TERN_ENOMEM;
    return TERN_READY;
  }
  tern_tcp_conn *c;
  if (tern_tcp_poll_accept(&k->u.lst, cx, &k->u.lst_waiter, &c) ==
      TERN_PENDING) {
    return TERN_PENDING;
  }
  unsigned i = (unsigned)(c - net->st.conns);
  net->conn_app |= 1u << i;
  memset(&a->u, 0, sizeof a->u);
  a->kind = KIND_CONN;
  a->conn = (uint8_t)i;
  *out = &a->base;
  *err = 0;
  return TERN_READY;
}

static int t_connect(tern_socket *s, const tern_endpoint *remote) {
  tern_socket_tern_sock *k = sock_of(s);
  tern_socket_tern *net = k->net;
  if (k->kind == KIND_DGRAM) {
    /* As the other backends: a peer has a family and an address (tern's
     * UDP would read no family as dissolving the peer), and a socket is
     * connected once. */
    int rc = tern_endpoint_remote_check(remote);
    if (rc != 0) {
      return rc;
    }
    if (k->u.udp.remote.port != 0) {
      return TERN_EINVAL;
    }
    if (!udp_bound(k)) {
      rc = udp_bind(k, NULL);
      if (rc != 0) {
        return rc;
      }
    }
    return tern_udp_connect(&k->u.udp, remote);
  }
  if (k->kind != KIND_STREAM) {
    return TERN_EINVAL;
  }
  /* As the API says: a port, a family, and an address (tern's TCP would
   * route a SYN to 0.0.0.0). */
  int rc = tern_endpoint_remote_check(remote);
  if (rc != 0) {
    return rc;
  }
  if (k->u.local.port != 0) {
    return TERN_ENOTSUP;
  }
  for (unsigned i = 0; i < net->st.nconns; i++) {
    if (!conn_free(net, i)) {
      continue;
    }
    rc = conn_setup(&net->st, net->tcp, i);
    if (rc == 0) {
      rc = tern_tcp_connect(&net->st.conns[i], remote);
    }
    if (rc != 0) {
      return rc;
    }
    net->conn_app |= 1u << i;
    k->conn = (uint8_t)i;
    k->kind = KIND_CONN;
    return 0;
  }
  return TERN_ENOMEM;
}

static tern_poll t_poll_connect(tern_socket *s, tern_cx *cx, int *err) {
  tern_socket_tern_sock *k = sock_of(s);
  if (k->kind == KIND_CONN) {
    return tern_tcp_poll_connect(conn_of(k), cx, err);
  }
  *err = k->kind == KIND_DGRAM && k->u.udp.remote.port != 0 ? 0 : TERN_EINVAL;
  return TERN_READY;
}

static tern_poll t_poll_send_to(tern_socket *s, tern_cx *cx,
                                const tern_endpoint *dst, const void *data,
                                size_t len, int *err) {
  tern_socket_tern_sock *k = sock_of(s);
  int rc = TERN_EINVAL;
  if (k->kind != KIND_DGRAM) {
    goto out;
  }
  /* tern's UDP checks the arguments of a bound socket's send; an unbound
   * one's are checked here first, as the other backends check them, so
   * that a send they refuse leaves it unbound (connect binds, so it is
   * unconnected). */
  if (!udp_bound(k)) {
    if (data == NULL && len > 0) {
      goto out;
    }
    rc = dst != NULL ? tern_endpoint_remote_check(dst) : TERN_ENOTCONN;
    if (rc == 0) {
      rc = udp_bind(k, NULL);
    }
    if (rc != 0) {
      goto out;
    }
  }
  return tern_udp_poll_send_to(&k->u.udp, cx, dst, data, len, err);
out:
  *err = rc;
  return TERN_READY;
}

static tern_poll t_poll_recv_from(tern_socket *s, tern_cx *cx,
                                  tern_endpoint *src, void *buf, size_t cap,
                                  int *n) {
  tern_socket_tern_sock *k = sock_of(s);
  /* No buffer for a capacity is a bad argument, as on the other backends
   * (tern's UDP would take the datagram and copy nothing). A socket never
   * bound is tern's UDP's TERN_EINVAL. */
  if (k->kind != KIND_DGRAM || (buf == NULL && cap > 0)) {
    *n = TERN_EINVAL;
    return TERN_READY;
  }
  return tern_udp_poll_recv_from(&k->u.udp, cx, src, buf, cap, n);
}

static int t_endpoint(tern_socket *s, bool peer, tern_endpoint *out) {
  tern_socket_tern_sock *k = sock_of(s);
  if (out == NULL) {
    return TERN_EINVAL;
  }
  const tern_endpoint *e;
  switch (k->kind) {
    case KIND_CONN: e = peer ? &conn_of(k)->remote : &conn_of(k)->local; break;
    case KIND_DGRAM: e = peer ? &k->u.udp.remote : &k->u.udp.local; break;
    case KIND_LISTENER: e = peer ? NULL : &k->u.lst.local; break;
    case KIND_STREAM: e = peer ? NULL : &k->u.local; break;
    default: return TERN_EINVAL;
  }
  if (e == NULL || (peer && e->port == 0)) {
    return TERN_ENOTCONN;
  }
  *out = *e;
  return 0;
}

static int t_set_option(tern_socket *s, tern_socket_option opt, int32_t value) {
  tern_socket_tern_sock *k = sock_of(s);
  switch (opt) {
    case TERN_SO_NODELAY:
    case TERN_SO_KEEPALIVE:
      if (k->kind != KIND_CONN || (value != 0 && value != 1)) {
        return TERN_EINVAL;
      }
      if (opt == TERN_SO_NODELAY) {
        tern_tcp_set_nodelay(conn_of(k), value != 0);
      } else {
        tern_tcp_set_keepalive(conn_of(k), value != 0);
      }
      return 0;
    case TERN_SO_SNDBUF:
    case TERN_SO_RCVBUF:
      /* Any socket but a listener, connected or not (the API's rule). */
      if (k->kind == KIND_LISTENER || k->kind == KIND_FREE || value <= 0) {
        return TERN_EINVAL;
      }
      return TERN_ENOTSUP; /* the rings are the composition's */
    default: return TERN_EINVAL;
  }
}

static void close_listener(tern_socket_tern_sock *k) {
  tern_tcp_unlisten(&k->u.lst);
  uint32_t bits = (k->count == 32 ? 0xffffffffu : ((1u << k->count) - 1u))
                  << k->first;
  k->net->conn_lst &= ~bits;
}

static tern_poll t_poll_close(tern_socket *s, tern_cx *cx, int *err) {
  tern_socket_tern_sock *k = sock_of(s);
  *err = 0;
  switch (k->kind) {
    case KIND_FREE: *err = TERN_EINVAL; return TERN_READY;
    case KIND_CONN: {
      tern_tcp_conn *c = conn_of(k);
      if (tern_tcp_poll_close(c, cx, err) == TERN_PENDING) {
        return TERN_PENDING;
      }
      /* A task still in read finds the socket gone: the connection lives
       * on (FIN-WAIT-2, TIME-WAIT) and would wake it only when the peer
       * sends, maybe never, maybe once the slot is another socket's. */
      (void)tern_waker_slot_wake(&c->reader);
      k->net->conn_app &= ~(1u << k->conn);
      break;
    }
    case KIND_LISTENER: close_listener(k); break;
    case KIND_DGRAM: tern_udp_close(&k->u.udp); break;
    default: break;
  }
  release(k);
  return TERN_READY;
}

static void t_abort(tern_socket *s) {
  tern_socket_tern_sock *k = sock_of(s);
  switch (k->kind) {
    case KIND_FREE: return;
    case KIND_CONN:
      tern_tcp_abort(conn_of(k));
      k->net->conn_app &= ~(1u << k->conn);
      break;
    case KIND_LISTENER: close_listener(k); break;
    case KIND_DGRAM: tern_udp_close(&k->u.udp); break;
    default: break;
  }
  release(k);
}

/* ---- a connection's stream ---- */

static tern_poll t_read(void *self, tern_cx *cx, void *buf, size_t len,
                        ptrdiff_t *n) {
  tern_socket_tern_sock *k = self;
  if (k->kind != KIND_CONN) {
    *n = TERN_EINVAL;
    return TERN_READY;
  }
  return tern_tcp_poll_read(conn_of(k), cx, buf, len, n);
}

static tern_poll t_write(void *self, tern_cx *cx, const void *buf, size_t len,
                         ptrdiff_t *n) {
  tern_socket_tern_sock *k = self;
  if (k->kind != KIND_CONN) {
    *n = TERN_EINVAL;
    return TERN_READY;
  }
  return tern_tcp_poll_write(conn_of(k), cx, buf, len, n);
}

static tern_poll t_flush(void *self, tern_cx *cx, int *err) {
  tern_socket_tern_sock *k = self;
  if (k->kind != KIND_CONN) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  return tern_tcp_poll_flush(conn_of(k), cx, err);
}

static tern_poll t_shut(void *self, tern_cx *cx, int *err) {
  tern_socket_tern_sock *k = self;
  if (k->kind != KIND_CONN) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  /* The stream's close is a half-close: the FIN is queued after the data,
   * and READY comes once the data has been acknowledged (the stream's
   * contract: flushed, then the end signalled). The FIN itself may still
   * be unacknowledged, or not yet sent, in FIN-WAIT-1, CLOSING or
   * LAST-ACK: tern_tcp_poll_flush counts data bytes only; FIN-WAIT-2 and
   * TIME-WAIT say it was acknowledged. The connection stays the socket's
   * (tern_tcp_poll_close, which waits for the FIN's ACK, would also hand
   * a listener's slot back). */
  tern_tcp_conn *c = conn_of(k);
  tern_tcp_shutdown(c);
  switch (tern_tcp_get_state(c)) {
    case TERN_TCP_FIN_WAIT_2:
    case TERN_TCP_TIME_WAIT: *err = 0; return TERN_READY;
    case TERN_TCP_CLOSED: *err = c->err; return TERN_READY;
    default: return tern_tcp_poll_flush(c, cx, err);
  }
}

const tern_socket_ops tern_socket_tern_ops = {
    .open = t_open,
    .bind = t_bind,
    .listen = t_listen,
    .poll_accept = t_poll_accept,
    .connect = t_connect,
    .poll_connect = t_poll_connect,
    .poll_send_to = t_poll_send_to,
    .poll_recv_from = t_poll_recv_from,
    .endpoint = t_endpoint,
    .set_option = t_set_option,
    .poll_close = t_poll_close,
    .abort = t_abort,
    .stream = {t_read, t_write, t_flush, t_shut},
};

/* The setup, with the table the sockets carry (NULL: none, for a build
 * that calls the functions above directly: sockets/bench/link_tern.c). */
static int setup(tern_socket_tern *net, tern_tcp_layer *tcp,
                 tern_udp_layer *udp, const tern_socket_tern_storage *st,
                 const tern_socket_ops *ops) {
  if (net == NULL || st == NULL || st->socks == NULL || st->nsocks == 0 ||
      st->nconns > TERN_SOCKET_TERN_MAX_CONNS ||
      (st->nconns > 0 && (st->conns == NULL || st->tcp_bufs == NULL ||
                          st->tcp_tx == 0 || st->tcp_rx == 0)) ||
      (st->udp_ring > 0 && st->udp_bufs == NULL)) {
    return TERN_EINVAL;
  }
  /* The connections first: their rings are checked by tern_tcp_conn_init,
   * and a refusal leaves net and the sockets as they were (before the
   * sock33 branch both were cleared first). */
  for (unsigned i = 0; tcp != NULL && i < st->nconns; i++) {
    int rc = conn_setup(st, tcp, i);
    if (rc != 0) {
      return rc;
    }
  }
  memset(net, 0, sizeof *net);
  net->base.ops = ops;
  net->tcp = tcp;
  net->udp = udp;
  net->st = *st;
  for (uint16_t i = 0; i < st->nsocks; i++) {
    tern_socket_tern_sock *k = &st->socks[i];
    memset(k, 0, sizeof *k);
    k->base.ops = ops;
    k->net = net;
  }
  return 0;
}

int tern_socket_tern_init(tern_socket_tern *net, tern_tcp_layer *tcp,
                          tern_udp_layer *udp,
                          const tern_socket_tern_storage *st) {
  return setup(net, tcp, udp, st, &tern_socket_tern_ops);
}
