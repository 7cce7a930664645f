/* Segment arrival (RFC 9293 3.10.7) with RFC 5961's defences: the
 * connection machine's input side. See tcp.h for the state diagram. */
#include <string.h>

#include "tern/tcp_seq.h"
#include "transport/tcp/tcp_conn.h"

/* An IPv4 address is w[0]; the rest only for IPv6 (every segment's lookup
 * compares two addresses: the IPv4 test costs no memcmp call). */
bool tern__tcp_addr_eq(const tern_ip_addr *a, const tern_ip_addr *b) {
#if TERN_CONFIG_IPV6
  return a->family == b->family && a->u.w[0] == b->u.w[0] &&
         (a->family != TERN_IP_V6 ||
          memcmp(a->u.w + 1, b->u.w + 1, 3 * sizeof a->u.w[0]) == 0);
#else
  return a->family == b->family && a->u.w[0] == b->u.w[0];
#endif
}

uint8_t tern__tcp_shift_for(uint32_t cap) {
  uint8_t s = 0;
  while ((cap >> s) > 0xffffu && s < TERN_TCP_MAX_WSCALE) {
    s++;
  }
  return s;
}

void tern__tcp_finish(tern_tcp_conn *c, int err) {
  tern_tcp_layer *layer = c->layer;
  if (c->state != TERN_TCP_CLOSED) {
    /* On the list, as every connection not CLOSED (tern__tcp_open). */
    tern_tcp_conn **pp = &layer->conns;
    while (*pp != c) {
      pp = &(*pp)->next;
    }
    *pp = c->next;
    c->next = NULL;
  }
  c->state = TERN_TCP_CLOSED;
  c->err = (int8_t)err;
  c->pend = 0;
  c->rtx_at = c->ack_at = 0;
  /* No deadline now (a CLOSED connection is off the runner's list): when
   * it closed, by which a listener bounds its memory of it (tcp_listen.c,
   * old_duplicate). */
  c->idle_at = tern__tcp_later(tern_now(), 0);
  if (err != 0) {
    c->slen = 0; /* nothing more will be sent */
  }
  /* A listener's slot is free again once nobody holds it: not yet
   * accepted, or the application is done with it. The application's
   * switches stay, the slot's for every connection taking it (until the
   * `tcp30` branch only the first had them), and so does the peer's FIN:
   * a close is a half-close, so reads after it still end the stream with
   * 0 until another connection takes the slot (tern__tcp_open). */
  if (c->listener != NULL && ((c->flags & TERN__TCP_F_ACCEPTED) == 0 ||
                              (c->flags & TERN__TCP_F_USER_DONE) != 0)) {
    c->flags &= TERN__TCP_F_KEPT;
  }
  tern_waker_slot_wake(&c->reader);
  tern_waker_slot_wake(&c->writer);
}

/* The connection for a segment from remote_addr:remote_port to
 * local_addr:local_port, or NULL. */
static tern_tcp_conn *find_conn(tern_tcp_layer *layer,
                                const tern_ip_addr *local_addr,
                                uint16_t local_port,
                                const tern_ip_addr *remote_addr,
                                uint16_t remote_port) {
  for (tern_tcp_conn *c = layer->conns; c != NULL; c = c->next) {
    if (c->local.port == local_port && c->remote.port == remote_port &&
        tern__tcp_addr_eq(&c->remote.addr, remote_addr) &&
        tern__tcp_addr_eq(&c->local.addr, local_addr)) {
      return c;
    }
  }
  return NULL;
}

static tern_tcp_listener *find_listener(tern_tcp_layer *layer,
                                        const tern_endpoint *local) {
  for (tern_tcp_listener *l = layer->listeners; l != NULL; l = l->next) {
    if (l->local.port == local->port &&
        tern_ip_addr_takes(&l->local.addr, &local->addr)) {
      return l;
    }
  }
  return NULL;
}

/* Whether s, for c, is a SYN that ends c's TIME-WAIT to open a new
 * connection through c's listener (RFC 6191 2; RFC 1122 4.2.2.13): c is
 * a listener's slot the application has closed (one it still holds could
 * leave the new connection only a cookie's: no timestamps to judge by,
 * no ISS past the old SND.NXT), and the SYN shows itself newer than the old
 * connection: with timestamps on both, a TSval past TS.Recent; else a SEQ
 * past RCV.NXT (RFC 6191 takes a SYN with timestamps after a connection
 * without them whatever its SEQ; tern asks the SEQ test of it too). Any
 * other SYN gets the challenge ACK (RFC 5961 4.2), as does every SYN in
 * the TIME-WAIT of a connection we opened. (Once the listener is gone
 * nothing listens: the SYN is answered as on a closed port.) */
static bool reopens(const tern_tcp_conn *c, const tern_tcp_repr *s) {
  /* (Only a listener's slot is ever IN_USE. The state first: every
   * segment of a connection is asked.) */
  if (c->state != TERN_TCP_TIME_WAIT ||
      (s->flags & (TERN_TCP_RST | TERN_TCP_SYN | TERN_TCP_ACK)) !=
          TERN_TCP_SYN ||
      (c->flags & (TERN__TCP_F_IN_USE | TERN__TCP_F_USER_DONE)) !=
          (TERN__TCP_F_IN_USE | TERN__TCP_F_USER_DONE)) {
    return false;
  }
  if ((c->opts & TERN__TCP_O_TS) != 0 &&
      (s->opts.present & TERN_TCP_HAS_TIMESTAMP) != 0) {
    return tern_seq_gt(s->opts.ts_val, c->ts_recent);
  }
  return tern_seq_gt(s->seq, c->rcv.rcv_nxt);
}

