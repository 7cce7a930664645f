/* A connection's timers, kept as three deadlines (0: off) that the
 * runner checks on each pass and sleeps until the earliest of:
 *
 *   rtx_at   retransmission (RFC 6298: Karn, backoff, NewReno's timeout),
 *            which with nothing in flight and a zero window is the
 *            persist timer (RFC 9293 3.8.6.1): a one-byte probe, sent
 *            again with backoff until the window opens, and no loss:
 *            not a timeout, cwnd kept (tern__tcp_probing)
 *   ack_at   the delayed ACK's bound (RFC 9293 3.8.6.3)
 *   idle_at  TIME-WAIT's end; in the other states the user timeout
 *            (something unacknowledged and nothing heard from the peer
 *            for cfg.user_timeout: TERN_ETIMEDOUT) or, when idle with
 *            keepalive on, the next keepalive probe (RFC 1122 4.2.3.6) */
#include "tern/tcp_seq.h"
#include "transport/tcp/tcp_conn.h"

static bool due(tern_time at, tern_time now) {
  return at != 0 && !tern_time_before(now, at);
}

tern_time tern__tcp_later(tern_time now, uint32_t ms) {
  tern_time t = now + ms;
  return t == 0 ? 1 : t; /* 0 is "off": a deadline on the clock's wrap moves */
}

/* FIN-WAIT-2 after the application closed, with cfg.fin_wait2 set: the
 * idle clock bounds the wait for the peer's FIN. */
static bool fin_wait2_bounded(const tern_tcp_conn *c) {
  return c->state == TERN_TCP_FIN_WAIT_2 &&
         (c->flags & TERN__TCP_F_USER_DONE) != 0 &&
         c->layer->cfg.fin_wait2 != 0;
}

/* Something awaits the peer's answer (data, a FIN or a SYN): the idle
 * clock is the user timeout. */
static bool outstanding(const tern_tcp_conn *c) {
  return c->snd_una != c->snd_max || c->slen != 0 ||
         c->state == TERN_TCP_SYN_SENT || c->state == TERN_TCP_SYN_RCVD;
}

/* What the idle clock stands for in c's state: TIME-WAIT's end, the
 * FIN-WAIT-2 bound, the user timeout, the next keepalive probe, or
 * nothing (see the top of this file). */
typedef enum idle_clock {
  IDLE_TIME_WAIT,
  IDLE_FIN_WAIT2,
  IDLE_USER_TIMEOUT,
  IDLE_KEEPALIVE,
  IDLE_OFF,
} idle_clock;

static idle_clock idle_kind(const tern_tcp_conn *c) {
  if (c->state == TERN_TCP_TIME_WAIT) {
    return IDLE_TIME_WAIT;
  }
  if (fin_wait2_bounded(c)) {
    return IDLE_FIN_WAIT2;
  }
  if (outstanding(c)) {
    return IDLE_USER_TIMEOUT;
  }
  return (c->flags & TERN_TCP_F_KEEPALIVE) != 0 ? IDLE_KEEPALIVE : IDLE_OFF;
}

void tern__tcp_heard(tern_tcp_conn *c, tern_time now) {
  const tern_tcp_config *cfg = &c->layer->cfg;
  uint32_t wait;
  switch (idle_kind(c)) {
    case IDLE_TIME_WAIT: return; /* its end stays */
    case IDLE_FIN_WAIT2: wait = cfg->fin_wait2; break;
    case IDLE_USER_TIMEOUT: wait = cfg->user_timeout; break;
    case IDLE_KEEPALIVE:
      wait = cfg->keepalive;
      c->retries = 0;
      break;
    default: c->idle_at = 0; return;
  }
  c->idle_at = tern__tcp_later(now, wait);
}

