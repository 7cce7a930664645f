/* What the files of the connection machine share (not public): the
 * bits of tern_tcp_conn's pend, opts and flags, and the functions one
 * file calls in another.
 *
 *   tcp_conn.c    segment arrival (RFC 9293 3.10.7), RFC 5961's checks
 *   tcp_output.c  choosing and building segments, the runner
 *   tcp_timer.c   retransmission, persist, delayed ACK, keepalive,
 *                 TIME-WAIT, the user timeout
 *   tcp_listen.c  listeners, the backlog, SYN cookies
 *   tcp_user.c    open, the stream operations, close, abort */
#ifndef TERN_TCP_CONN_INTERNAL_H
#define TERN_TCP_CONN_INTERNAL_H

#include "tern/tcp.h"

/* pend: what the runner owes the peer. */
#define TERN__TCP_P_ACK 0x01u    /* an ACK now */
#define TERN__TCP_P_REXMIT 0x02u /* resend the segment at SND.UNA */
#define TERN__TCP_P_PROBE 0x04u  /* a zero-window probe: one byte */
#define TERN__TCP_P_KEEPALIVE 0x08u
#define TERN__TCP_P_DUPACK 0x10u /* the ACKs owed are duplicates: bare */

/* opts: what the handshake settled. */
#define TERN__TCP_O_SACK 0x01u
#define TERN__TCP_O_TS 0x02u
/* The timestamps option on a segment after the handshake: two NOPs and
 * its 10 bytes (tern_tcp_repr_emit's layout). */
#define TERN__TCP_TS_LEN 12u

/* flags beyond the application's (TERN_TCP_F_NODELAY, _KEEPALIVE). */
#define TERN__TCP_F_FIN 0x04u       /* our FIN is queued after the data */
#define TERN__TCP_F_RCVD_FIN 0x08u  /* the peer's FIN came, in order */
#define TERN__TCP_F_IN_USE 0x10u    /* a listener's slot that is taken */
#define TERN__TCP_F_ACCEPTED 0x20u  /* handed out by accept */
#define TERN__TCP_F_USER_DONE 0x40u /* the application closed or aborted */
#define TERN__TCP_F_FIN_HELD 0x80u  /* the peer's FIN came: at rcv_fin */
/* What a listener's slot keeps when it is freed: the application's
 * switches, and the peer's FIN for reads after the close. */
#define TERN__TCP_F_KEPT \
  (TERN_TCP_F_NODELAY | TERN_TCP_F_KEEPALIVE | TERN__TCP_F_RCVD_FIN)

/* Whether what is in flight is a zero-window probe (RFC 9293 3.8.6.1),
 * on a synchronized connection (before it, SND.WND is 0 and the SYN in
 * flight): the peer's window closed and at most two sequence numbers
 * past SND.UNA (the probe's byte, and our FIN after it when that byte is
 * the last). Its expiries are the persist timer's, and the peer's answers
 * are no duplicate ACKs: a closed window is no loss (RFC 1122 4.2.2.17;
 * RFC 5681 is about loss). A flight that short sent inside the window and
 * left outside it when the window closed is probed alike. */
static inline bool tern__tcp_probing(const tern_tcp_conn *c) {
  return c->snd_wnd == 0 && c->snd_max - c->snd_una <= 2u;
}

/* c's family: IPv4 alone in an IPv4-only build (ip/addr/README.md: a
 * connection can have no other there), where what depends on it for
 * IPv6 compiles out. */
static inline tern_ip_family tern__tcp_family(const tern_tcp_conn *c) {
  return TERN_CONFIG_IPV6 ? (tern_ip_family)c->remote.addr.family : TERN_IP_V4;
}

/* tcp_conn.c */
tern_ip_verdict tern__tcp_input(void *ctx, const tern_ip_rx *rx, tern_pkt *pkt);
void tern__tcp_error(void *ctx, const tern_ip_error *e);
/* A segment for c (found by its 4-tuple). */
void tern__tcp_segment(tern_tcp_conn *c, const tern_tcp_repr *s);
/* Takes c off the layer's list: CLOSED with err, waiters woken, a
 * listener's slot freed when nobody holds it. */
void tern__tcp_finish(tern_tcp_conn *c, int err);
/* Whether two addresses are the same (family and bytes). */
bool tern__tcp_addr_eq(const tern_ip_addr *a, const tern_ip_addr *b);
/* The handshake settles (either side, from the peer's SYN options
 * theirs): MSS, window shifts, the options in force, TS.Recent. What we
 * offer is every option (SACK as configured), with c->mss our MSS until
 * now. */
