/* The application's side: the layer's set-up, open, the stream
 * operations over the two rings, close and abort (RFC 9293 3.10.1 to
 * 3.10.5). */
#include <string.h>

#include "tern/tcp_isn.h"
#include "tern/tcp_seq.h"
#include "transport/tcp/tcp_conn.h"

void tern_tcp_config_default(tern_tcp_config *cfg) {
  cfg->min_rto = 200; /* Linux's */
  cfg->max_rto = TERN_TCP_RTO_MAX_DEFAULT;
  cfg->time_wait = 60000; /* Linux's TIME-WAIT */
  cfg->fin_wait2 = 60000; /* Linux's tcp_fin_timeout */
  cfg->delack = 40;
  cfg->user_timeout = 120000;
  cfg->keepalive = 7200000; /* RFC 1122 4.2.3.6: two hours */
  cfg->keepalive_probes = 9;
  cfg->sack = 1;
}

/* Whether the timers can hold cfg's times: each is a distance on the
 * clock, which orders instants up to 2^31 ms apart (tern_time_before), so
 * a longer one would make a deadline that is due at once; and a maximum
 * RTO of 0 a retransmission timer that is always due. */
static bool config_ok(const tern_tcp_config *cfg) {
  return ((cfg->min_rto | cfg->max_rto | cfg->time_wait | cfg->fin_wait2 |
           cfg->delack | cfg->user_timeout | cfg->keepalive) >>
          31) == 0 &&
         cfg->max_rto != 0;
}

int tern_tcp_init(tern_tcp_layer *layer, tern_ip_stack *stack,
                  const tern_tcp_config *cfg) {
  if (layer == NULL || stack == NULL || (cfg != NULL && !config_ok(cfg))) {
    return TERN_EINVAL;
  }
  /* A TCP registered already (this layer, live, among them): refused
   * before the layer is written, as tern_ip_register would refuse it
   * after, for clearing a live layer would cut the stack's list of
   * protocols (design.md, principle 4). */
  if (tern_ip_has_proto(stack, TERN_IP_PROTO_TCP)) {
    return TERN_EADDRINUSE;
  }
  memset(layer, 0, sizeof *layer);
  layer->stack = stack;
  if (cfg != NULL) {
    layer->cfg = *cfg;
  } else {
    tern_tcp_config_default(&layer->cfg);
  }
  if (tern_rng_fill(&stack->rng, &layer->keys, sizeof layer->keys) != 0) {
    return TERN_EIO;
  }
  layer->proto.protocol = TERN_IP_PROTO_TCP;
  layer->proto.input = tern__tcp_input;
  layer->proto.error = tern__tcp_error;
  layer->proto.ctx = layer;
  return tern_ip_register(stack, &layer->proto);
}

int tern_tcp_conn_init(tern_tcp_conn *c, tern_tcp_layer *layer, uint8_t *tx,
                       uint32_t tx_cap, uint8_t *rx, uint32_t rx_cap) {
  /* Both rings checked before c is written (design.md, principle 4):
   * tern_tcp_rcvbuf_init refused a bad receive ring only after c was
   * cleared before the tcplayout33 branch. */
  if (c == NULL || layer == NULL || tx == NULL || tx_cap == 0 ||
      tx_cap > TERN_TCP_RCVBUF_MAX || rx == NULL || rx_cap == 0 ||
      rx_cap > TERN_TCP_RCVBUF_MAX) {
    return TERN_EINVAL;
  }
  /* Still on the layer's list (not CLOSED): clearing it would cut the
   * list, and the next connect would link it into a loop. */
  for (const tern_tcp_conn *o = layer->conns; o != NULL; o = o->next) {
    if (o == c) {
      return TERN_EBUSY;
    }
  }
  /* A live listener's slot, even a free one: cleared, it would be the
   * application's to connect, yet the listener would still hand it to
   * the next SYN once CLOSED, and unlisten abort it. (Compared as
   * addresses: c may be any storage, its fields not yet set.) */
  for (const tern_tcp_listener *l = layer->listeners; l != NULL; l = l->next) {
    if ((uintptr_t)c - (uintptr_t)l->slots < l->nslots * sizeof *c) {
      return TERN_EBUSY;
    }
  }
  memset(c, 0, sizeof *c);
  (void)tern_tcp_rcvbuf_init(&c->rcv, rx, rx_cap, 0); /* checked above */
  c->layer = layer;
  c->sbuf = tx;
  c->scap = tx_cap;
  /* Never opened: flush and close say so too, not the 0 of a clean close
   * (connect and a listener's take clear it). */
  c->err = TERN_ECLOSED;
  return 0;
}

