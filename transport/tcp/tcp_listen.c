/* Listeners: a backlog of connection slots the application provides,
 * accept as a poll, and SYN cookies (RFC 4987 3.6, tern/tcp_cookie.h)
 * when every slot is taken, so a SYN flood costs no state. */
#include <string.h>

#include "tern/tcp_cookie.h"
#include "tern/tcp_isn.h"
#include "tern/tcp_seq.h"
#include "transport/tcp/tcp_conn.h"

/* Whether c was heard from (or closed) before best, or best is NULL. */
static bool older(const tern_tcp_conn *c, const tern_tcp_conn *best) {
  return best == NULL || tern_time_before(c->idle_at, best->idle_at);
}

/* Whether instant t is at least a cookie's life (two periods, 131 s)
 * before now: the shift tests it in fewer bytes than a compare. */
static bool outlived_cookies(tern_time now, tern_time t) {
  return (now - t) >> (TERN_TCP_COOKIE_PERIOD_SHIFT + 1) != 0;
}

/* A CLOSED slot's close time (idle_at, asked by old_duplicate) is
 * forgotten (0: tern__tcp_finish never leaves 0) once it is older than a
 * cookie lives. Kept, it came round again with the 32-bit millisecond
 * clock (as cookie_at did: forget_stale_cookies), and until the
 * `tcpmisc29` branch a slot closed 49.7 days before was asked as if it
 * had closed just now: a new connection from the same peer port, its ISN
 * and our cookie before what the old one saw, was reset as an old
 * duplicate. Every SYN answered with a cookie has looked at every slot
 * here (none was free) within the cookie's life, so only a slot no SYN
 * looked at from 131 s to 49.7 days after its close is still taken so. */
static void forget_stale_close(tern_tcp_conn *c, tern_time now) {
  if (outlived_cookies(now, c->idle_at)) {
    c->idle_at = 0;
  }
}

/* The slot for a new connection: a free one; else the one whose
 * TIME-WAIT began first among those the application has closed (its
 * rings idle, only there to answer the peer's FIN again), which ends
 * now, as lwIP gives up its oldest TIME-WAIT PCB first; else, when
 * stale (a cookie's ACK), the stale half-open slot heard from longest
 * ago, reset; else NULL. Held to its end, TIME-WAIT made a listener
 * whose application closes first refuse connections for 60 s once every
 * slot had one. A stale half-open slot is in SYN-RECEIVED, never
 * accepted, its SYN-ACK unanswered for a whole retransmission timeout (a
 * real peer answers within a round trip; one whose handshake is merely
 * slow under loss keeps its slot); its idle deadline is the user timeout
 * from the last segment heard, so the earliest deadline is the oldest.
 * RFC 4987 3.5: a peer that brought a cookie back is real, while such a
 * slot is likely a spoofed SYN's, held for the user timeout; without
 * this, a flood that keeps every slot half-open locks out every cookie's
 * connection. Its peer, if real, then hears why. */
static tern_tcp_conn *free_slot(tern_tcp_listener *lst, bool stale,
                                tern_time now) {
  tern_tcp_conn *tw = NULL, *old = NULL;
  tern_tcp_conn *end = lst->slots + lst->nslots;
  for (tern_tcp_conn *c = lst->slots; c != end; c++) {
    if (c->state == TERN_TCP_CLOSED) {
      forget_stale_close(c, now);
      if ((c->flags & TERN__TCP_F_IN_USE) == 0) {
        return c;
      }
    }
    if (c->state == TERN_TCP_TIME_WAIT &&
        (c->flags & TERN__TCP_F_USER_DONE) != 0 && older(c, tw)) {
      tw = c;
    }
    if (c->state == TERN_TCP_SYN_RCVD && c->retries != 0 &&
        (c->flags & TERN__TCP_F_ACCEPTED) == 0 && older(c, old)) {
      old = c;
    }
  }
  if (tw != NULL) {
    /* Its slot is free (the application closed), but the ACK it may
     * still owe for the peer's FIN goes first, as when its time is up
     * (tern__tcp_end_time_wait); forgotten until the `revmerge30`
     * branch. */
    tern__tcp_end_time_wait(tw);
    return tw;
  }
  if (!stale || old == NULL) {
    return NULL;
  }
  lst->layer->stats.half_open_dropped++;
  tern_tcp_abort(old);
  return old;
}

/* Takes slot c, a listener's (its listener since tern_tcp_listen), just
 * opened (tern__tcp_open: only the application's switches kept, which
 * until the `revlate29` branch were cleared here), for the connection
 * local-remote. */
