/* Listeners: a backlog of connection slots the application provides,
 * accept as a poll, and SYN cookies (RFC 4987 3.6, tern/tcp_cookie.h)
 * when every slot is taken, so a SYN flood costs no state. */
#include <string.h>

#include "tern/tcp_cookie.h"
#include "tern/tcp_isn.h"
#include "tern/tcp_seq.h"
#include "transport/tcp/tcp_conn.h"

static tern_tcp_conn *free_slot(tern_tcp_listener *lst) {
  for (uint8_t i = 0; i < lst->nslots; i++) {
    tern_tcp_conn *c = &lst->slots[i];
    if (c->state == TERN_TCP_CLOSED && (c->flags & TERN__TCP_F_IN_USE) == 0) {
      return c;
    }
  }
  return NULL;
}

/* Takes slot c for the connection local-remote. */
static void take(tern_tcp_listener *lst, tern_tcp_conn *c,
                 const tern_endpoint *local, const tern_endpoint *remote) {
  c->listener = lst;
  c->flags = TERN__TCP_F_IN_USE;
  c->err = 0;
  c->local = *local;
  c->remote = *remote;
  c->next = lst->layer->conns;
  lst->layer->conns = c;
}

void tern__tcp_slot_ready(tern_tcp_conn *c) {
  tern_waker_slot_wake(&c->listener->acceptor);
}

/* A SYN with every slot taken: the SYN-ACK carries a cookie as our ISN
 * and only the MSS (what a cookie cannot hold is not offered). */
static void cookie_synack(tern_tcp_listener *lst, const tern_endpoint *local,
                          const tern_endpoint *remote, const tern_tcp_repr *s) {
  tern_tcp_layer *layer = lst->layer;
  uint16_t peer_mss =
      (s->opts.present & TERN_TCP_HAS_MSS) != 0
          ? s->opts.mss
          : (remote->addr.family == TERN_IP_V6 ? TERN_TCP_DEFAULT_MSS6
                                               : TERN_TCP_DEFAULT_MSS4);
  tern_tcp_repr r;
  memset(&r, 0, sizeof r);
  r.seq = tern_tcp_cookie_make(&layer->cookie_key, local, remote, s->seq,
                               peer_mss, tern_now());
  r.ack = s->seq + 1;
  r.flags = TERN_TCP_SYN | TERN_TCP_ACK;
  uint32_t wnd = lst->slots[0].rcv.cap;
  r.window = (uint16_t)(wnd > 0xffffu ? 0xffffu : wnd);
  r.opts.present = TERN_TCP_HAS_MSS;
  r.opts.mss = tern__tcp_our_mss(layer, remote);
  layer->stats.cookies_sent++;
  tern__tcp_send_now(layer, local, remote, &r);
}

/* An ACK to the listener: the end of a cookie handshake, or nothing. */
static void cookie_ack(tern_tcp_listener *lst, const tern_endpoint *local,
                       const tern_endpoint *remote, const tern_tcp_repr *s) {
  tern_tcp_layer *layer = lst->layer;
  uint16_t mss;
  if (tern_tcp_cookie_check(&layer->cookie_key, local, remote, s->seq - 1,
                            s->ack - 1, tern_now(), &mss) != 0) {
    layer->stats.cookies_bad++;
    tern__tcp_reset_answer(layer, local, remote, s); /* RFC 9293: an ACK
                                                        to LISTEN resets */
    return;
  }
  tern_tcp_conn *c = free_slot(lst);
  if (c == NULL) {
    layer->stats.backlog_full++; /* the peer's retransmission may find one */
    return;
  }
  layer->stats.cookies_ok++;
  take(lst, c, local, remote);
  uint32_t iss = s->ack - 1;
  tern__tcp_open(c, iss, tern_now());
  tern_tcp_rcvbuf_init(&c->rcv, c->rcv.ring, c->rcv.cap, s->seq - 1);
  c->state = TERN_TCP_SYN_RCVD;
  c->snd_nxt = c->snd_max = iss + 1; /* our SYN-ACK went out, statelessly */
  c->rcv_shift = 0;                  /* no options survive a cookie */
  c->snd_shift = 0;
  c->opts = 0;
  uint16_t ours = tern__tcp_our_mss(layer, remote);
  c->mss = mss < ours ? mss : ours;
  tern__tcp_segment(c, s);
}

