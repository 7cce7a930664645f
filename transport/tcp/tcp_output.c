/* Segment output: what a connection owes its peer (SYN, data within the
 * windows and Nagle, FIN, retransmissions, probes, ACKs), built in place
 * after the route's headroom with the wire library; and the runner that
 * sends it and fires the timers. */
#include <string.h>

#include "tern/tcp_seq.h"
#include "transport/tcp/tcp_conn.h"

void tern__tcp_kick(tern_tcp_layer *layer) {
  tern_waker_slot_wake(&layer->runner);
}

void tern__tcp_arm_rtx(tern_tcp_conn *c, tern_time now) {
  c->rtx_at = tern__tcp_later(now, c->rtt.rto);
}

uint16_t tern__tcp_route_mss(const tern_tcp_layer *layer,
                             const tern_ip_route *r) {
  size_t cap = layer->stack->pool->buf_size;
  size_t room = cap > (size_t)r->headroom + TERN_TCP_MAX_HEADER_LEN
                    ? cap - r->headroom - TERN_TCP_MAX_HEADER_LEN
                    : 0;
  size_t mss = r->max_len > TERN_TCP_HEADER_LEN
                   ? (size_t)r->max_len - TERN_TCP_HEADER_LEN
                   : 0;
  if (mss > room) {
    mss = room;
  }
  return (uint16_t)(mss > 0xffffu ? 0xffffu : mss);
}

uint16_t tern__tcp_our_mss(tern_tcp_layer *layer, const tern_endpoint *remote) {
  tern_ip_route r;
  if (tern__ip_route(layer->stack, &remote->addr, remote->scope, &r) != 0) {
    return 0;
  }
  return tern__tcp_route_mss(layer, &r);
}

/* Builds r (its data already at buf + the header's length, or none) in
 * pkt for route rt, and sends it from src. Takes pkt. olen: r's options
 * measured (tern_tcp_options_len). rt was looked up for dst by the caller
 * in the same poll (no other task ran since, so it is still this
 * stack's): tern__ip_send, without the checks tern_ip_send repeats.
 * TERN_EADDRNOTAVAIL, nothing sent, when src is not the route's source:
 * the interface's address is no longer src (a DHCP lease renewed with
 * another, PPP renegotiated, the application set another). (A
 * connection's route is its interface's, the one connect chose or the
 * SYN came in on, as are a listener's answers: another interface taking
 * the default route does not move it.) IP would send the
 * segment from the interface's address with our checksum over src, which
 * the peer drops as corrupt; RFC 1122 3.2.1.3 has a host send only from
 * its own addresses, and the IPv4 layer is a strong host (it takes only
 * datagrams to the receiving interface's address), so the connection
 * cannot go on from src either. One test for every segment, the resets
 * and an abort's too. */
static int emit_send(tern_tcp_layer *layer, tern_pkt *pkt,
                     const tern_ip_route *rt, const tern_ip_addr *src,
                     const tern_ip_addr *dst, const tern_tcp_repr *r,
                     int olen) {
  uint8_t *buf = tern_pkt_data(pkt);
  int n = tern__tcp_repr_put(r, olen, src, dst, buf, tern_pkt_tailroom(pkt));
  if (!tern__tcp_addr_eq(&rt->src, src)) {
    n = TERN_EADDRNOTAVAIL;
  }
  if (n < 0) {
    tern_pkt_free(pkt);
    layer->stats.tx_errors++;
    return n;
  }
  tern_pkt_put(pkt, (size_t)n);
  int rc = tern__ip_send(layer->stack, pkt, rt, dst, TERN_IP_PROTO_TCP);
  if (rc == 0) {
    layer->stats.segs_sent++;
    if ((r->flags & TERN_TCP_RST) != 0) {
      layer->stats.rst_sent++;
    }
  } else {
    layer->stats.tx_errors++;
  }
  return rc;
}

int tern__tcp_send_now(tern_tcp_layer *layer, const tern_endpoint *local,
                       const tern_endpoint *remote, tern_tcp_repr *r) {
  tern_ip_route rt;
  int rc = tern__ip_route(layer->stack, &remote->addr, remote->scope, &rt);
  if (rc != 0) {
    return rc;
  }
  tern_pkt *pkt = tern_pkt_pool_try_alloc(layer->stack->pool);
  if (pkt == NULL) {
    layer->stats.tx_errors++;
    return TERN_ENOBUFS;
  }
  if (tern_pkt_reserve(pkt, rt.headroom) != 0) {
    tern_pkt_free(pkt);
    return TERN_ENOSPC;
  }
  r->src_port = local->port;
  r->dst_port = remote->port;
  return emit_send(layer, pkt, &rt, &local->addr, &remote->addr, r,
                   tern_tcp_options_len(&r->opts));
}