static void take(tern_tcp_conn *c, const tern_endpoint *local,
                 const tern_endpoint *remote) {
  c->flags |= TERN__TCP_F_IN_USE;
  c->local = *local;
  c->remote = *remote;
}

/* Cookies are in use while lst->cookie_at is not 0: a cookie went out
 * within the two periods a cookie lives. The instant is forgotten once a
 * segment to the listener finds it older. Kept, it came round again: the
 * 32-bit millisecond clock wraps after 49.7 days, now - cookie_at is then
 * small again (no wrap-safe comparison can tell an instant from one
 * 2^32 ms later), and until the `tcpaddr28` branch a listener that once
 * sent a cookie took cookies as in use for 131 s after each wrap: a stray
 * ACK dropped, not reset, and a blind guess a 2^-24 chance of a
 * connection. Only a listener that hears nothing at all for 49.7 days
 * after its last cookie is still fooled so, for those 131 s. */
static void forget_stale_cookies(tern_tcp_listener *lst, tern_time now) {
  if (outlived_cookies(now, lst->cookie_at)) {
    lst->cookie_at = 0;
  }
}

/* A SYN with every slot taken: the SYN-ACK carries a cookie as our ISN
 * and only the MSS, ours (what a cookie cannot hold is not offered). */
static void cookie_synack(tern_tcp_listener *lst, const tern_endpoint *local,
                          const tern_endpoint *remote, const tern_tcp_repr *s,
                          uint16_t ours, tern_time now) {
  tern_tcp_layer *layer = lst->layer;
  uint16_t peer_mss =
      (s->opts.present & TERN_TCP_HAS_MSS) != 0
          ? s->opts.mss
          : (TERN_CONFIG_IPV6 && remote->addr.family == TERN_IP_V6
                 ? TERN_TCP_DEFAULT_MSS6
                 : TERN_TCP_DEFAULT_MSS4);
  tern_tcp_repr r;
  memset(&r, 0, sizeof r);
  r.seq = tern_tcp_cookie_make(&layer->keys.cookie, local, remote, s->seq,
                               peer_mss, now);
  r.ack = s->seq + 1;
  r.flags = TERN_TCP_SYN | TERN_TCP_ACK;
  r.window = lst->cookie_wnd;
  r.opts.present = TERN_TCP_HAS_MSS;
  r.opts.mss = ours;
  layer->stats.cookies_sent++;
  lst->cookie_at = now != 0 ? now : 1;
  tern__tcp_send_now(layer, local, remote, &r);
}

/* Whether s, from remote, is an old duplicate for a slot's connection
 * with the same peer that has closed: its SEQ not past
 * what that connection received and its ACK not past what it sent (a
 * slot keeps both until another connection takes it). The final ACK of a
 * cookie's handshake, duplicated in the network, still checks for up to
 * 131 s, longer than TIME-WAIT lasts (and a passive close has none), and
 * made a second connection, a ghost. A new handshake from the same port
 * comes with a larger ISN (RFC 6528's grow with time), as RFC 9293 3.6.1
 * (RFC 6191) tells a new SYN from an old segment in TIME-WAIT. That
 * holds only for a while: so only a connection closed within a cookie's
 * life (idle_at: when it closed, tcp_conn.c; 0: forgotten, free_slot) is
 * asked, as only its cookie can still check. Later, a clock-driven ISN
 * and our cookie's period bits have run on past half the sequence space,
 * compare as before what the old connection saw, and a new connection from the
 * same port was reset as a duplicate. Our end is not compared: every slot's
 * port is the listener's, and so is its address unless the listener
 * takes any of several; then the same peer port to another of ours
 * within those 131 s counts as old too (and is reset). */
static bool old_duplicate(const tern_tcp_listener *lst,
                          const tern_endpoint *remote, const tern_tcp_repr *s,
                          tern_time now) {
  const tern_tcp_conn *end = lst->slots + lst->nslots;
  for (const tern_tcp_conn *c = lst->slots; c != end; c++) {
    if (c->state == TERN_TCP_CLOSED && c->idle_at != 0 &&
        !outlived_cookies(now, c->idle_at) && c->remote.port == remote->port &&
        tern__tcp_addr_eq(&c->remote.addr, &remote->addr) &&
        tern_seq_le(s->seq, c->rcv.rcv_nxt) &&
        tern_seq_le(s->ack, c->snd_max)) {
      return true;
    }
  }
  return false;
}

/* An ACK to the listener: the MSS granted by the good cookie it brings
 * back, no old duplicate; else 0, and it is answered or dropped here. */