void tern__tcp_open(tern_tcp_conn *c, tern_tcp_state state, uint32_t iss,
                    uint32_t irs) {
  tern_tcp_layer *layer = c->layer;
  c->state = state;
  c->next = layer->conns;
  layer->conns = c;
  /* Only the application's switches stay: they are the storage's, for
   * every connection made in it (a listener's slot's too). */
  c->flags &= TERN_TCP_F_NODELAY | TERN_TCP_F_KEEPALIVE;
  c->err = 0;
  c->snd_una = c->snd_nxt = c->snd_max = iss;
  c->snd_wnd = c->max_snd_wnd = 0;
  c->shead = c->slen = 0;
  c->pend = 0;
  c->retries = 0;
  c->acks_owed = c->extra_acks = 0;
  /* rtt_seq stays the last connection's: with rtt_at 0 it times nothing,
   * and sent() sets both for the first segment, the SYN or SYN-ACK (a
   * cookie's connection, sent none, times its first data); an RTT sample
   * asks rtt_at first (tcp_conn.c, ack_in; established takes a timestamp
   * echo, not rtt_seq). (conn_test's AStorageReusedTimesItsOwnSyn-
   * NotTheLastConnections.) */
  c->rtt_at = c->rtx_at = c->ack_at = c->idle_at = 0;
  c->ts_recent = 0;
  c->rcv_shift = tern__tcp_shift_for(c->rcv.cap);
  c->snd_shift = 0;
  c->opts = 0;
  /* Unread bytes of an earlier connection in this storage are not the
   * new one's. */
  (void)tern_tcp_rcvbuf_init(&c->rcv, c->rcv.ring, c->rcv.cap, irs);
  tern_tcp_rtt_init(&c->rtt, TERN_TCP_RTO_INITIAL, layer->cfg.min_rto,
                    layer->cfg.max_rto);
}

static bool port_in_use(void *ctx, uint16_t port) {
  const tern_tcp_layer *layer = ctx;
  for (const tern_tcp_conn *c = layer->conns; c != NULL; c = c->next) {
    if (c->local.port == port) {
      return true;
    }
  }
  for (const tern_tcp_listener *l = layer->listeners; l != NULL; l = l->next) {
    if (l->local.port == port) {
      return true;
    }
  }
  return false;
}

int tern_tcp_connect(tern_tcp_conn *c, const tern_endpoint *remote) {
  if (c == NULL || c->layer == NULL || remote == NULL || remote->port == 0 ||
      c->listener != NULL) {
    return TERN_EINVAL;
  }
  int rc = tern_ip_family_check(remote->addr.family);
  if (rc != 0) {
    return rc;
  }
  if (c->state != TERN_TCP_CLOSED) {
    return TERN_EALREADY;
  }
  tern_tcp_layer *layer = c->layer;
  tern_ip_route r;
  rc = tern__ip_route(layer->stack, &remote->addr, remote->scope, &r);
  if (rc != 0) {
    return rc;
  }
  uint16_t mss = tern__tcp_route_mss(layer, &r);
  if (mss == 0) {
    return TERN_EMSGSIZE;
  }
  int port = tern_ip_ephemeral_port(layer->stack, port_in_use, layer);
  if (port < 0) {
    return port;
  }
  tern_time now = tern_now();
  memset(&c->local, 0, sizeof c->local);
  c->local.addr = r.src;
  c->local.port = (uint16_t)port;
  /* Kept to the interface it leaves by, as a connection a listener
   * accepted is to the one its SYN came in on: RFC 1122 3.3.4.2, a strong
   * host sends from an interface's address only out of that interface,
   * and c->local.addr is this one's. Another interface that takes the
   * default route later (one back up) is not this connection's. */
  c->remote = *remote;
  c->remote.scope = r.iface->id;
  tern__tcp_open(c, TERN_TCP_SYN_SENT,
                 tern_tcp_isn(&layer->keys.isn, &c->local, remote, now), 0);
  c->mss = mss;
  tern__tcp_heard(c, now);
  tern__tcp_kick(layer);
  return 0;
}

/* The error a closed connection reports: what ended it, else
 * TERN_ECLOSED. */
static int closed_err(const tern_tcp_conn *c) {
  return c->err != 0 ? c->err : TERN_ECLOSED;
}

tern_poll tern_tcp_poll_connect(tern_tcp_conn *c, tern_cx *cx, int *err) {
  switch (c->state) {
    case TERN_TCP_SYN_SENT:
    case TERN_TCP_SYN_RCVD:
      tern_waker_slot_register(&c->writer, cx);
      return TERN_PENDING;
    case TERN_TCP_CLOSED: *err = closed_err(c); return TERN_READY;
    default: *err = 0; return TERN_READY;
  }
}