tern_ip_verdict tern__tcp_input(void *ctx, const tern_ip_rx *rx,
                                tern_pkt *pkt) {
  tern_tcp_layer *layer = ctx;
  tern_tcp_repr s;
  int rc = tern_tcp_repr_parse(&s, tern_pkt_data(pkt), tern_pkt_len(pkt),
                               &rx->src, &rx->dst);
  tern_tcp_rx_count(&layer->stats.rx, rc, &s.opts); /* (not read unless 0) */
  if (rc < 0) {
    return TERN_IP_DROP;
  }
  /* TCP is unicast only (RFC 9293 3.9.1: a SYN to a broadcast or
   * multicast address is ignored). */
  if ((rx->flags & (TERN_IP_RX_BROADCAST | TERN_IP_RX_MULTICAST |
                    TERN_IP_RX_LINK_BROADCAST | TERN_IP_RX_LINK_MULTICAST)) !=
      0) {
    layer->stats.rx_dropped++;
    return TERN_IP_CONSUMED;
  }
  tern_tcp_conn *c =
      find_conn(layer, &rx->dst, s.dst_port, &rx->src, s.src_port);
  if (c != NULL && !reopens(c, &s)) {
    tern__tcp_segment(c, &s);
    return TERN_IP_CONSUMED;
  }
  tern_endpoint local = {.addr = rx->dst, .port = s.dst_port};
  tern_endpoint remote = {
      .addr = rx->src, .port = s.src_port, .scope = rx->iface->id};
  tern_tcp_listener *l = find_listener(layer, &local);
  if (l != NULL) {
    tern__tcp_listen_input(l, &local, &remote, &s, c);
    return TERN_IP_CONSUMED;
  }
  layer->stats.rx_no_conn++;
  tern__tcp_reset_answer(layer, &local, &remote, &s);
  return TERN_IP_CONSUMED;
}

/* ---- helpers of the machine ---- */

/* An ACK now. SYN-RECEIVED sends only SYN-ACKs (a SYN's header, its
 * options): there the ACK owed, a challenge (RFC 5961 4) or the answer to
 * a segment refused (RFC 9293 3.10.7.4), is our SYN-ACK again, its ACK
 * field RCV.NXT. It was kept, unsent, until the handshake ended. Karn:
 * the ACK ending the handshake may answer either SYN-ACK, so the first is
 * no longer timed (without timestamps established() took its round trip
 * across the resend). */
static void ack_now(tern_tcp_conn *c) {
  if (c->state == TERN_TCP_SYN_RCVD) {
    c->snd_nxt = c->snd_una;
    c->rtt_at = 0;
  }
  c->pend |= TERN__TCP_P_ACK;
  tern__tcp_kick(c->layer);
}

/* RFC 5961's challenge ACK: an ACK of what we have, which a real peer
 * answers with a reset at exactly RCV.NXT (or ignores). */
static void challenge(tern_tcp_conn *c) {
  c->layer->stats.challenge_acks++;
  ack_now(c);
}

/* A reset <SEQ=SEG.ACK><CTL=RST> answering an unacceptable ACK in a
 * half-open handshake (RFC 9293 3.10.7.3, 3.10.7.4). */
static void reset_to(tern_tcp_conn *c, const tern_tcp_repr *s) {
  tern__tcp_reset_answer(c->layer, &c->local, &c->remote, s);
}

static void enter_time_wait(tern_tcp_conn *c, tern_time now) {
  c->state = TERN_TCP_TIME_WAIT;
  c->rtx_at = 0;
  c->idle_at = tern__tcp_later(now, c->layer->cfg.time_wait);
  tern_waker_slot_wake(&c->writer);
}

void tern__tcp_settle(tern_tcp_conn *c, const tern_tcp_opts *theirs) {
  tern_tcp_opts ours;
  memset(&ours, 0, sizeof ours);
  ours.present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE |
                 (c->layer->cfg.sack ? TERN_TCP_HAS_SACK_PERM : 0) |
                 TERN_TCP_HAS_TIMESTAMP;
  ours.wscale = c->rcv_shift; /* (our MSS goes as the cap below) */
  tern_tcp_negotiated n;
  tern_tcp_negotiate(&ours, theirs, tern__tcp_family(c), c->mss, &n);
  c->mss = n.mss;
  c->snd_shift = n.snd_shift;
  c->rcv_shift = n.rcv_shift;
  c->opts = (uint8_t)((n.sack ? TERN__TCP_O_SACK : 0) |
                      (n.timestamps ? TERN__TCP_O_TS : 0));
  if (n.timestamps) {
    c->ts_recent = theirs->ts_val;
  }
}

/* A round-trip sample, within the layer's RTO bounds. One past the
 * longest RTO is none: from a timestamp echo (RFC 7323 4.3: a TSval we
 * sent), one after our clock (the difference wraps past 2^31: a broken
 * or forged peer) or sent that long ago; its sample held the RTO at
 * max_rto. No sample then, as in Linux; the ACK is taken. */
static void rtt_sample(tern_tcp_conn *c, uint32_t r) {
  const tern_tcp_config *cfg = &c->layer->cfg;
  if (r <= cfg->max_rto) {
    tern_tcp_rtt_sample(&c->rtt, r, cfg->min_rto, cfg->max_rto);
  }
}

/* SMSS (RFC 5681): the most data a segment carries, the MSS less the
 * timestamps every segment has (tcp_output.c, seg_max()). */
static uint16_t smss(const tern_tcp_conn *c) {
  return (uint16_t)(c->mss -
                    ((c->opts & TERN__TCP_O_TS) != 0 ? TERN__TCP_TS_LEN : 0));
}

/* Our SYN was acknowledged: the connection is synchronized. A close in
 * SYN-RECEIVED queued our FIN "for processing after entering ESTABLISHED
 * state" (RFC 9293 3.10.4): FIN-WAIT-1 then, the FIN after our SYN. */