void tern__tcp_listen_input(tern_tcp_listener *lst, const tern_endpoint *local,
                            const tern_endpoint *remote,
                            const tern_tcp_repr *s) {
  tern_tcp_layer *layer = lst->layer;
  if ((s->flags & TERN_TCP_RST) != 0) {
    return; /* RFC 9293 3.10.7.2: ignored */
  }
  if ((s->flags & TERN_TCP_ACK) != 0) {
    if ((s->flags & TERN_TCP_SYN) == 0) {
      cookie_ack(lst, local, remote, s);
    } else {
      tern__tcp_reset_answer(layer, local, remote, s);
    }
    return;
  }
  if ((s->flags & TERN_TCP_SYN) == 0) {
    return;
  }
  tern_tcp_conn *c = free_slot(lst);
  if (c == NULL) {
    cookie_synack(lst, local, remote, s);
    return;
  }
  uint16_t mss = tern__tcp_our_mss(layer, remote);
  if (mss == 0) {
    return; /* no route back */
  }
  tern_time now = tern_now();
  take(lst, c, local, remote);
  tern__tcp_open(c, tern_tcp_isn(&layer->isn_key, local, remote, now), now);
  c->state = TERN_TCP_SYN_RCVD;
  c->mss = mss;
  tern_tcp_rcvbuf_init(&c->rcv, c->rcv.ring, c->rcv.cap, s->seq);
  /* Our shift and options, settled now: we answer what the SYN offered. */
  tern_tcp_opts ours;
  memset(&ours, 0, sizeof ours);
  ours.present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE |
                 (layer->cfg.sack ? TERN_TCP_HAS_SACK_PERM : 0) |
                 TERN_TCP_HAS_TIMESTAMP;
  ours.mss = mss;
  ours.wscale = c->rcv_shift;
  tern_tcp_negotiated n;
  tern_tcp_negotiate(&ours, &s->opts, (tern_ip_family)remote->addr.family, mss,
                     &n);
  c->mss = n.mss;
  c->snd_shift = n.snd_shift;
  c->rcv_shift = n.rcv_shift;
  c->opts = (uint8_t)((n.sack ? TERN__TCP_O_SACK : 0) |
                      (n.timestamps ? TERN__TCP_O_TS : 0));
  c->ts_recent = n.timestamps ? s->opts.ts_val : 0;
  tern__tcp_heard(c, now);
  tern__tcp_kick(layer);
}

int tern_tcp_listen(tern_tcp_layer *layer, tern_tcp_listener *lst,
                    const tern_endpoint *local, tern_tcp_conn *slots,
                    uint8_t n) {
  if (layer == NULL || lst == NULL || local == NULL || local->port == 0 ||
      slots == NULL || n == 0) {
    return TERN_EINVAL;
  }
  for (uint8_t i = 0; i < n; i++) {
    if (slots[i].layer != layer || slots[i].state != TERN_TCP_CLOSED) {
      return TERN_EINVAL; /* each set up by tern_tcp_conn_init */
    }
  }
  for (tern_tcp_listener *l = layer->listeners; l != NULL; l = l->next) {
    if (l == lst || l->local.port == local->port) {
      return TERN_EADDRINUSE;
    }
  }
  memset(lst, 0, sizeof *lst);
  lst->layer = layer;
  lst->local = *local;
  lst->slots = slots;
  lst->nslots = n;
  for (uint8_t i = 0; i < n; i++) {
    slots[i].listener = lst;
    slots[i].flags = 0;
  }
  lst->next = layer->listeners;
  layer->listeners = lst;
  return 0;
}

tern_poll tern_tcp_poll_accept(tern_tcp_listener *lst, tern_cx *cx,
                               tern_tcp_conn **out) {
  for (uint8_t i = 0; i < lst->nslots; i++) {
    tern_tcp_conn *c = &lst->slots[i];
    if ((c->flags & (TERN__TCP_F_IN_USE | TERN__TCP_F_ACCEPTED)) ==
            TERN__TCP_F_IN_USE &&
        c->state >= TERN_TCP_ESTABLISHED) {
      c->flags |= TERN__TCP_F_ACCEPTED;
      *out = c;
      return TERN_READY;
    }
  }
  tern_waker_slot_register(&lst->acceptor, cx);
  return TERN_PENDING;
}

void tern_tcp_unlisten(tern_tcp_listener *lst) {
  tern_tcp_layer *layer = lst->layer;
  if (layer == NULL) {
    return;
  }
  tern_tcp_listener **pp = &layer->listeners;
  while (*pp != NULL && *pp != lst) {
    pp = &(*pp)->next;
  }
  if (*pp == lst) {
    *pp = lst->next;
  }
  for (uint8_t i = 0; i < lst->nslots; i++) {
    tern_tcp_conn *c = &lst->slots[i];
    if ((c->flags & TERN__TCP_F_ACCEPTED) == 0 && c->state != TERN_TCP_CLOSED) {
      tern_tcp_abort(c);
    }
  }
  lst->layer = NULL;
  tern_waker_slot_wake(&lst->acceptor);
}