static uint16_t cookie_mss(tern_tcp_listener *lst, const tern_endpoint *local,
                           const tern_endpoint *remote, const tern_tcp_repr *s,
                           tern_time now) {
  tern_tcp_layer *layer = lst->layer;
  uint16_t mss;
  bool in_use = lst->cookie_at != 0; /* (forget_stale_cookies) */
  /* A cookie is taken only while cookies are in use, as Linux takes one
   * only after the queue overflowed recently: otherwise a blind sender
   * from a forged address, each guess good with probability 2^-24, could
   * make a connection with a listener that never sent a cookie. */
  if (!in_use ||
      tern_tcp_cookie_check(&layer->keys.cookie, local, remote, s->seq - 1,
                            s->ack - 1, now, &mss) != 0) {
    layer->stats.cookies_bad++;
    /* While cookies are in use the ACK may be a later segment of a
     * cookie's connection whose first one was dropped for want of a slot:
     * its sequence number is past ISN + 1, so the check cannot pass, and
     * a reset would kill a connection the peer holds as established. Drop
     * it: the peer's retransmission from SND.UNA brings a cookie that
     * checks. Otherwise RFC 9293 3.10.7.2: an ACK to LISTEN is answered
     * with a reset. */
    if (!in_use) {
      tern__tcp_reset_answer(layer, local, remote, s);
    }
    return 0;
  }
  /* A closed connection's old ACK: CLOSED's answer, a reset (RFC 9293
   * 3.10.7.1). */
  if (old_duplicate(lst, remote, s, now)) {
    layer->stats.rx_dropped++;
    tern__tcp_reset_answer(layer, local, remote, s);
    return 0;
  }
  return mss;
}

/* A passive open, from a SYN (into a free slot, else answered with a
 * cookie) or from a cookie's ACK (the end of its handshake). */
