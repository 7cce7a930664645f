/* The retransmission timeout (RFC 6298): a smoothed round-trip time and
 * its variation from samples, the timeout computed from them, and its
 * exponential backoff.
 *
 *   first sample R:  SRTT = R, RTTVAR = R / 2
 *   each next R:     RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|  (old SRTT)
 *                    SRTT   = 7/8 SRTT + 1/8 R
 *   RTO = SRTT + max(G, 4 RTTVAR), clamped to [min_rto, max_rto]
 *
 * G, the clock's granularity, is 1 ms (the port's clock). Before any
 * sample the RTO is 1 second (RFC 6298 2.1), within the bounds. On each
 * expiry the RTO doubles up to max_rto (5.5); the next sample computes it
 * afresh. A handshake whose SYN had to be sent again and that gave no
 * sample leaves it at 3 seconds (5.7). RFC 6298 2.4 asks for a minimum
 * of 1 second; Linux uses 200 ms: min_rto is the caller's (issue 9: "a
 * minimum you can configure").
 * The bounds are passed to each call, not kept: a TCP layer's
 * connections share one pair, its configuration's (8 bytes fewer in
 * every connection).
 *
 * Karn's rule (RFC 6298 3) is the caller's: take no sample from a
 * retransmitted segment unless timestamps tell the copies apart (RFC
 * 7323 section 4).
 *
 * Integer arithmetic, in milliseconds scaled as Jacobson's: SRTT kept
 * times 8 and RTTVAR times 4, so that the 1/8 and 1/4 gains are shifts and
 * no fraction of a millisecond is lost between samples. */
#ifndef TERN_TCP_RTT_H
#define TERN_TCP_RTT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The RTO before any sample, ms (RFC 6298 2.1). */
#define TERN_TCP_RTO_INITIAL 1000u
/* The RTO data starts with after a SYN sent again, ms (RFC 6298 5.7). */
#define TERN_TCP_RTO_AFTER_SYN_TIMEOUT 3000u
/* A bound RFC 6298 2.5 allows: at least 60 s. */
#define TERN_TCP_RTO_MAX_DEFAULT 60000u

typedef struct tern_tcp_rtt {
  uint32_t srtt8;   /* SRTT * 8, ms; 0: no sample yet */
  uint32_t rttvar4; /* RTTVAR * 4, ms */
  uint32_t rto;     /* the current timeout, ms */
} tern_tcp_rtt;

/* No samples (yet, or any more): RTO rto clamped to [min_rto, max_rto].
 * TERN_TCP_RTO_INITIAL for a new connection (RFC 6298 2.1);
 * TERN_TCP_RTO_AFTER_SYN_TIMEOUT when data begins after a handshake
 * whose SYN was sent again and that gave no sample (5.7). Wherever the
 * bounds are given, a min_rto above max_rto is taken as max_rto. */
void tern_tcp_rtt_init(tern_tcp_rtt *t, uint32_t rto, uint32_t min_rto,
                       uint32_t max_rto);

/* A round-trip sample of r ms (0 counts as 1: below the clock's grain);
 * the new RTO is clamped to [min_rto, max_rto]. */
void tern_tcp_rtt_sample(tern_tcp_rtt *t, uint32_t r, uint32_t min_rto,
                         uint32_t max_rto);

/* The retransmission timer expired: RTO doubles, up to max_rto. */
void tern_tcp_rtt_backoff(tern_tcp_rtt *t, uint32_t max_rto);

/* The backoff dropped: RTO as SRTT and RTTVAR give it, clamped (before
 * any sample it stays as it is). For a closed window that opens: the
 * persist timer's backoff was no loss (RFC 1122 4.2.2.17). */
void tern_tcp_rtt_restore(tern_tcp_rtt *t, uint32_t min_rto, uint32_t max_rto);

/* SRTT in ms, rounded down (0 before the first sample). */
static inline uint32_t tern_tcp_rtt_srtt(const tern_tcp_rtt *t) {
  return t->srtt8 >> 3;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_RTT_H */