/* The reader took bytes out of the receive ring: poll_read's and
 * consume's one path to the window update. One goes out when the window
 * grew by two full segments of data (SMSS: the ACK of every second
 * segment, sent before the reader took them, is followed by one, so the
 * duplicate ACKs a later loss draws carry that window: a peer counts none
 * whose window changed, RFC 5681 2) or half the ring since we last
 * offered it (receiver SWS avoidance, RFC 9293 3.8.6.2.2). When the
 * window we offered last was closed (the peer waits in persist) one goes
 * as soon as it opens by RFC 9293's least step, min(SMSS, half the ring),
 * and not before: a few bytes offered would be sent alone, the silly
 * window. None after the peer's FIN: it sends no more data (Linux sends
 * none then either). */
static void rcv_taken(tern_tcp_conn *c) {
  /* The edge the window field can carry: with no shift (a peer without
   * window scaling) a ring past 65,535 bytes has more room than it says,
   * and counting that as growth sent the same ACK after every read. */
  uint32_t wnd = tern_tcp_rcvbuf_window(&c->rcv);
  uint32_t most = 0xffffu << c->rcv_shift;
  uint32_t edge = c->rcv.rcv_nxt + (wnd < most ? wnd : most);
  uint32_t grown = edge - c->last_adv;
  /* Two segments while the window offered was open, one once closed;
   * at most half the ring. */
  uint32_t half = c->rcv.cap / 2;
  uint32_t step = c->last_adv != c->rcv.rcv_nxt ? 2u * c->cc.smss : c->cc.smss;
  if (step > half) {
    step = half;
  }
  if (c->state != TERN_TCP_CLOSED && (c->flags & TERN__TCP_F_RCVD_FIN) == 0 &&
      tern_seq_gt(edge, c->last_adv) && grown >= step) {
    c->pend |= TERN__TCP_P_ACK;
    tern__tcp_kick(c->layer);
  }
}

/* Nothing unread: end of stream (*n 0) after the peer's FIN, the error
 * that closed c, or a wait for data. */
static tern_poll rcv_empty(tern_tcp_conn *c, tern_cx *cx, ptrdiff_t *n) {
  if ((c->flags & TERN__TCP_F_RCVD_FIN) != 0) {
    *n = 0; /* the peer's FIN, after every byte */
    return TERN_READY;
  }
  if (c->state == TERN_TCP_CLOSED) {
    *n = closed_err(c);
    return TERN_READY;
  }
  tern_waker_slot_register(&c->reader, cx);
  return TERN_PENDING;
}

tern_poll tern_tcp_poll_read(tern_tcp_conn *c, tern_cx *cx, void *buf,
                             size_t len, ptrdiff_t *n) {
  if (len == 0) {
    *n = 0;
    return TERN_READY;
  }
  if (buf == NULL) { /* a bad argument, not a crash in the copy */
    *n = TERN_EINVAL;
    return TERN_READY;
  }
  if (c->rcv.unread == 0) {
    return rcv_empty(c, cx, n);
  }
  *n = (ptrdiff_t)tern_tcp_rcvbuf_read(&c->rcv, buf, len);
  rcv_taken(c);
  return TERN_READY;
}

tern_poll tern_tcp_poll_peek(tern_tcp_conn *c, tern_cx *cx,
                             const uint8_t **data, ptrdiff_t *n) {
  uint32_t len;
  const uint8_t *p = tern_tcp_rcvbuf_peek(&c->rcv, &len);
  if (len == 0) {
    *data = NULL;
    return rcv_empty(c, cx, n);
  }
  *data = p;
  *n = (ptrdiff_t)len;
  return TERN_READY;
}

int tern_tcp_consume(tern_tcp_conn *c, size_t n) {
  if (c == NULL) {
    return TERN_EINVAL;
  }
  uint32_t len;
  (void)tern_tcp_rcvbuf_peek(&c->rcv, &len);
  if (len == 0 && c->state == TERN_TCP_CLOSED) {
    /* Closed with nothing left (an abort drops the unread bytes): say
     * why, for any n, as commit does. */
    return closed_err(c);
  }
  if (n > len) {
    return TERN_ERANGE;
  }
  if (n != 0) {
    (void)tern_tcp_rcvbuf_consume(&c->rcv, (uint32_t)n);
    rcv_taken(c);
  }
  return 0;
}

/* The room for the application's bytes in the send ring: > 0, 0 while it
 * must wait (the handshake, a full ring), or an error (closed, or our FIN
 * queued). poll_write's, reserve's and commit's one test. */