void tern__tcp_reset_answer(tern_tcp_layer *layer, const tern_endpoint *local,
                            const tern_endpoint *remote,
                            const tern_tcp_repr *s) {
  if ((s->flags & TERN_TCP_RST) != 0) {
    return; /* never a reset for a reset */
  }
  tern_tcp_repr r;
  memset(&r, 0, sizeof r);
  if ((s->flags & TERN_TCP_ACK) != 0) {
    r.seq = s->ack; /* <SEQ=SEG.ACK><CTL=RST> */
    r.flags = TERN_TCP_RST;
  } else { /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
    r.ack = s->seq + tern_tcp_seg_len(s->flags, s->payload_len);
    r.flags = TERN_TCP_RST | TERN_TCP_ACK;
  }
  tern__tcp_send_now(layer, local, remote, &r);
}

/* ---- what to send ---- */

void tern__tcp_sack_skip(tern_tcp_conn *c) {
  if ((c->opts & TERN__TCP_O_SACK) == 0) {
    return;
  }
  for (unsigned i = 0; i < c->sb.count; i++) {
    const tern_tcp_sack_block *r = &c->sb.range[i];
    if (tern_seq_ge(c->snd_nxt, r->left) && tern_seq_lt(c->snd_nxt, r->right) &&
        tern_seq_lt(c->snd_nxt, c->snd_max)) {
      c->snd_nxt = tern_seq_lt(r->right, c->snd_max) ? r->right : c->snd_max;
    }
  }
}

uint32_t tern__tcp_sack_room(const tern_tcp_conn *c, uint32_t seq) {
  uint32_t room = UINT32_MAX;
  if ((c->opts & TERN__TCP_O_SACK) == 0) {
    return room;
  }
  for (unsigned i = 0; i < c->sb.count; i++) {
    const tern_tcp_sack_block *r = &c->sb.range[i];
    if (tern_seq_gt(r->left, seq) && r->left - seq < room) {
      room = r->left - seq;
    }
  }
  return room;
}

/* One segment's plan: flags, sequence number, and data from the send
 * ring at off (bytes after SND.UNA). */
typedef struct plan {
  uint8_t flags;
  bool rexmit;  /* SND.NXT does not move */
  bool dup;     /* a bare duplicate ACK, ahead of what else is owed */
  uint8_t rule; /* with SACK: the tern_tcp_sack_rule that chose it */
  uint32_t seq;
  uint32_t off;
  uint32_t len;
} plan;

/* The data end: the sequence number after the ring's last byte (where
 * our FIN goes). */
static uint32_t data_end(const tern_tcp_conn *c) {
  return c->snd_una + c->slen;
}

/* Whether our FIN goes after a segment of len bytes at seq: queued, not
 * yet acknowledged (the states that wait for its ACK), and the segment
 * ends the data. */
static bool fin_due(const tern_tcp_conn *c, uint32_t seq, uint32_t len) {
  return (c->flags & TERN__TCP_F_FIN) != 0 &&
         (c->state == TERN_TCP_FIN_WAIT_1 || c->state == TERN_TCP_CLOSING ||
          c->state == TERN_TCP_LAST_ACK) &&
         seq + len == data_end(c);
}

static uint32_t min_u32(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}

/* ---- SACK-based loss recovery (RFC 6675), when the peer permitted it ----
 *
 * The scoreboard (tern/tcp_sack.h) decides while a recovery runs and,
 * after a timeout, until SND.UNA passes RecoveryPoint (RFC 6675 5.1);
 * the rest of the time new data goes by the common rules below, with
 * RFC 6675's pipe in place of NewReno's window during limited transmit.
 * SND.NXT stays HighData + 1 (SND.MAX): retransmissions are sent where
 * the scoreboard says and never move it. */

/* Whether the scoreboard chooses c's next segment: in recovery, or
 * resending after a timeout (RecoveryPoint, cc.recover, not yet passed
 * and still among what was sent). */