static void established(tern_tcp_conn *c, const tern_tcp_repr *s,
                        tern_time now) {
  c->state = (c->flags & TERN__TCP_F_FIN) != 0 ? TERN_TCP_FIN_WAIT_1
                                               : TERN_TCP_ESTABLISHED;
  uint32_t iss = c->snd_una; /* SND.UNA was the ISS until now */
  /* Only the SYN was sent: SND.NXT was past it, or at the ISS when it was
   * owed again. */
  c->snd_una = c->snd_nxt = iss + 1;
  /* The window of a SYN (or of the ACK ending the handshake, taken here)
   * is never scaled (RFC 7323 2.2); later ones are, in ack_in. */
  c->snd_wnd = (s->flags & TERN_TCP_SYN) != 0
                   ? s->window
                   : (uint32_t)s->window << c->snd_shift;
  c->max_snd_wnd = c->snd_wnd;
  c->snd_wl1 = s->seq;
  c->snd_wl2 = s->ack;
  c->rtx_at = 0;
  /* A passive open's ACK (its listener's) answers our SYN-ACK at once, so
   * with timestamps its echo times the round trip of the SYN-ACK the peer
   * had, even after a resend (Karn timed nothing then): taken as the time
   * that SYN-ACK went (an echo of 0, no option or a broken peer, is no
   * sample). Without it data would start with the 3 s of RFC 6298 5.7
   * (below), in place of the round trip just seen. Not a SYN-ACK's echo:
   * a peer's resent SYN-ACK echoes our SYN's timestamp, its own timeout
   * in it. */
  if (c->listener != NULL && (c->opts & TERN__TCP_O_TS) != 0) {
    c->rtt_at = s->opts.ts_ecr;
  }
  if (c->rtt_at != 0) { /* the SYN's round trip, if it was sent once */
    rtt_sample(c, now - c->rtt_at);
    c->rtt_at = 0;
  }
  /* Our SYN was sent again after a timeout (retries counts them), and
   * with no sample the RTO it backed off to (2 s, 4 s, ...) would time
   * the first data: RFC 6298 5.7 re-initializes it to 3 s. A sample
   * taken governs. */
  if (c->retries != 0 && c->rtt.srtt8 == 0) {
    const tern_tcp_config *cfg = &c->layer->cfg;
    tern_tcp_rtt_init(&c->rtt, TERN_TCP_RTO_AFTER_SYN_TIMEOUT, cfg->min_rto,
                      cfg->max_rto);
  }
  c->retries = 0;
  tern_tcp_cc_init(&c->cc, smss(c), iss);
  tern_tcp_sack_init(&c->sb);
  tern__tcp_heard(c, now);
  if (c->listener != NULL) { /* a slot to accept: wake an acceptor */
    (void)tern_waitq_wake_one(&c->listener->acceptors);
  }
  tern_waker_slot_wake(&c->writer);
}

/* Whether an ACK's echoed timestamp is older than the last expiry of the
 * retransmission timer, with no progress since (retries != 0): it then
 * echoes an original transmission, not the resend (a resend the peer
 * already had is answered with the old TS.Recent, RFC 7323 4.3 and 5.3
 * R2), and an RTT sample from it would hold the whole wait for the timer
 * and inflate the RTO toward its maximum. Karn's rule, for timestamps.
 * The timer last fired at rtx_at - rto (tcp_timer.c arms it so). */
static bool echo_before_timeout(const tern_tcp_conn *c, uint32_t ecr) {
  return c->retries != 0 && c->rtx_at != 0 &&
         tern_seq_lt(ecr, (uint32_t)(c->rtx_at - c->rtt.rto));
}

/* RFC 6675 5 on an ACK, with SACK in force (its loss recovery in place
 * of NewReno's): Update() the scoreboard, count DupAcks (an ACK that
 * SACKs new data, or RFC 5681's duplicate when it has no SACK option),
 * enter recovery at DupThresh or when IsLost(HighACK + 1), end it when
 * the cumulative ACK passes RecoveryPoint (tern_tcp_sack_ack). una: SND.UNA
 * before this ACK; dup_shape: no data, no SYN or FIN, no window update.
 * Entry answers TERN_TCP_CC_RETRANSMIT: the segment at SND.UNA goes first
 * (step 4.3, TERN__TCP_P_REXMIT); then tcp_output.c asks NextSeg(). */
static tern_tcp_cc_action sack_ack_in(tern_tcp_conn *c, const tern_tcp_repr *s,
                                      uint32_t una, bool dup_shape) {
  tern_tcp_sack_ack_info a = {
      .una = una,
      .ack = s->ack,
      .snd_nxt = c->snd_max, /* HighData + 1 */
      /* No blocks without the option: the parse cleared sack_count. */
      .blocks = s->opts.sack,
      .block_count = s->opts.sack_count,
      .dup_shape = dup_shape && s->ack == una,
  };
  tern_tcp_sack_seg first; /* planned; tcp_output.c sends and reports it */
  return tern_tcp_sack_ack(&c->cc, &c->sb, &a, &first);
}

/* The peer acknowledged up to s->ack (acceptable per RFC 5961 5.2):
 * advances SND.UNA, frees the ring, samples the RTT, drives NewReno or
 * SACK recovery and updates the send window (RFC 9293 3.10.7.4). */
