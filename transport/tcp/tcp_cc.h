/* Congestion control without SACK: slow start and congestion avoidance
 * (RFC 5681 3.1, byte counting as RFC 3465 2.1), fast retransmit and
 * NewReno's fast recovery (RFC 5681 3.2, RFC 6582 3.2), limited transmit
 * (RFC 3042), and the window after a retransmission timeout (RFC 5681
 * 3.1, eq. 4). SACK-based recovery (RFC 6675) will sit beside it.
 *
 * Pure arithmetic on the congestion window: the connection machine tells
 * it what each ACK did and what the timer did, and it answers what to
 * send (tern_tcp_cc_action). Windows are in bytes; sequence numbers wrap
 * (tern/tcp_seq.h).
 *
 *   event                  cwnd                                  action
 *   new data ACKed         slow start: + min(acked, SMSS)        -
 *                          avoidance: + SMSS per cwnd ACKed
 *   1st, 2nd dup ACK       -                                     SEND_NEW
 *   3rd dup ACK, ACK past  ssthresh = max(flight / 2, 2 SMSS);   RETRANSMIT
 *     recover              cwnd = ssthresh + 3 SMSS; recover =
 *                          highest sequence sent
 *   more dup ACKs          + SMSS                                SEND_NEW
 *   partial ACK            - acked, + SMSS if acked >= SMSS      RETRANSMIT
 *   full ACK (past         min(ssthresh, max(flight, SMSS)       -
 *     recover)             + SMSS); recovery ends
 *   retransmission timer   ssthresh = max(flight / 2, 2 SMSS)
 *                          (kept on a repeated timeout); cwnd =
 *                          SMSS; recover = highest sequence sent
 *
 * SEND_NEW means: send new data if the windows allow (RFC 3042 and RFC
 * 5681 3.2 step 5); limited transmit's own bound (no more than cwnd + 2
 * SMSS outstanding) is the caller's to check with the window, as is
 * Karn's and RFC 5681 4.1's restart after idle. */
#ifndef TERN_TCP_CC_H
#define TERN_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_tcp_cc_action {
  TERN_TCP_CC_NONE = 0,
  TERN_TCP_CC_SEND_NEW = 1,   /* new data may go, if the windows allow */
  TERN_TCP_CC_RETRANSMIT = 2, /* resend the first unacknowledged segment */
} tern_tcp_cc_action;

typedef struct tern_tcp_cc {
  uint32_t cwnd;
  uint32_t ssthresh;
  uint32_t recover;  /* RFC 6582: highest sequence number sent when the
                        last recovery or timeout began */
  uint32_t acked_ca; /* bytes ACKed in congestion avoidance since cwnd
                        last grew (RFC 3465) */
  uint16_t smss;
  uint8_t dupacks;     /* duplicate ACKs in a row */
  uint8_t in_recovery; /* in fast recovery */
} tern_tcp_cc;

/* The initial window for this SMSS (RFC 5681 3.1): 4 SMSS up to 1095
 * bytes, 3 up to 2190, 2 above. */
uint32_t tern_tcp_cc_initial_window(uint16_t smss);

/* A new connection: cwnd the initial window, ssthresh as high as can be
 * (RFC 5681 3.1), recover = iss (our initial sequence number, RFC 6582
 * 3.2 step 1's start). */
void tern_tcp_cc_init(tern_tcp_cc *cc, uint16_t smss, uint32_t iss);

/* An ACK that moved SND.UNA to una, acknowledging acked > 0 new bytes,
 * leaving flight (SND.NXT - una) outstanding. */
tern_tcp_cc_action tern_tcp_cc_ack(tern_tcp_cc *cc, uint32_t una,
                                   uint32_t acked, uint32_t flight);

/* A duplicate ACK (RFC 5681 2: nothing new acknowledged, no data, no
 * window change, data outstanding) at SND.UNA una, SND.NXT snd_nxt. */
tern_tcp_cc_action tern_tcp_cc_dupack(tern_tcp_cc *cc, uint32_t una,
                                      uint32_t snd_nxt);

/* A loss found at SND.UNA una, SND.NXT snd_nxt (a third duplicate ACK,
 * or RFC 6675's scoreboard): recovery until snd_nxt - 1 is acknowledged
 * (RFC 6582), ssthresh and cwnd half the flight, at least two segments
 * (RFC 5681 eq. 4; NewReno's caller inflates cwnd by the three segments
 * that left, RFC 5681 3.2 step 3). */
void tern_tcp_cc_enter_recovery(tern_tcp_cc *cc, uint32_t una,
                                uint32_t snd_nxt);

/* The retransmission timer expired with flight bytes outstanding and
 * SND.NXT snd_nxt; repeated: the segment was already retransmitted by
 * the timer (ssthresh is then kept, RFC 5681 3.1). */
void tern_tcp_cc_timeout(tern_tcp_cc *cc, uint32_t flight, uint32_t snd_nxt,
                         bool repeated);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_CC_H */