static bool sack_in_charge(const tern_tcp_conn *c) {
  if ((c->opts & TERN__TCP_O_SACK) == 0) {
    return false;
  }
  return c->cc.in_recovery != 0 ||
         tern_seq_in_window(c->cc.recover, c->snd_una, c->snd_max - c->snd_una);
}

/* The bytes of new data NextSeg() rule 2 may send (unsent, inside the
 * peer's window), one more for our FIN when it is due after them, or 0:
 * a segment shorter than max waits for more (Nagle, RFC 9293 3.7.4: data
 * is in flight whenever the scoreboard is in charge; and the sender's
 * silly-window rule when the peer's window is what cuts it short). */
static uint32_t sack_new_avail(const tern_tcp_conn *c, uint32_t max) {
  uint32_t out = c->snd_max - c->snd_una;
  uint32_t unsent = c->slen > out ? c->slen - out : 0;
  uint32_t room = c->snd_wnd > out ? c->snd_wnd - out : 0;
  uint32_t avail = min_u32(unsent, room);
  bool closing = (c->flags & TERN__TCP_F_FIN) != 0;
  if (avail < max &&
      (avail < unsent || (!closing && (c->flags & TERN_TCP_F_NODELAY) == 0))) {
    return 0;
  }
  if (avail == unsent && tern_seq_le(c->snd_max, data_end(c)) &&
      fin_due(c, c->snd_max, unsent)) {
    avail++; /* the FIN's sequence number */
  }
  return avail;
}

/* The plan for the scoreboard's segment s (sequence numbers, our FIN's
 * included): its data from the ring, at most max bytes, and the FIN if
 * s covers its number. A cut segment keeps its start, except the rescue,
 * which must keep its end (the highest unSACKed octet, RFC 6675 4 rule
 * 4). */
static bool sack_plan(const tern_tcp_conn *c, const tern_tcp_sack_seg *s,
                      uint32_t max, plan *p) {
  uint32_t seq = s->seq, end = data_end(c);
  uint32_t data = tern_seq_lt(seq, end) ? min_u32(s->len, end - seq) : 0;
  bool fin = data < s->len && fin_due(c, seq, data);
  if (data > max) {
    if (s->rule == TERN_TCP_SACK_RESCUE) {
      seq += data - max;
    } else {
      fin = false;
    }
    data = max;
  }
  p->seq = seq;
  p->off = seq - c->snd_una;
  p->len = data;
  p->flags = (uint8_t)(TERN_TCP_ACK | (fin ? TERN_TCP_FIN : 0));
  p->rexmit = s->rule != TERN_TCP_SACK_NEW;
  p->rule = (uint8_t)s->rule;
  return data != 0 || fin;
}

/* RFC 6675 5 step (C) (and 5.1's resend after a timeout): while cwnd -
 * pipe allows, NextSeg()'s rules 1 to 4: a hole judged lost above
 * HighRxt, new data, a hole not yet judged lost, the one rescue
 * retransmission per recovery (tern_tcp_sack_next). */
static bool sack_segment(const tern_tcp_conn *c, uint32_t max, plan *p) {
  tern_tcp_sack_seg s;
  plan q = *p;
  if (!tern_tcp_sack_next(&c->cc, &c->sb, c->snd_una, c->snd_max,
                          sack_new_avail(c, max), &s) ||
      !sack_plan(c, &s, max, &q)) {
    return false;
  }
  *p = q;
  return true;
}

/* Room for new data under cwnd and the peer's window, flight bytes from
 * SND.UNA to SND.NXT outstanding. Limited transmit on the first
 * duplicate ACKs: NewReno adds a segment per duplicate (RFC 3042); with
 * SACK, cwnd less RFC 6675's pipe (5 steps 3.1, 3.2: HighRxt at HighACK,
 * SetPipe()). */
static uint32_t usable_window(const tern_tcp_conn *c, uint32_t flight) {
  uint32_t win = c->cc.cwnd, used = flight;
  if (c->cc.dupacks > 0 && !c->cc.in_recovery) {
    if ((c->opts & TERN__TCP_O_SACK) != 0) {
      used = tern_tcp_sack_pipe(&c->sb, c->snd_una, c->snd_max, c->cc.smss);
    } else if (c->cc.dupacks < 3) {
      win += (uint32_t)c->cc.dupacks * c->cc.smss;
    }
  }
  uint32_t room = win > used ? win - used : 0;
  uint32_t peer = c->snd_wnd > flight ? c->snd_wnd - flight : 0;
  return min_u32(room, peer);
}