static void ack_in(tern_tcp_conn *c, const tern_tcp_repr *s, tern_time now) {
  uint32_t ack = s->ack;
  uint32_t una = c->snd_una;
  uint32_t wnd = (uint32_t)s->window << c->snd_shift;
  bool sack = (c->opts & TERN__TCP_O_SACK) != 0;
  /* A timeout since SND.UNA last moved, asked before this ACK clears
   * retries: a loss, whose backoff a window growing keeps (below). */
  bool lost = c->retries != 0;
  /* The send window, from the newest segment only (SND.WL1, SND.WL2):
   * RFC 9293 3.10.7.4 takes SEG.WND when SND.WL1 < SEG.SEQ, or SND.WL1 =
   * SEG.SEQ and SND.WL2 =< SEG.ACK. Its equal case cannot tell a window
   * update from an older ACK with the same numbers that it overtook, and
   * that one's smaller window would hold the sender back until the
   * persist timer. A receiver SHOULD NOT shrink its window (RFC 1122
   * 4.2.2.16, RFC 9293 3.8.6), so with SEQ and ACK both unchanged a
   * window is taken only if larger, or zero (as Linux since 6.6: a peer
   * short of memory drops our data and says so with a zero window and
   * the same numbers; an old zero overtaking an update costs at most a
   * persist probe). A smaller one waits for a newer segment: the sender
   * must cope with a shrunk window anyway (data sent past it is resent).
   * And only from an ACK of SND.UNA or later (3.10.7.4: "If SND.UNA =<
   * SEG.ACK =< SND.NXT"): an older one that RFC 5961 5.2 lets through,
   * its SEQ newer or not, sets nothing (until the `tcp32a` branch one
   * with a newer SEQ set the window, a zero one too). */
  bool take_wnd = (tern_seq_lt(c->snd_wl1, s->seq) ||
                   (c->snd_wl1 == s->seq &&
                    (tern_seq_lt(c->snd_wl2, ack) ||
                     (c->snd_wl2 == ack && (wnd > c->snd_wnd || wnd == 0))))) &&
                  tern_seq_le(una, ack);
  /* The shape of RFC 5681 2's duplicate (SEG.ACK = SND.UNA and data
   * outstanding are checked where it is used): no data, neither SYN nor
   * FIN, and no window update (its (e)): the window in use, or one not
   * taken (above), which updates nothing. RFC 5681 compares with the last
   * ACK's window, taken or not; Linux counts as this does
   * (tcp_may_update_window decides FLAG_WIN_UPDATE). Compared with the
   * window in use alone, the duplicates of a peer that shrank its window
   * never counted, and no fast retransmit came. The answer to a
   * zero-window probe has the shape but tells of no loss: the peer
   * refused the byte for want of room (BSD counts none while the
   * retransmission timer is off, as it is in its persist state). */
  bool dup_shape = s->payload_len == 0 &&
                   (s->flags & (TERN_TCP_SYN | TERN_TCP_FIN)) == 0 &&
                   (wnd == c->snd_wnd || !take_wnd) && !tern__tcp_probing(c);
  tern_tcp_cc_action act = TERN_TCP_CC_NONE;
  if (tern_seq_after_upto(ack, c->snd_una, c->snd_max)) {
    uint32_t acked = ack - c->snd_una;
    uint32_t data = acked < c->slen ? acked : c->slen;
    bool fin_acked = (c->flags & TERN__TCP_F_FIN) != 0 && acked > c->slen;
    if ((c->opts & TERN__TCP_O_TS) != 0 &&
        (s->opts.present & TERN_TCP_HAS_TIMESTAMP) != 0 &&
        s->opts.ts_ecr != 0) {
      if (!echo_before_timeout(c, s->opts.ts_ecr)) {
        rtt_sample(c, (uint32_t)now - s->opts.ts_ecr);
      }
    } else if (c->rtt_at != 0 && tern_seq_gt(ack, c->rtt_seq)) {
      rtt_sample(c, now - c->rtt_at); /* Karn: untouched */
    }
    if (c->rtt_at != 0 && tern_seq_gt(ack, c->rtt_seq)) {
      c->rtt_at = 0;
    }
    c->shead += data;
    if (c->shead >= c->scap) {
      c->shead -= c->scap;
    }
    c->slen -= data;
    c->snd_una = ack;
    if (tern_seq_lt(c->snd_nxt, ack)) {
      c->snd_nxt = ack;
    }
    c->retries = 0;
    c->err = 0; /* a soft ICMP error is forgotten on progress */
    if (!sack) {
      act = tern_tcp_cc_ack(&c->cc, ack, acked, c->snd_max - ack);
    }
    tern__tcp_arm_rtx(c, now); /* RFC 6298 5.3 */
    if (c->snd_una == c->snd_max) {
      /* Nothing in flight: no timer, and rtt_seq, which times nothing
       * now, keeps the deadline just armed, an RTO after this ACK of the
       * last data, for RFC 5681 4.1's restart after idle (tcp_output.c).
       * (Arming, then moving the deadline, is 2 bytes fewer on Cortex-M0
       * than an if/else that arms only when something is in flight.) */
      c->rtt_seq = c->rtx_at;
      c->rtx_at = 0;
    }
    tern_waker_slot_wake(&c->writer);
    if (fin_acked) {
      switch (c->state) {
        case TERN_TCP_FIN_WAIT_1: c->state = TERN_TCP_FIN_WAIT_2; break;
        case TERN_TCP_CLOSING: enter_time_wait(c, now); break;
        case TERN_TCP_LAST_ACK: tern__tcp_finish(c, 0); return;
        default: break;
      }
    }
  } else if (!sack && ack == c->snd_una && dup_shape &&
             c->snd_max != c->snd_una) {
    /* A duplicate ACK (RFC 5681 2). */
    act = tern_tcp_cc_dupack(&c->cc, c->snd_una, c->snd_max);
    if (act == TERN_TCP_CC_RETRANSMIT) {
      c->layer->stats.fast_retransmits++;
    }
  }
  /* The scoreboard hears of an ACK that moves SND.UNA, reports SACK
   * blocks or has a duplicate's shape; any other (the ACK field of each
   * segment of data a receiver takes in) would change nothing there. */
  if (sack && (tern_seq_gt(ack, una) ||
               (s->opts.present & TERN_TCP_HAS_SACK) != 0 || dup_shape)) {
    act = sack_ack_in(c, s, una, dup_shape);
    if (act == TERN_TCP_CC_RETRANSMIT) {
      c->layer->stats.fast_retransmits++; /* recovery began */
    }
    tern__tcp_sack_skip(c); /* an ICMP-shrunk MSS's go-back, if any */
  }
  if (act == TERN_TCP_CC_RETRANSMIT) {
    c->pend |= TERN__TCP_P_REXMIT;
  }
  if (take_wnd) { /* the window rule above */
    /* The window opens on a probe (tern__tcp_probing) it refused, SND.UNA
     * not past it: sent again from SND.UNA, the probe's byte (or FIN)
     * first, as BSD pulls SND.NXT back to a closed window; left behind,
     * the rest waited for the backed-off timer (Nagle held it, the byte
     * in flight), and its expiry, the window open, counted as a loss.
     * Karn: none of it timed. The timer starts again from its sending, as
     * from a probe's (TERN__TCP_P_PROBE): left at the persist deadline, it
     * could fall due before the resend's ACK, a loss counted after all.
     * The persist timer backed the RTO off, and no loss did: the RTO
     * goes back to SRTT and RTTVAR's (without timestamps, no sample
     * would come until the next segment timed, and a loss meanwhile
     * waited up to max_rto). So too when a window too small to use (less
     * than a segment) grows, what the persist timer sent in it still
     * unacknowledged: that segment is not sent again (the peer can take
     * it), but its timer starts again, now, with the RTO restored (until
     * the `tcpkarn` branch the backoff stayed until that segment's ACK,
     * and its loss waited 2 x RTO). No probe is owed there: owed, it sent
     * the next window under a segment at once, past sender SWS avoidance,
     * with nothing in flight or as soon as there was none (`revtcp28`).
     * Not after a timeout since SND.UNA last moved, a loss: that backoff
     * stays (Karn), also when this ACK, of the resend (no sample), moves
     * SND.UNA; it goes with a sample, or a window growing later. Nor
     * is a probe owed when nothing is in flight (none was refused): the
     * data goes as sender SWS avoidance lets it, or at the persist
     * timer, which runs from now with the RTO restored (until the
     * `rev31d` branch a closed window opening owed one, and what it
     * took went at once however small). */
    if (wnd > c->snd_wnd && c->snd_wnd < c->mss &&
        c->snd_max - c->snd_una <= c->snd_wnd + 2u) {
      uint32_t out = c->snd_max - c->snd_una;
      if (!lost) {
        const tern_tcp_config *cfg = &c->layer->cfg;
        tern_tcp_rtt_restore(&c->rtt, cfg->min_rto, cfg->max_rto);
        if ((out | c->slen) != 0) {
          tern__tcp_arm_rtx(c, now);
        }
      }
      if (c->snd_wnd == 0 && out != 0) {
        c->pend |= TERN__TCP_P_PROBE;
        c->snd_nxt = c->snd_una;
        c->rtt_at = 0;
      }
    }
    c->snd_wnd = wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = ack;
    if (wnd > c->max_snd_wnd) {
      c->max_snd_wnd = wnd;
    }
  }
  if (act != TERN_TCP_CC_NONE || c->slen != 0 ||
      (c->flags & TERN__TCP_F_FIN) != 0) {
    tern__tcp_kick(c->layer);
  }
}