static int32_t snd_room(const tern_tcp_conn *c) {
  if (c->state == TERN_TCP_CLOSED) {
    return closed_err(c);
  }
  if ((c->flags & TERN__TCP_F_FIN) != 0) {
    return TERN_ECLOSED;
  }
  if (c->state == TERN_TCP_SYN_SENT || c->state == TERN_TCP_SYN_RCVD) {
    return 0;
  }
  return (int32_t)(c->scap - c->slen);
}

/* The ring index where the application's next byte goes. */
static uint32_t snd_tail(const tern_tcp_conn *c) {
  uint32_t at = c->shead + c->slen;
  return at >= c->scap ? at - c->scap : at;
}

/* The application put n bytes at the ring's tail: poll_write's and
 * commit's one path to queue them and wake the runner to send. */
static void snd_queued(tern_tcp_conn *c, uint32_t n) {
  c->slen += n;
  tern__tcp_kick(c->layer);
}

tern_poll tern_tcp_poll_write(tern_tcp_conn *c, tern_cx *cx, const void *buf,
                              size_t len, ptrdiff_t *n) {
  int32_t room = buf != NULL || len == 0 ? snd_room(c) : TERN_EINVAL;
  if (room < 0) {
    *n = room;
    return TERN_READY;
  }
  if (room == 0) {
    tern_waker_slot_register(&c->writer, cx);
    return TERN_PENDING;
  }
  uint32_t take = len < (uint32_t)room ? (uint32_t)len : (uint32_t)room;
  tern__tcp_ring_put(c->sbuf, c->scap, snd_tail(c), buf, take);
  snd_queued(c, take);
  *n = (ptrdiff_t)take;
  return TERN_READY;
}

/* The free run of the send ring at its tail: up to the ring's end or the
 * oldest unacknowledged byte, whichever comes first; 0 when room is. */
static uint32_t snd_run(const tern_tcp_conn *c, int32_t room) {
  uint32_t to_end = c->scap - snd_tail(c);
  return room <= 0 ? 0 : (uint32_t)room < to_end ? (uint32_t)room : to_end;
}

tern_poll tern_tcp_poll_reserve(tern_tcp_conn *c, tern_cx *cx, uint8_t **buf,
                                ptrdiff_t *n) {
  int32_t room = snd_room(c);
  *buf = NULL;
  if (room < 0) {
    *n = room;
    return TERN_READY;
  }
  if (room == 0) {
    tern_waker_slot_register(&c->writer, cx);
    return TERN_PENDING;
  }
  *buf = c->sbuf + snd_tail(c);
  *n = (ptrdiff_t)snd_run(c, room);
  return TERN_READY;
}

int tern_tcp_commit(tern_tcp_conn *c, size_t n) {
  if (c == NULL) {
    return TERN_EINVAL;
  }
  int32_t room = snd_room(c);
  if (room < 0) {
    return room;
  }
  if (n > snd_run(c, room)) {
    return TERN_ERANGE;
  }
  if (n != 0) {
    snd_queued(c, (uint32_t)n);
  }
  return 0;
}

tern_poll tern_tcp_poll_flush(tern_tcp_conn *c, tern_cx *cx, int *err) {
  if (c->state == TERN_TCP_CLOSED) {
    *err = c->err;
    return TERN_READY;
  }
  if (c->slen == 0 && c->state != TERN_TCP_SYN_SENT &&
      c->state != TERN_TCP_SYN_RCVD) {
    *err = 0;
    return TERN_READY;
  }
  tern_waker_slot_register(&c->writer, cx);
  return TERN_PENDING;
}

void tern_tcp_shutdown(tern_tcp_conn *c) {
  if ((c->flags & TERN__TCP_F_FIN) != 0) {
    return;
  }
  switch (c->state) {
    case TERN_TCP_SYN_SENT:
      tern__tcp_finish(c, 0); /* nothing was said yet */
      return;
    case TERN_TCP_SYN_RCVD: break; /* FIN-WAIT-1 once established */
    case TERN_TCP_ESTABLISHED: c->state = TERN_TCP_FIN_WAIT_1; break;
    case TERN_TCP_CLOSE_WAIT: c->state = TERN_TCP_LAST_ACK; break;
    default: return;
  }
  c->flags |= TERN__TCP_F_FIN;
  tern__tcp_kick(c->layer);
}