/* The data of a segment sent again from seq (SND.UNA <= seq < SND.MAX):
 * at most max bytes, no more than the ring holds from seq nor than was
 * sent before, and only up to the next range the peer SACKed. */
static uint32_t again_len(const tern_tcp_conn *c, uint32_t seq, uint32_t max) {
  uint32_t len = min_u32(c->slen - (seq - c->snd_una), max);
  len = min_u32(len, c->snd_max - seq);
  return min_u32(len, tern__tcp_sack_room(c, seq));
}

/* Whether an ACK is owed: the one pend says, or duplicates beyond it. */
static bool ack_owed(const tern_tcp_conn *c) {
  return (c->pend & TERN__TCP_P_ACK) != 0 || c->extra_acks != 0;
}

/* A bare ACK, if one is owed. It carries the highest number sent: after
 * a go-back SND.NXT may lie below what the peer has, which would make
 * the ACK unacceptable to it (RFC 9293 3.10.7.4) and lose its news. But
 * never past the right edge of the peer's window, SND.UNA + SND.WND (as
 * Linux): a zero-window probe's byte (RFC 9293 3.8.6.1) lies beyond it,
 * and a peer whose window is zero accepts only SEG.SEQ = RCV.NXT. Data
 * other than probes goes only inside the window, so the edge is not
 * below the peer's RCV.NXT unless the peer shrank its window or took a
 * probe's byte we have not yet heard acknowledged (the ACK is then
 * refused and answered, and its answer brings the news). */
static bool bare_ack(const tern_tcp_conn *c, plan *p) {
  uint32_t edge = c->snd_una + c->snd_wnd;
  p->seq = tern_seq_lt(edge, c->snd_max) ? edge : c->snd_max;
  return ack_owed(c);
}

/* What a synchronized c owes other than a bare ACK: a resend, new data,
 * a FIN, a probe or a keepalive, planned in p. max as next_segment's. */
static bool segment_owed(const tern_tcp_conn *c, uint32_t max, plan *p) {
  uint32_t flight = c->snd_nxt - c->snd_una;
  /* Fast retransmit or NewReno's partial ACK: the first segment again
   * (with SACK: RFC 6675 5 step 4.3, up to the first SACKed range). */
  if ((c->pend & TERN__TCP_P_REXMIT) != 0 && c->snd_max != c->snd_una) {
    uint32_t out = c->snd_max - c->snd_una;
    p->rexmit = true;
    if ((c->opts & TERN__TCP_O_SACK) != 0) {
      p->rule = TERN_TCP_SACK_FIRST;
    }
    p->seq = c->snd_una;
    p->len = again_len(c, p->seq, max); /* with SACK, only the hole */
    if (fin_due(c, p->seq, p->len) && out > p->len) {
      p->flags = TERN_TCP_ACK | TERN_TCP_FIN;
    }
    return true;
  }
  bool sack = sack_in_charge(c);
  if (sack && sack_segment(c, max, p)) {
    return true;
  }
  p->seq = c->snd_nxt;
  if (!sack && tern_seq_le(c->snd_nxt, data_end(c))) {
    uint32_t off = flight;
    uint32_t avail = c->slen - off;
    uint32_t usable = usable_window(c, flight);
    uint32_t len = avail;
    if (len > usable) {
      len = usable;
    }
    if (len > max) {
      len = max;
    }
    /* A go-back after a timeout stops at data the peer SACKed. */
    bool short_hole = false;
    if (tern_seq_lt(c->snd_nxt, c->snd_max)) {
      uint32_t hole = tern__tcp_sack_room(c, c->snd_nxt);
      if (len > hole) {
        len = hole;
        short_hole = len != 0;
      }
    }
    bool closing = (c->flags & TERN__TCP_F_FIN) != 0;
    bool send =
        len != 0 && (len == max || short_hole ||
                     /* Nagle (RFC 9293 3.7.4): a short segment only with
                      * nothing in flight, unless switched off or closing */
                     (len == avail && (flight == 0 || closing ||
                                       (c->flags & TERN_TCP_F_NODELAY) != 0)) ||
                     /* sender SWS avoidance (RFC 9293 3.8.6.2.1) */
                     (flight == 0 && len >= c->max_snd_wnd / 2));
    if (!send && avail != 0 && flight == 0) {
      if (tern_seq_lt(c->snd_nxt, c->snd_max)) {
        /* After a timeout, the first segment again whatever the windows
         * (it was sent inside them once; with a zero window it probes). */
        len = again_len(c, c->snd_nxt, max);
        send = len != 0;
      }
      if (!send && (c->pend & TERN__TCP_P_PROBE) != 0) {
        /* The persist timer: what the window takes, or a one-byte probe
         * of a zero window (RFC 9293 3.8.6.1). */
        len = len != 0 ? len : 1;
        send = true;
      }
    }
    if (send) {
      p->off = off;
      p->len = len;
    }
    if (fin_due(c, p->seq, p->len) && (send || avail == 0)) {
      p->flags = TERN_TCP_ACK | TERN_TCP_FIN;
      return true;
    }
    if (send) {
      return true;
    }
  }
  if ((c->pend & TERN__TCP_P_KEEPALIVE) != 0) {
    p->seq = c->snd_una - 1; /* RFC 1122 4.2.3.6: an old number */
    return true;
  }
  return false;
}