/* Data at seq (the first data byte) into the receive ring, and the ACK
 * it earns: at once for every second segment, for data out of order and
 * for data that fills a hole (RFC 5681 4.2, RFC 9293 3.8.6.3); else
 * within the delayed-ACK bound. A segment that does not move RCV.NXT
 * gets an ACK of its own even when a batch of them is taken in before
 * the runner sends (a peer without SACK counts the duplicates), and
 * those go bare, ahead of any data (TERN__TCP_P_DUPACK): RFC 5681 2
 * counts only an ACK without data as a duplicate, and so does Linux.
 * Once RCV.NXT moves, the one ACK owed stands for the earlier ones and
 * rides on data again. */
static void data_in(tern_tcp_conn *c, uint32_t seq, const uint8_t *data,
                    size_t len, tern_time now) {
  uint8_t held = c->rcv.nranges;
  int moved = tern_tcp_rcvbuf_put(&c->rcv, seq, data, len);
  if (moved > 0) {
    /* acks_owed counts every move of RCV.NXT since our last ACK, a
     * hole's filling too: TS.Recent waits on it (tern__tcp_segment). */
    c->acks_owed++;
    tern_waker_slot_wake(&c->reader);
    c->extra_acks = 0;
    c->pend &= (uint8_t)~TERN__TCP_P_DUPACK;
  } else {
    if (moved == TERN_ENOMEM) { /* no range left to hold it */
      c->layer->stats.rx_ooo_refused++;
    }
    if ((c->pend & TERN__TCP_P_ACK) != 0 && c->extra_acks < 255) {
      c->extra_acks++;
    }
    c->pend |= TERN__TCP_P_DUPACK;
  }
  if (moved <= 0 || held != 0 || c->acks_owed >= 2) {
    ack_now(c);
  } else if (c->ack_at == 0) {
    c->ack_at = tern__tcp_later(now, c->layer->cfg.delack);
    tern__tcp_kick(c->layer);
  }
}

/* The peer's FIN, in order (RFC 9293 3.10.7.4, eighth step), in
 * ESTABLISHED, FIN-WAIT-1 or FIN-WAIT-2, the states text_in is called in
 * (a SYN-ACK's FIN comes after established()). It moves RCV.NXT past
 * Last.ACK.sent, so acks_owed counts it as data_in counts a segment:
 * until the `tcp32a` branch an ACK after it in the same batch took
 * TS.Recent (tern__tcp_segment), and our ACK of the FIN echoed that
 * ACK's timestamp. */
static void fin_in(tern_tcp_conn *c, tern_time now) {
  c->rcv.rcv_nxt++;
  c->acks_owed++;
  c->flags |= TERN__TCP_F_RCVD_FIN;
  switch (c->state) {
    case TERN_TCP_ESTABLISHED: c->state = TERN_TCP_CLOSE_WAIT; break;
    case TERN_TCP_FIN_WAIT_1: c->state = TERN_TCP_CLOSING; break;
    case TERN_TCP_FIN_WAIT_2: enter_time_wait(c, now); break;
    default: break;
  }
  tern_waker_slot_wake(&c->reader);
  ack_now(c);
}

/* A segment's text in a state that takes it: its data from seq (the
 * first data byte's number) and then its FIN (RFC 9293 3.10.7.4, seventh
 * and eighth steps). A FIN out of order (past a hole, or past the window
 * with the data before it) is held, its number in rcv_fin, and taken
 * once RCV.NXT reaches it, by this segment's data or a later one's
 * (SHLD-31 holds the segment, FIN and all; until the `tcp33` branch it
 * was forgotten and waited for the peer to send it again). Meanwhile it
 * earns a bare duplicate ACK at once, as data past a hole does (RFC 5681
 * 4.2): a FIN alone drew none. (One of a batch owing an ACK already adds
 * none: data_in's extra_acks are not counted for it.) A later FIN's
 * number replaces an earlier one's; data past it (which a peer does not
 * send) leaves RCV.NXT past it, and the FIN is not taken. */