/* The retransmission timer expired. */
static void rtx_expired(tern_tcp_conn *c, tern_time now) {
  tern_tcp_layer *layer = c->layer;
  /* Nothing in flight: the persist timer, and a probe owed until a
   * segment with data goes (sent() then arms the timer from it). It stays
   * armed meanwhile: a probe that could not be sent (no route, the
   * interface down, no room for its headers) is tried again at the next
   * expiry. Disarmed, as it was, nothing brought the runner back to it,
   * and with the peer's window update lost the connection waited for
   * ever. Or the probe unanswered and the window still closed: the probe
   * again from SND.UNA. Either way with backoff (RFC 1122 4.2.2.17; the
   * intervals RTO, 2 x RTO, ... as BSD's and Linux's), and no loss: the
   * peer's window, not the network, holds the data back. (Until the
   * handshake ends there is no window.) */
  bool idle = c->snd_una == c->snd_max;
  if (idle) {
    c->pend |= TERN__TCP_P_PROBE;
  }
  bool persist = idle || (c->state > TERN_TCP_SYN_RCVD && tern__tcp_probing(c));
  if (!persist) {
    layer->stats.timeouts++;
    uint32_t flight = c->snd_max - c->snd_una;
    tern_tcp_cc_timeout(&c->cc, flight, c->snd_max, c->retries != 0);
    if (c->retries < 0xff) {
      c->retries++;
    }
  }
  tern_tcp_rtt_backoff(&c->rtt, layer->cfg.max_rto);
  bool opening = c->state == TERN_TCP_SYN_SENT || c->state == TERN_TCP_SYN_RCVD;
  if (opening) {
    c->snd_nxt = c->snd_una; /* the SYN again, at the ISS */
  } else if ((c->opts & TERN__TCP_O_SACK) != 0 && !persist) {
    /* RFC 6675 5.1: recovery ends and RecoveryPoint is HighData
     * (tern_tcp_cc_timeout's recover); RFC 2018 8: the peer may have
     * dropped what it SACKed, so the scoreboard starts empty. Until
     * SND.UNA passes RecoveryPoint, tcp_output.c resends what was out
     * from SND.UNA in slow start, skipping what is SACKed from now on
     * (tern_tcp_sack_next); SND.NXT stays HighData + 1. */
    tern_tcp_sack_timeout(&c->sb, c->snd_una);
  } else {
    c->snd_nxt = c->snd_una; /* NewReno, or the probe: from SND.UNA */
  }
  c->rtt_at = 0; /* Karn: no sample from a resent segment */
  tern__tcp_arm_rtx(c, now);
  c->pend &= (uint8_t)~TERN__TCP_P_REXMIT;
}

static void idle_expired(tern_tcp_conn *c, tern_time now) {
  const tern_tcp_config *cfg = &c->layer->cfg;
  switch (idle_kind(c)) {
    case IDLE_TIME_WAIT:
      /* The ACK still owed for the peer's FIN goes first, as the input
       * path sends one, at once or not at all (the runner's own wait
       * must not hold the end back: a route gone would keep it due). With
       * a TIME-WAIT shorter than the runner took to come round (0: none)
       * it was forgotten until the `tcp30` branch, and the peer's close
       * ended with our reset to its FIN sent again. A listener ending
       * a TIME-WAIT for its slot comes here too
       * (tern__tcp_end_time_wait). */
      (void)tern__tcp_output(c, NULL);
      tern__tcp_finish(c, 0);
      return;
    case IDLE_FIN_WAIT2:
      tern__tcp_finish(c, TERN_ETIMEDOUT); /* the peer never sent its FIN */
      return;
    case IDLE_USER_TIMEOUT:
      /* An ICMP error heard meanwhile says why. */
      tern__tcp_finish(c, c->err != 0 ? c->err : TERN_ETIMEDOUT);
      return;
    case IDLE_OFF: c->idle_at = 0; return;
    default: break; /* a keepalive probe is due */
  }
  if (c->retries >= cfg->keepalive_probes) {
    tern__tcp_finish(c, TERN_ETIMEDOUT);
    return;
  }
  c->retries++;
  c->pend |= TERN__TCP_P_KEEPALIVE;
  c->idle_at = tern__tcp_later(now, cfg->keepalive);
}

void tern__tcp_timers(tern_tcp_conn *c, tern_time now) {
  /* The idle clock first, and nothing after a close: a listener taking
   * a TIME-WAIT slot ends it through here (tern__tcp_end_time_wait). */
  if (due(c->idle_at, now)) {
    idle_expired(c, now);
    if (c->state == TERN_TCP_CLOSED) {
      return;
    }
  }
  if (due(c->rtx_at, now)) {
    rtx_expired(c, now);
  }
  if (due(c->ack_at, now)) {
    c->ack_at = 0;
    c->pend |= TERN__TCP_P_ACK;
  }
  /* Data waiting and nothing in flight: a window too small to use (a
   * lost window update would leave both sides waiting). Arm the persist
   * timer (RFC 9293 3.8.6.1), which doubles as the sender's SWS override
   * (RFC 1122 4.2.3.4); sending the data disarms it. (No data is queued
   * before the handshake ends: tcp_user.c, snd_room.) The data is
   * outstanding: the idle clock is the user timeout's from now. Left, a
   * keepalive deadline falling due before the data went ended the
   * connection as a user timeout at once. */
  if (c->snd_una == c->snd_max && c->rtx_at == 0 && c->slen != 0 &&
      (c->pend & TERN__TCP_P_PROBE) == 0) {
    tern__tcp_arm_rtx(c, now);
    tern__tcp_heard(c, now);
  }
}

tern_time tern__tcp_deadline(const tern_tcp_conn *c, tern_time next) {
  const tern_time at[3] = {c->rtx_at, c->ack_at, c->idle_at};
  for (int i = 0; i < 3; i++) {
    if (at[i] != 0 && (next == 0 || tern_time_before(at[i], next))) {
      next = at[i];
    }
  }
  return next;
}