/* What c should send next, if anything. max: the most data one segment
 * can carry now (seg_max() at most). */
static bool next_segment(const tern_tcp_conn *c, uint32_t max, plan *p) {
  memset(p, 0, sizeof *p);
  p->flags = TERN_TCP_ACK;
  switch (c->state) {
    case TERN_TCP_SYN_SENT:
    case TERN_TCP_SYN_RCVD:
      /* SYN-RECEIVED's SYN-ACK, SYN-SENT's SYN */
      p->flags = c->state == TERN_TCP_SYN_RCVD ? TERN_TCP_SYN | TERN_TCP_ACK
                                               : TERN_TCP_SYN;
      p->seq = c->snd_una; /* the ISS */
      return c->snd_nxt == c->snd_una;
    case TERN_TCP_CLOSED: return false;
    default: break;
  }
  /* Duplicate ACKs first, each bare: one riding on data is no duplicate
   * to the peer (RFC 5681 2), and fast retransmit waits for three. */
  p->dup = (c->pend & TERN__TCP_P_DUPACK) != 0 && ack_owed(c);
  if (!p->dup && segment_owed(c, max, p)) {
    return true;
  }
  return bare_ack(c, p);
}

/* Fills r's fields that come from plan p: sequence number, flags and the
 * acknowledgment. */
static void header_plan(const tern_tcp_conn *c, const plan *p,
                        tern_tcp_repr *r) {
  r->seq = p->seq;
  r->flags = p->flags;
  r->ack = (p->flags & TERN_TCP_ACK) != 0 ? c->rcv.rcv_nxt : 0;
}

/* Whether c's segments are SYNs: in SYN-SENT and SYN-RECEIVED, and only
 * there, next_segment plans nothing else. */
static bool sends_syn(const tern_tcp_conn *c) {
  return c->state == TERN_TCP_SYN_SENT || c->state == TERN_TCP_SYN_RCVD;
}

/* Fills r's other header fields and options for c: they depend on the
 * plan only through its SYN, which the state decides (sends_syn), so the
 * same for every plan made before a segment goes out. A SYN's MSS option
 * is present but its value left to the caller: the MSS of the route,
 * which is looked up only once a segment is due. */
static void header(tern_tcp_conn *c, bool syn, tern_tcp_repr *r,
                   tern_time now) {
  memset(r, 0, sizeof *r);
  r->src_port = c->local.port;
  r->dst_port = c->remote.port;
  uint32_t wnd = tern_tcp_rcvbuf_window(&c->rcv);
  if (!syn) {
    wnd >>= c->rcv_shift;
  }
  r->window = (uint16_t)(wnd > 0xffffu ? 0xffffu : wnd);
  /* The options present are gathered in has and stored once. */
  tern_tcp_opts *o = &r->opts;
  unsigned has = 0;
  bool ts = (c->opts & TERN__TCP_O_TS) != 0;
  if (syn) {
    has = TERN_TCP_HAS_MSS;
    bool offer_all = c->state == TERN_TCP_SYN_SENT;
    if (offer_all || c->snd_shift != 0 || c->rcv_shift != 0) {
      has |= TERN_TCP_HAS_WSCALE;
      o->wscale = c->rcv_shift;
    }
    if ((offer_all && c->layer->cfg.sack) ||
        (c->opts & TERN__TCP_O_SACK) != 0) {
      has |= TERN_TCP_HAS_SACK_PERM;
    }
    ts = ts || offer_all;
  } else if ((c->opts & TERN__TCP_O_SACK) != 0 && c->rcv.nranges != 0) {
    unsigned max = ts ? 3 : TERN_TCP_MAX_SACK;
    o->sack_count = (uint8_t)tern_tcp_rcvbuf_sack(&c->rcv, o->sack, max);
    has |= TERN_TCP_HAS_SACK;
  }
  if (ts) {
    has |= TERN_TCP_HAS_TIMESTAMP;
    o->ts_val = now == 0 ? 1 : (uint32_t)now;
    o->ts_ecr = c->ts_recent;
  }
  o->present = (uint8_t)has;
}