static void text_in(tern_tcp_conn *c, const tern_tcp_repr *s, uint32_t seq,
                    tern_time now) {
  if (s->payload_len != 0) {
    data_in(c, seq, s->payload, s->payload_len, now);
  }
  bool fin = (s->flags & TERN_TCP_FIN) != 0;
  if (fin) {
    c->rcv_fin = seq + s->payload_len;
    c->flags |= TERN__TCP_F_FIN_HELD;
  }
  if ((c->flags & TERN__TCP_F_FIN_HELD) != 0 && c->rcv_fin == c->rcv.rcv_nxt) {
    fin_in(c, now);
  } else if (fin) {
    c->pend |= TERN__TCP_P_DUPACK;
    ack_now(c);
  }
  /* Two segments in order unacknowledged (RFC 5681 4.2: an ACK for at
   * least every second full-sized segment): the ACK goes now from the
   * input path, with this RCV.NXT (and the FIN's, if it came), when a
   * packet can be had at once. Left to the runner, which runs after the
   * IP runner has taken in every frame queued at the device, a batch got
   * one ACK, for its last segment. Only with none of our data in flight:
   * a side that is sending sends again soon (after the batch, once the
   * peer's ACKs have opened the window or the application has written
   * its answer, as an echo does), and that segment carries the ACK, as
   * before. And only while at most a quarter of the ring is unread: the
   * ACK goes before the reader takes anything, and the window it offers
   * holds the sender to that until the reader has run. A smaller ring
   * would close on the sender (an 8 KB one offers 5,340 bytes after two
   * segments), so there the runner acks after the reader, as before;
   * Linux too sends this ACK at once only while the window it offers
   * does not shrink (__tcp_ack_snd_check). Only after a delayed ACK was
   * armed (ack_at): the ACK of a filled hole, counted in acks_owed too,
   * goes with the runner for the whole batch, as before. */
  if (c->acks_owed >= 2 && c->ack_at != 0 && c->snd_una == c->snd_max &&
      c->rcv.unread <= c->rcv.cap / 4) {
    (void)tern__tcp_output(c, NULL);
  }
}

/* The peer's SYN-ACK acknowledged our SYN, in SYN-SENT or in the
 * SYN-RECEIVED of a simultaneous open: established, and its text (data
 * from the IRS + 1, a FIN) taken as in a synchronized state (RFC 9293
 * 3.10.7.3: "continue processing at the sixth step"), with our ACK. That
 * is owed first: data and a FIN count two in acks_owed, and text_in may
 * send the ACK from the input path, which clears it; owed after, it went
 * a second time. */
static void synack_in(tern_tcp_conn *c, const tern_tcp_repr *s, tern_time now) {
  established(c, s, now);
  ack_now(c);
  text_in(c, s, s->seq + 1, now);
}

/* SYN-SENT (RFC 9293 3.10.7.3). */
static void syn_sent(tern_tcp_conn *c, const tern_tcp_repr *s, tern_time now) {
  bool has_ack = (s->flags & TERN_TCP_ACK) != 0;
  if (has_ack && !tern_seq_after_upto(s->ack, c->snd_una, c->snd_max)) {
    if ((s->flags & TERN_TCP_RST) == 0) {
      reset_to(c, s);
    }
    return;
  }
  if ((s->flags & TERN_TCP_RST) != 0) {
    if (has_ack) { /* RFC 5961 3.2 leaves SYN-SENT's check as it was */
      tern__tcp_finish(c, TERN_ECONNREFUSED);
    }
    return;
  }
  if ((s->flags & TERN_TCP_SYN) == 0) {
    return;
  }
  tern_tcp_rcvbuf_init(&c->rcv, c->rcv.ring, c->rcv.cap, s->seq);
  tern__tcp_settle(c, &s->opts);
  if (has_ack) {
    synack_in(c, s, now);
  } else {
    /* Simultaneous open: our SYN goes again, with the ACK of theirs. */
    c->state = TERN_TCP_SYN_RCVD;
    c->snd_nxt = c->snd_una; /* the ISS */
    c->rtt_at = 0;
    tern__tcp_kick(c->layer);
  }
}

/* A reset that passed RFC 5961 3.2's test (exactly RCV.NXT). */
static void reset_in(tern_tcp_conn *c) {
  switch (c->state) {
    case TERN_TCP_SYN_RCVD:
      /* A passive open goes back to listening (its slot frees); an
       * active one was refused (RFC 9293 3.10.7.4, second step). */
      tern__tcp_finish(
          c, c->listener != NULL ? TERN_ECONNRESET : TERN_ECONNREFUSED);
      break;
    case TERN_TCP_CLOSING:
    case TERN_TCP_LAST_ACK:
    case TERN_TCP_TIME_WAIT:
      /* RFC 9293 closes these without a word; but bytes still
       * unacknowledged (a close or flush waits on them) are lost: no
       * success then. With our FIN alone unacknowledged (TIME-WAIT: none)
       * the peer has every byte. */
      tern__tcp_finish(c, c->slen != 0 ? TERN_ECONNRESET : 0);
      break;
    default: tern__tcp_finish(c, TERN_ECONNRESET); break;
  }
}