void tern__tcp_settle(tern_tcp_conn *c, const tern_tcp_opts *theirs);
/* The window shift for a receive ring of cap bytes (RFC 7323 2.3). */
uint8_t tern__tcp_shift_for(uint32_t cap);

/* tcp_output.c */
/* Wakes the runner: c owes the peer something. */
void tern__tcp_kick(tern_tcp_layer *layer);
/* (Re)starts the retransmission timer: an RTO from now (RFC 6298 5.1,
 * 5.3), or the persist timer's interval with nothing in flight. */
void tern__tcp_arm_rtx(tern_tcp_conn *c, tern_time now);
/* Sends what c owes; PENDING while it waits for a packet or room. cx
 * NULL (the input path, c owing an ACK at once for every second segment,
 * the runner woken): the first segment only, the one the runner would
 * send first (data carrying the ACK when some is ready to go, else the
 * bare ACK), if a pool packet and queue room can be had without waiting;
 * else nothing, and the runner sends it. */
tern_poll tern__tcp_output(tern_tcp_conn *c, tern_cx *cx);
/* Sends r from local to remote now if a packet and room are free (a
 * reset, a cookie's SYN-ACK): best effort, as ICMP answers are. */
int tern__tcp_send_now(tern_tcp_layer *layer, const tern_endpoint *local,
                       const tern_endpoint *remote, tern_tcp_repr *r);
/* Answers a segment that has no connection with a reset (RFC 9293
 * 3.10.7.1), unless it is one. */
void tern__tcp_reset_answer(tern_tcp_layer *layer, const tern_endpoint *local,
                            const tern_endpoint *remote,
                            const tern_tcp_repr *s);
/* The MSS we announce on route r (its MTU, capped by what a pool packet
 * holds). */
uint16_t tern__tcp_route_mss(const tern_tcp_layer *layer,
                             const tern_ip_route *r);
/* The same on the route to remote, or 0 with no route. */
uint16_t tern__tcp_our_mss(tern_tcp_layer *layer, const tern_endpoint *remote);

/* With SACK in force: moves SND.NXT past a SACKed range it stands at
 * (a go-back after a timeout resends only the holes, RFC 6675 5.1). */
void tern__tcp_sack_skip(tern_tcp_conn *c);
/* With SACK in force: the bytes from seq up to the next SACKed range
 * above it (UINT32_MAX: none). */
uint32_t tern__tcp_sack_room(const tern_tcp_conn *c, uint32_t seq);

/* tcp_timer.c */
/* The deadline ms after now; never 0, which means "off" (the clock wraps
 * every 49.7 days). */
tern_time tern__tcp_later(tern_time now, uint32_t ms);
void tern__tcp_timers(tern_tcp_conn *c, tern_time now);
/* Ends c's TIME-WAIT now, as its deadline does: the ACK still owed for
 * the peer's FIN (at once or not at all), then CLOSED. The timers run as
 * at that deadline (idle_at, never 0 in TIME-WAIT), so the one step
 * serves both the timer and a listener taking the slot (tcp_listen.c),
 * 8 bytes fewer on Cortex-M0 than the step written out there again (12
 * fewer than a function of its own that both call). The hazard: every
 * timer runs, not only TIME-WAIT's end. That is right only while
 * tern__tcp_timers runs the idle clock first and returns once it has
 * closed the connection; a timer put before it, or one that runs after
 * a close, would run from the listener too. */
static inline void tern__tcp_end_time_wait(tern_tcp_conn *c) {
  tern__tcp_timers(c, c->idle_at);
}
/* The earliest of next and c's deadlines, 0 (none) left out: a deadline
 * is never 0 (tern__tcp_later). */
tern_time tern__tcp_deadline(const tern_tcp_conn *c, tern_time next);
/* Restarts the user timeout or keepalive clock: the peer was heard. */
void tern__tcp_heard(tern_tcp_conn *c, tern_time now);

/* tcp_listen.c */
/* A segment for lst from remote to local. tw: NULL, or the slot in
 * TIME-WAIT whose connection s, a SYN, ends (tcp_conn.c, RFC 6191). */
void tern__tcp_listen_input(tern_tcp_listener *lst, const tern_endpoint *local,
                            const tern_endpoint *remote, const tern_tcp_repr *s,
                            tern_tcp_conn *tw);

/* tcp_user.c */
/* Opens c in state (SYN-SENT or SYN-RECEIVED) on its layer's list of
 * connections: its sequence state for a handshake from iss, RCV.NXT at
 * irs + 1 (the peer's SYN's; any value until its SYN comes). */
void tern__tcp_open(tern_tcp_conn *c, tern_tcp_state state, uint32_t iss,
                    uint32_t irs);

#endif /* TERN_TCP_CONN_INTERNAL_H */