/* After a segment of plan p went out with window field window:
 * sequence numbers, timers, the window's edge. */
static void sent(tern_tcp_conn *c, const plan *p, uint16_t window,
                 tern_time now) {
  tern_tcp_layer *layer = c->layer;
  uint32_t seg_len = tern_tcp_seg_len(p->flags, p->len);
  if (seg_len != 0) { /* it takes sequence space */
    bool again = p->rexmit || tern_seq_lt(p->seq, c->snd_max);
    if (again) {
      layer->stats.retransmits++;
      /* Karn (RFC 6298 3): the segment timed, sent again (a fast
       * retransmit, SACK's or NewReno's resend), gives no sample. */
      if (tern_seq_in_window(c->rtt_seq, p->seq, seg_len)) {
        c->rtt_at = 0;
      }
    }
    if (!p->rexmit) {
      bool was_idle = c->snd_una == c->snd_max;
      c->snd_nxt = p->seq + seg_len;
      tern__tcp_sack_skip(c);
      if (tern_seq_gt(c->snd_nxt, c->snd_max)) {
        if (c->rtt_at == 0 && !again) { /* time one new segment (Karn) */
          c->rtt_at = now == 0 ? 1 : now;
          c->rtt_seq = p->seq;
        }
        c->snd_max = c->snd_nxt;
      }
      /* The user timeout starts counting, once SND.MAX holds the segment:
       * a FIN sent alone is outstanding only then (asked before, it
       * turned the idle clock off, and an unanswered FIN was resent for
       * ever). retries counted keepalive probes until now, from here the
       * timer's expiries (left, a probe unanswered made the first a
       * repeated timeout). With nothing in flight the timer armed is the
       * persist timer's: the data starts the retransmission timer afresh
       * (RFC 6298 5.1, below). */
      if (was_idle) {
        c->retries = 0;
        c->rtx_at = 0;
        tern__tcp_heard(c, now);
      }
    }
    if (p->rule != TERN_TCP_SACK_NONE) {
      /* RFC 6675 5 steps 4.3, C.2: HighRxt (or RescueRxt) moves. */
      tern_tcp_sack_seg s = {
          .seq = p->seq, .len = seg_len, .rule = (tern_tcp_sack_rule)p->rule};
      tern_tcp_sack_sent(&c->sb, &c->cc, &s);
    }
    /* A persist probe owed (or what the window took in its place) was the
     * first segment out: the timer, armed for the probe, starts now. */
    if (c->rtx_at == 0 || (c->pend & TERN__TCP_P_PROBE) != 0) {
      tern__tcp_arm_rtx(c, now);
    }
  }
  unsigned pend = c->pend;
  if ((pend & TERN__TCP_P_ACK) == 0 && c->extra_acks != 0) {
    c->extra_acks--;
  }
  /* A duplicate ACK is only that: a resend, probe or keepalive owed
   * goes in the segments after it. */
  pend &= ~(p->dup ? TERN__TCP_P_ACK
                   : (TERN__TCP_P_REXMIT | TERN__TCP_P_PROBE |
                      TERN__TCP_P_KEEPALIVE | TERN__TCP_P_ACK));
  if (c->extra_acks == 0) {
    pend &= ~TERN__TCP_P_DUPACK; /* the last duplicate went */
  }
  c->pend = (uint8_t)pend;
  if ((p->flags & TERN_TCP_ACK) != 0) {
    c->ack_at = 0;
    c->acks_owed = 0;
    /* The edge the peer saw: with a window scale, less than 2^shift
     * bytes free went as 0, a closed window (rcv_taken). */
    uint8_t shift = (p->flags & TERN_TCP_SYN) != 0 ? 0 : c->rcv_shift;
    c->last_adv = c->rcv.rcv_nxt + ((uint32_t)window << shift);
  }
}