void tern__tcp_segment(tern_tcp_conn *c, const tern_tcp_repr *s) {
  tern_tcp_layer *layer = c->layer;
  tern_time now = tern_now();
  if (c->state == TERN_TCP_SYN_SENT) {
    syn_sent(c, s, now);
    return;
  }
  uint32_t rcv_nxt = c->rcv.rcv_nxt;
  uint32_t wnd = tern_tcp_rcvbuf_window(&c->rcv);
  uint32_t seg_len = tern_tcp_seg_len(s->flags, s->payload_len);
  /* First: the sequence number (RFC 9293 3.10.7.4), with RFC 5961 3.2's
   * stricter test for resets. */
  if ((s->flags & TERN_TCP_RST) != 0) {
    switch (tern_seq_rst_check(s->seq, rcv_nxt, wnd)) {
      case TERN_SEQ_RST_RESET: reset_in(c); break;
      case TERN_SEQ_RST_CHALLENGE: challenge(c); break;
      default: goto drop;
    }
    return;
  }
  /* PAWS (RFC 7323 5.3 R1): a timestamp older than the last one kept
   * marks an old duplicate: dropped with an ACK. Not a pure ACK's (no
   * data, SYN or FIN): that is mostly one reordered behind a newer
   * segment, and an ACK for each is noise the peer may count as
   * duplicates (Linux too stopped answering old pure ACKs in 2025).
   * (Asked as seg_len != 0 it measured 46 bytes more on Cortex-M0,
   * IPv4-only.) (The 24-day idle rule of 5.5 is not kept: no clock of
   * when TS.Recent was set.) */
  bool ts = (c->opts & TERN__TCP_O_TS) != 0 &&
            (s->opts.present & TERN_TCP_HAS_TIMESTAMP) != 0;
  if (ts && tern_seq_lt(s->opts.ts_val, c->ts_recent)) {
    layer->stats.paws_rejected++;
    if (((s->flags & (TERN_TCP_SYN | TERN_TCP_FIN)) | s->payload_len) != 0) {
      ack_now(c);
    }
    return;
  }
  /* RFC 9293 3.10.7.4: with a zero window no segment is acceptable,
   * "but special allowance should be made to accept valid ACKs": a
   * zero-window probe at RCV.NXT may be the only thing the peer sends
   * (it probes while it waits for our FIN or data to be acknowledged), so
   * its ACK is taken below; its data and FIN are not. */
  bool ack_only = wnd == 0 && s->seq == rcv_nxt && s->payload_len != 0 &&
                  (s->flags & (TERN_TCP_ACK | TERN_TCP_SYN)) == TERN_TCP_ACK &&
                  c->state != TERN_TCP_SYN_RCVD;
  /* The peer's SYN-ACK of a simultaneous open, at the IRS and
   * acknowledging our SYN, ends the handshake (RFC 9293 3.5, Figure 8):
   * our ACK answers it, and its text is taken as a SYN-ACK's in SYN-SENT.
   * Taken for its SYN again, it drew our SYN-ACK again, and a peer that
   * answers so too (tern did) sent it back, until the user timeout; one
   * with data or a FIN, acceptable by its text, met the SYN test below (a
   * challenge: our SYN-ACK again) and lost its text. Any other SYN at the
   * IRS is the SYN again: our SYN-ACK again (below). Not a listener's
   * slot: no simultaneous open, its SYN-ACK no answer to ours (Linux asks
   * the same): it must neither establish it nor wake an acceptor. */
  if (c->state == TERN_TCP_SYN_RCVD && c->listener == NULL &&
      (s->flags & (TERN_TCP_SYN | TERN_TCP_ACK)) ==
          (TERN_TCP_SYN | TERN_TCP_ACK) &&
      s->seq == rcv_nxt - 1 &&
      tern_seq_after_upto(s->ack, c->snd_una, c->snd_max)) {
    if (ts) { /* RFC 7323 4.3: SEG.SEQ, the IRS, =< Last.ACK.sent */
      c->ts_recent = s->opts.ts_val;
    }
    synack_in(c, s, now);
    return;
  }
  /* A bare segment exactly at the window's right edge is taken too, as
   * Linux and the BSDs take it: a peer that filled our window and lost
   * the segments sends its ACKs with SEQ = SND.NXT = RCV.NXT + RCV.WND,
   * and refusing them loses their news of our data. In a zero window so
   * is one of a single number, at RCV.NXT: a FIN alone takes no room,
   * and refused, its ACK went with it, and so did every ACK of a peer
   * that sent it (BSD and lwIP send a FIN into a zero window, and their
   * SEQ is past it then), until the user timeout; Linux takes that FIN
   * too (tcp_data_queue). (A probe's byte is ack_only's, above.) The test
   * `seg_len <= (wnd == 0)` says both: (wnd == 0) is 1 or 0, so the
   * segment spans no number, or at most one when the window is zero; and
   * with the window zero, rcv_nxt + wnd is RCV.NXT. One compare for the
   * two cases: written out, (seg_len == 0 || (wnd == 0 && seg_len == 1)),
   * the machine measured 110 bytes more on Cortex-M0 (IPv4-only, stop
   * 32; GCC inlined differently with it). */
  if (!ack_only && !(seg_len <= (wnd == 0) && s->seq == rcv_nxt + wnd) &&
      !tern_seq_acceptable(s->seq, seg_len, rcv_nxt, wnd)) {
    /* The peer's FIN again (it ends at RCV.NXT): 2 MSL again. Any other
     * FIN here only draws the ACK (RFC 9293 3.10.7.4), or bogus ones
     * would hold TIME-WAIT for ever; so does one with a SYN, never the
     * FIN again (until the `twend31` branch a SYN and FIN ending at
     * RCV.NXT restarted it). */
    if (c->state == TERN_TCP_TIME_WAIT &&
        (s->flags & (TERN_TCP_SYN | TERN_TCP_FIN)) == TERN_TCP_FIN &&
        (uint32_t)(s->seq + seg_len) == rcv_nxt) {
      enter_time_wait(c, now);
    }
    ack_now(c);
    goto drop;
  }
  /* A SYN in a synchronized state, in the window or not: a challenge
   * ACK, never a reset (RFC 5961 4.2). */
  if ((s->flags & TERN_TCP_SYN) != 0) {
    challenge(c);
    return;
  }
  if ((s->flags & TERN_TCP_ACK) == 0) {
    goto drop;
  }
  if (c->state == TERN_TCP_SYN_RCVD) {
    if (!tern_seq_after_upto(s->ack, c->snd_una, c->snd_max)) {
      reset_to(c, s);
      return;
    }
    established(c, s, now);
  }
  /* RFC 5961 5.2: an ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] is
   * dropped with an ACK. */
  if (!tern_seq_ack_acceptable(s->ack, c->snd_una, c->snd_max,
                               c->max_snd_wnd)) {
    challenge(c);
    goto drop;
  }
  /* RFC 7323 4.3: TS.Recent takes SEG.TSval (not older: PAWS above) when
   * SEG.SEQ =< Last.ACK.sent, the ACK field we last sent: RCV.NXT or
   * before it, with no data or FIN taken in order since our last ACK
   * (acks_owed). So an ACK for two segments echoes the first one's
   * timestamp and the peer's RTT sample holds the wait (its case A). */
  if (ts && tern_seq_le(s->seq, rcv_nxt) && c->acks_owed == 0) {
    c->ts_recent = s->opts.ts_val;
  }
  ack_in(c, s, now);
  if (c->state == TERN_TCP_CLOSED) {
    return; /* LAST-ACK ended */
  }
  /* Heard: the idle clock restarts, for what is left unacknowledged once
   * the ACK is taken. Asked before, an ACK of everything left the user
   * timeout running where keepalive's two hours or FIN-WAIT-2's bound
   * belonged: a probe, or the end, came early. */
  tern__tcp_heard(c, now);
  bool takes_data = !ack_only && (c->state == TERN_TCP_ESTABLISHED ||
                                  c->state == TERN_TCP_FIN_WAIT_1 ||
                                  c->state == TERN_TCP_FIN_WAIT_2);
  if (takes_data) {
    text_in(c, s, s->seq, now);
  } else if (s->payload_len != 0) {
    ack_now(c); /* after the peer's FIN, or a probe of a zero window: data
                   is not taken */
  }
  return;
drop: /* the one count of the segments dropped here */
  layer->stats.rx_dropped++;
}