void tern__tcp_listen_input(tern_tcp_listener *lst, const tern_endpoint *local,
                            const tern_endpoint *remote, const tern_tcp_repr *s,
                            tern_tcp_conn *tw) {
  tern_tcp_layer *layer = lst->layer;
  tern_time now = tern_now();
  forget_stale_cookies(lst, now);
  unsigned f = s->flags & (TERN_TCP_RST | TERN_TCP_SYN | TERN_TCP_ACK);
  bool cookie = f == TERN_TCP_ACK;
  uint16_t granted = 0xffffu; /* the MSS a cookie granted */
  if (cookie) {
    granted = cookie_mss(lst, local, remote, s, now);
    if (granted == 0) {
      return;
    }
  }
  if (f == (TERN_TCP_SYN | TERN_TCP_ACK)) {
    tern__tcp_reset_answer(layer, local, remote, s);
    return;
  }
  /* Dropped and counted: a reset (RFC 9293 3.10.7.2: ignored), a segment
   * with neither SYN nor ACK (3.10.7.2: dropped), a SYN with FIN (a
   * scanner's probe, which Linux drops in LISTEN; taken as a SYN until
   * the `tcpmisc29` branch), or one from an address with no route back
   * (for a cookie's ACK, gone since the SYN-ACK). */
  uint16_t mss = cookie || (f == TERN_TCP_SYN && (s->flags & TERN_TCP_FIN) == 0)
                     ? tern__tcp_our_mss(layer, remote)
                     : 0;
  if (mss == 0) {
    layer->stats.rx_dropped++;
    return;
  }
  if (granted < mss) {
    mss = granted;
  }
  /* A new connection ends the old one's TIME-WAIT (its slot, which the
   * application has closed, is free again: tcp_conn.c, reopens), without
   * the ACK it may still owe for the peer's FIN sent again (free_slot's
   * end, for another peer, sends it): this peer has left that connection
   * to send the SYN, and an ACK of our old SND.NXT would reach it in
   * SYN-SENT, outside what it sent, and draw its reset (RFC 9293
   * 3.10.7.3). Linux too sends none when a SYN takes over a TIME-WAIT
   * (conn_test's ANewerSynEndsTimeWaitWithoutTheOldFinsAck). */
  if (tw != NULL) {
    tern__tcp_finish(tw, 0);
  }
  tern_tcp_conn *c = free_slot(lst, cookie, now);
  if (c == NULL) {
    if (cookie) {
      layer->stats.backlog_full++; /* the peer's retransmission may find
                                      one */
    } else {
      cookie_synack(lst, local, remote, s, mss, now);
    }
    return;
  }
  uint32_t iss = s->ack - 1, irs = s->seq - 1; /* a cookie's */
  if (cookie) {
    layer->stats.cookies_ok++;
  } else {
    iss = tern_tcp_isn(&layer->keys.isn, local, remote, now);
    irs = s->seq;
    /* RFC 1122 4.2.2.13: past every number the old connection sent. RFC
     * 6528's clock gives the same endpoints 250 more a millisecond, which
     * a connection that sent faster has overtaken. */
    if (tw != NULL && !tern_seq_gt(iss, tw->snd_nxt)) {
      iss = tw->snd_nxt + 1;
    }
  }
  tern__tcp_open(c, TERN_TCP_SYN_RCVD, iss, irs); /* (snd_shift, opts 0) */
  take(c, local, remote);
  c->mss = mss;
  if (cookie) {
    c->snd_nxt = c->snd_max = iss + 1; /* our SYN-ACK went out, statelessly */
    c->rcv_shift = 0;                  /* no options survive a cookie */
    tern__tcp_segment(c, s);
    return;
  }
  /* Our shift and options, settled now: we answer what the SYN offered. */
  tern__tcp_settle(c, &s->opts);
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
  /* IPv6 in an IPv4-only build (this folds away where IPv6 is built in). */
  if (local->addr.family == TERN_IP_V6 &&
      !tern_ip_family_supported(TERN_IP_V6)) {
    return TERN_EAFNOSUPPORT;
  }
  /* The connection a cookie becomes may take any slot (a free one, or
   * the oldest stale half-open one): its SYN-ACK offers what the smallest
   * ring holds, so the peer never sends more than fits. */
  uint32_t wnd = 0xffffu;
  for (uint8_t i = 0; i < n; i++) {
    if (slots[i].layer != layer || slots[i].state != TERN_TCP_CLOSED) {
      return TERN_EINVAL; /* each set up by tern_tcp_conn_init */
    }
    if (slots[i].rcv.cap < wnd) {
      wnd = slots[i].rcv.cap;
    }
  }
  for (tern_tcp_listener *l = layer->listeners; l != NULL; l = l->next) {
    if (l == lst || l->local.port == local->port) {
      return TERN_EADDRINUSE;
    }
    /* A connection is one live listener's slot at a time: the arrays
     * overlap when either starts inside the other (compared as
     * addresses: they are different objects). */
    uintptr_t d = (uintptr_t)slots - (uintptr_t)l->slots;
    if (d < l->nslots * sizeof *slots || -d < n * sizeof *slots) {
      return TERN_EBUSY;
    }
  }
  memset(lst, 0, sizeof *lst);
  lst->layer = layer;
  lst->local = *local;
  lst->slots = slots;
  lst->nslots = n;
  lst->cookie_wnd = (uint16_t)wnd;
  /* (A live listener's slots are not set up again: their rings stay.) A
   * slot's flags stay: one holding a connection accepted earlier (reset
   * or timed out, CLOSED, not yet closed by the application) keeps IN_USE
   * and is not free until the application closes or aborts it. Cleared,
   * it was handed to the next SYN under the application's hands. */
  for (uint8_t i = 0; i < n; i++) {
    slots[i].listener = lst;
  }
  lst->next = layer->listeners;
  layer->listeners = lst;
  return 0;
}

tern_poll tern_tcp_poll_accept(tern_tcp_listener *lst, tern_cx *cx,
                               tern_waiter *w, tern_tcp_conn **out) {
  for (;;) {
    tern_tcp_conn *got = NULL; /* not listening (unlisten woke every task) */
    if (lst->layer != NULL) {
      /* The one taken first (a FIFO accept queue): the layer's list has
       * the newest first (take()). Looked for in slot order, a
       * connection in a later slot waited while earlier slots were taken
       * and accepted again and again. */
      for (tern_tcp_conn *c = lst->layer->conns; c != NULL; c = c->next) {
        if (c->listener == lst &&
            (c->flags & (TERN__TCP_F_IN_USE | TERN__TCP_F_ACCEPTED)) ==
                TERN__TCP_F_IN_USE &&
            c->state >= TERN_TCP_ESTABLISHED) {
          got = c;
        }
      }
      /* None: wait, or, woken and beaten to it by a task that polled
       * first, look again and wait again. */
      if (got == NULL) {
        if (tern_waitq_poll(&lst->acceptors, w, cx) == TERN_PENDING) {
          return TERN_PENDING;
        }
        continue;
      }
      got->flags |= TERN__TCP_F_ACCEPTED;
    }
    /* Off the queue, a wake that chose w spent on what it found. */
    (void)tern_waitq_remove(&lst->acceptors, w);
    *out = got;
    return TERN_READY;
  }
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
  (void)tern_waitq_wake_all(&lst->acceptors);
}