/* The most data a segment after the handshake carries under a header
 * whose options take olen bytes (tern_tcp_options_len): the MSS the peer
 * announced bounds data and TCP options together, so it is cut by the
 * options in force (RFC 6691; RFC 9293 3.7.1's Eff.snd.MSS): the
 * timestamps every segment carries (also left out of cc.smss, RFC 5681's
 * SMSS, in established()) and the SACK blocks sent while data from the
 * peer is held out of order. */
static uint32_t seg_max(const tern_tcp_conn *c, int olen) {
  uint32_t o = (uint32_t)olen;
  return c->mss > o ? c->mss - o : 1;
}

tern_poll tern__tcp_output(tern_tcp_conn *c, tern_cx *cx) {
  tern_tcp_layer *layer = c->layer;
  tern_ip_stack *stack = layer->stack;
  plan p;
  /* Until this call returns no other task runs: no segment comes in, the
   * application reads nothing and no route changes. So one instant
   * serves the whole call, and the header is built once (header(): its
   * fields but the plan's, header_plan(), read nothing that changes),
   * with the cap its options leave (a SYN carries no data: its plan does
   * not read the cap). The route is looked up for the first segment and
   * kept. From the input path (cx NULL) the runner's waiter and packet
   * are not touched: the runner may be waiting with them now. */
  tern_time now = tern_now();
  /* Restart after idle (RFC 5681 4.1): with nothing in flight since an
   * RTO after the ACK of the last data (that time in rtt_seq, which
   * times nothing then: ack_in), cwnd is cut to the initial window
   * before anything more goes. Here, where every sender comes (the
   * runner, and the input path's ACK with data, text_in), not in the
   * runner's timers as until the `tcp32b` branch: there a first segment
   * sent from the input path skipped it, and the runner, finding that
   * segment in flight, sent the rest of the grown cwnd at once. The time
   * counts as not yet come while at most an RTO ahead (taken as the
   * clock orders times, one 24.8 days past read as ahead, and the whole
   * cwnd went after such a silence); now only an RTO's span in each
   * 49.7 days of silence misses the cut: a pause that ends there, with
   * the runner not come round since the deadline (it passes every
   * connection here: a keepalive's wake makes the cut), reads as short.
   * No 32-bit time tells such a pause from a short one; the runner woken
   * at the deadline while cwnd is past the initial window would make the
   * cut on time, for a wake each idle period and 36 bytes of Cortex-M0
   * text (IPv4-only, the `tcp33` branch), left. (The RTO in force bounds
   * "ahead": one backed off since only widens that span, one restored since can
   * only bring the cut earlier.) (Before the first ACK
   * of data rtt_seq is no time, but cwnd is the initial window anyway;
   * before the handshake ends the cut falls on a cwnd tern_tcp_cc_init
   * sets again.) */
  tern_tcp_cc *cc = &c->cc;
  if (c->snd_una == c->snd_max && c->rtt_seq - now - 1 >= c->rtt.rto) {
    uint32_t iw = tern_tcp_cc_initial_window(cc->smss);
    if (cc->cwnd > iw) {
      cc->cwnd = iw;
    }
  }
  tern_tcp_repr hdr;
  bool syn = sends_syn(c);
  header(c, syn, &hdr, now);
  int olen = tern_tcp_options_len(&hdr.opts);
  uint32_t cap = seg_max(c, olen);
  size_t hlen = TERN_TCP_HEADER_LEN + (size_t)(olen < 0 ? 0 : olen);
  tern_ip_route rt;
  bool routed = false;
  for (int budget = 0; budget < 64; budget++) {
    if (!next_segment(c, cap, &p)) {
      return TERN_READY;
    }
    if (cx != NULL &&
        tern_ip_sender_poll_alloc(stack, cx, &layer->tx) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (!routed) {
      if (tern__ip_route(stack, &c->remote.addr, c->remote.scope, &rt) != 0) {
        layer->stats.tx_errors++;
        /* The interface down, or without an address: the timers try
         * again while the address is ours (the interface may come back
         * with it); once it is no one's it ends as emit_send has it. */
        if (!tern_ip_is_local(stack, &c->local.addr)) {
          tern__tcp_finish(c, TERN_EADDRNOTAVAIL);
        }
        return TERN_READY;
      }
      routed = true;
      if (syn) { /* ours to announce (c->mss is what we send, once settled) */
        hdr.opts.mss = tern__tcp_route_mss(layer, &rt);
      }
    }
    tern_pkt *pkt;
    if (cx == NULL) {
      /* What tern_ip_poll_room and tern_ip_sender_poll_alloc would find
       * at once, or nothing: the runner, woken, sends it. */
      pkt = tern_ip_has_room(rt.iface) ? tern_pkt_pool_try_alloc_tx(stack->pool)
                                       : NULL;
      if (pkt == NULL) {
        return TERN_READY;
      }
    } else {
      if (tern_ip_sender_poll_room(stack, cx, &layer->tx, rt.iface) ==
          TERN_PENDING) {
        return TERN_PENDING;
      }
      pkt = layer->tx.pkt;
      layer->tx.pkt = NULL;
    }
    if (tern_pkt_reserve(pkt, rt.headroom) != 0) {
      tern_pkt_free(pkt);
      return TERN_READY;
    }
    /* The room this packet has for data. Nothing the plan reads changed
     * since it was made: it is made again only when this packet takes
     * less than cap. */
    size_t room = tern_pkt_tailroom(pkt);
    uint32_t max = room > hlen ? (uint32_t)(room - hlen) : 0;
    if (rt.max_len > hlen && max > rt.max_len - hlen) {
      max = (uint32_t)(rt.max_len - hlen);
    }
    if (max < cap && !next_segment(c, max, &p)) {
      if (cx == NULL) {
        tern_pkt_free(pkt);
      } else {
        layer->tx.pkt = pkt; /* kept for the next segment (runner_release) */
      }
      return TERN_READY;
    }
    header_plan(c, &p, &hdr);
    uint8_t *d = tern_pkt_data(pkt) + hlen; /* the data, written in place */
    if (p.len != 0) {
      uint32_t at = c->shead + p.off;
      tern__tcp_ring_get(d, c->sbuf, c->scap, at >= c->scap ? at - c->scap : at,
                         p.len);
    }
    hdr.payload = d;
    hdr.payload_len = p.len;
    int rc =
        emit_send(layer, pkt, &rt, &c->local.addr, &c->remote.addr, &hdr, olen);
    if (rc != 0) {
      if (rc == TERN_EADDRNOTAVAIL) {
        /* Our address is gone: the connection cannot move (the peer knows
         * it by that one) and ends now, told to reader and writer,
         * rather than by the retransmission timeout. */
        tern__tcp_finish(c, rc);
      }
      return TERN_READY; /* counted; the retransmission timer covers it */
    }
    sent(c, &p, hdr.window, now);
    if (cx == NULL) {
      return TERN_READY; /* the first segment only: the rest is the runner's */
    }
  }
  tern_cx_wake_now(cx); /* more to send: let the others run first */
  return TERN_PENDING;
}

/* ---- the runner ---- */

/* A pass found nothing more to send: the runner gives up its wait, in the
 * pool's queue or an interface's, and the packet it holds. Otherwise a
 * wake it no longer wants would be spent on it: a packet the pool keeps
 * for it (as the head of the queue) held from every other waiter until
 * some segment is owed again, and room in a queue not passed on; and the
 * packet it holds while waiting for room idle in the meantime. A wake that
 * had already chosen it goes to the next waiter (tern_ip_cancel_wait). */
static void runner_release(tern_tcp_layer *layer) {
  tern_ip_sender_release(layer->stack, &layer->tx);
}

tern_poll tern_tcp_poll_run(tern_tcp_layer *layer, tern_cx *cx) {
  tern_waker_slot_register(&layer->runner, cx);
  for (;;) {
    tern_time now = tern_now(), next = 0; /* 0: no deadline */
    tern_tcp_conn *c = layer->conns, *after;
    for (; c != NULL; c = after) {
      after = c->next;
      tern__tcp_timers(c, now);
      if (c->state == TERN_TCP_CLOSED) {
        continue;
      }
      if (tern__tcp_output(c, cx) == TERN_PENDING) {
        return TERN_PENDING;
      }
      next = tern__tcp_deadline(c, next);
    }
    runner_release(layer);
    if (next == 0 ||
        tern_sleep_until(&layer->timer, cx, next) == TERN_PENDING) {
      return TERN_PENDING;
    }
  }
}