/* ---- ICMP errors (RFC 5927, RFC 1122 4.2.3.9, RFC 1191) ---- */

/* RFC 1191 7's plateaus of MTUs, largest first. The last, 296 (SLIP and
 * other point-to-point links), is also the floor of the estimate. */
static const uint16_t plateaus[] = {32000, 17914, 8166, 4352, 2002,
                                    1492,  1006,  508,  296};
#define PLATEAUS (sizeof plateaus / sizeof plateaus[0])

/* The MSS "fragmentation needed" e leaves c with (RFC 1191 4): the
 * next-hop MTU less the headers. Never below the floor's: an MTU down to
 * IPv4's 68, or less, would cut segments to a few bytes on the word of a
 * message anyone can forge (RFC 5927); Linux's floor (552) is higher,
 * but Linux then sends without DF, and ours always carry it, so a floor
 * above real links' MTUs would lose every segment on such a hop. MTU 0
 * is from a router older than RFC 1191 (its section 5): the plateau below
 * the quoted datagram's length, so the messages about the rest of a
 * flight of that size, which come after the first has lowered the MSS,
 * lower it no further. Routers derived from 4.2BSD add the header's
 * length to the quoted Total Length; RFC 1191 5 therefore takes 4 x IHL
 * off a length not below the current estimate: ours is 20 (IPv4 without
 * options; IPv6 routers always report an MTU). Without that, such a
 * router would hold the estimate at a plateau for ever (1,512 quoted for
 * 1,492 sent: the plateau below is 1,492 again). The caller keeps the
 * smaller of this and c->mss. */
static uint16_t pmtu_mss(const tern_tcp_conn *c, const tern_ip_error *e) {
  tern_ip_family f = tern__tcp_family(c);
  unsigned mtu = e->mtu;
  if (mtu == 0) {
    unsigned len = e->quoted_len;
    if (tern_tcp_mss_for_mtu(len, f) >= c->mss) {
      len -= 20;
    }
    unsigned i = 0;
    while (i < PLATEAUS - 1 && plateaus[i] >= len) {
      i++;
    }
    mtu = plateaus[i];
  }
  unsigned floor = plateaus[PLATEAUS - 1];
  return tern_tcp_mss_for_mtu(mtu > floor ? mtu : floor, f);
}

void tern__tcp_error(void *ctx, const tern_ip_error *e) {
  tern_tcp_layer *layer = ctx;
  tern_tcp_conn *c = find_conn(layer, &e->src, tern_tcp_src_port(e->quote),
                               &e->dst, tern_tcp_dst_port(e->quote));
  uint32_t seq = tern_tcp_seq(e->quote);
  /* Only a quote of something in flight: SND.UNA <= SEG.SEQ < SND.MAX (the
   * highest sent: after a go-back SND.NXT is below segments still out). */
  if (c == NULL ||
      !tern_seq_in_window(seq, c->snd_una, c->snd_max - c->snd_una)) {
    layer->stats.icmp_ignored++;
    return;
  }
  /* RFC 5927 7.2: a datagram no larger than the MTU reported could not
   * have been too big for it; nor could one of 68 bytes or less, which
   * every IPv4 link carries (RFC 791), whatever the MTU: from a router
   * older than RFC 1191 (MTU 0) the plateau below its length was the
   * floor (our SYN, 60 bytes, quoted: MSS 256). */
  if (e->err == TERN_EMSGSIZE &&
      (e->quoted_len <= 68 || (e->mtu != 0 && e->mtu >= e->quoted_len))) {
    layer->stats.icmp_bad_mtu++;
    return;
  }
  layer->stats.icmp_accepted++;
  if (e->err == TERN_EMSGSIZE) {
    uint16_t mss = pmtu_mss(c, e);
    if (mss < c->mss) { /* never raised */
      c->mss = mss;
      c->cc.smss = smss(c); /* RFC 5681: SMSS follows the path MTU */
      c->rtt_at = 0;        /* Karn: no sample from what is sent again */
      /* What is out did not fit: again, smaller, from SND.UNA. With SACK
       * the scoreboard resends it, skipping what the peer SACKed, as
       * after a timeout (RFC 6675 5.1; SND.NXT stays SND.MAX) but with
       * cwnd and ssthresh kept (as Linux's tcp_simple_retransmit): a
       * recovery in progress counted the lost segments in its pipe and
       * sent nothing until the timer. */
      if ((c->opts & TERN__TCP_O_SACK) != 0 && c->state != TERN_TCP_SYN_RCVD) {
        c->cc.in_recovery = 0;
        c->cc.recover = c->snd_max - 1u;
        c->sb.high_rxt = c->snd_una;
      } else {
        c->snd_nxt = c->snd_una;
      }
      tern__tcp_kick(layer);
    }
    return;
  }
  if (c->state == TERN_TCP_SYN_SENT || c->state == TERN_TCP_SYN_RCVD) {
    tern__tcp_finish(c, e->err); /* still opening: give up */
  } else {
    c->err = (int8_t)e->err; /* reported if the retries run out */
  }
}