/* The application is done with a listener's slot: free it once CLOSED. */
static void user_done(tern_tcp_conn *c) {
  c->flags |= TERN__TCP_F_USER_DONE;
  if (c->state == TERN_TCP_FIN_WAIT_2) {
    tern__tcp_heard(c, tern_now()); /* the FIN-WAIT-2 timeout starts */
    tern__tcp_kick(c->layer);
  }
  if (c->state == TERN_TCP_CLOSED && c->listener != NULL) {
    c->flags &= TERN__TCP_F_KEPT; /* (finish) */
  }
}

tern_poll tern_tcp_poll_close(tern_tcp_conn *c, tern_cx *cx, int *err) {
  tern_tcp_shutdown(c); /* (nothing once CLOSED) */
  switch (c->state) {
    case TERN_TCP_FIN_WAIT_2:
    case TERN_TCP_TIME_WAIT: /* our FIN is acknowledged */
    case TERN_TCP_CLOSED: break;
    default: tern_waker_slot_register(&c->writer, cx); return TERN_PENDING;
  }
  *err = c->state == TERN_TCP_CLOSED ? c->err : 0;
  user_done(c);
  return TERN_READY;
}

void tern_tcp_abort(tern_tcp_conn *c) {
  if (c->layer == NULL) {
    return;
  }
  switch (c->state) {
    case TERN_TCP_SYN_RCVD:
    case TERN_TCP_ESTABLISHED:
    case TERN_TCP_FIN_WAIT_1:
    case TERN_TCP_FIN_WAIT_2:
    case TERN_TCP_CLOSE_WAIT: {
      /* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST>. */
      tern_tcp_repr r;
      memset(&r, 0, sizeof r);
      r.seq = c->snd_max;
      r.flags = TERN_TCP_RST;
      tern__tcp_send_now(c->layer, &c->local, &c->remote, &r);
      break;
    }
    default: break;
  }
  c->flags |= TERN__TCP_F_USER_DONE; /* (a listener's slot: freed) */
  tern__tcp_finish(c, TERN_ECLOSED);
  /* RFC 9293 3.10.5: pending RECEIVEs get "reset" too: unread bytes and a
   * FIN received are dropped, so later reads report TERN_ECLOSED.
   * RCV.NXT stays: a listener tells old duplicates by it (tcp_listen.c,
   * old_duplicate). */
  c->flags &= (uint8_t)~TERN__TCP_F_RCVD_FIN;
  (void)tern_tcp_rcvbuf_init(&c->rcv, c->rcv.ring, c->rcv.cap,
                             c->rcv.rcv_nxt - 1);
}

int tern_tcp_set_nodelay(tern_tcp_conn *c, bool on) {
  if (c == NULL || c->layer == NULL) {
    return TERN_EINVAL; /* never set up: no layer to wake */
  }
  c->flags = (uint8_t)(on ? c->flags | TERN_TCP_F_NODELAY
                          : c->flags & ~TERN_TCP_F_NODELAY);
  tern__tcp_kick(c->layer);
  return 0;
}

int tern_tcp_set_keepalive(tern_tcp_conn *c, bool on) {
  if (c == NULL || c->layer == NULL) {
    return TERN_EINVAL;
  }
  c->flags = (uint8_t)(on ? c->flags | TERN_TCP_F_KEEPALIVE
                          : c->flags & ~TERN_TCP_F_KEEPALIVE);
  if (c->state != TERN_TCP_CLOSED) {
    tern__tcp_heard(c, tern_now());
    tern__tcp_kick(c->layer);
  }
  return 0;
}

const char *tern_tcp_state_name(int state) {
  static const char *const names[] = {
      "CLOSED",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
      "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",      "LAST-ACK",    "TIME-WAIT",
  };
  if (state < 0 || state >= (int)(sizeof names / sizeof names[0])) {
    return "unknown";
  }
  return names[state];
}

/* ---- the stream ---- */

static tern_poll s_read(void *self, tern_cx *cx, void *buf, size_t len,
                        ptrdiff_t *n) {
  return tern_tcp_poll_read(self, cx, buf, len, n);
}

static tern_poll s_write(void *self, tern_cx *cx, const void *buf, size_t len,
                         ptrdiff_t *n) {
  return tern_tcp_poll_write(self, cx, buf, len, n);
}

static tern_poll s_flush(void *self, tern_cx *cx, int *err) {
  return tern_tcp_poll_flush(self, cx, err);
}

static tern_poll s_close(void *self, tern_cx *cx, int *err) {
  return tern_tcp_poll_close(self, cx, err);
}

static const tern_stream_ops tcp_stream_ops = {s_read, s_write, s_flush,
                                               s_close};

tern_stream tern_tcp_stream(tern_tcp_conn *c) {
  tern_stream s = {&tcp_stream_ops, c};
  return s;
}
