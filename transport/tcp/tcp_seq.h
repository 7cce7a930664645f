/* TCP sequence-number arithmetic (RFC 9293 section 3.4): 32-bit numbers
 * compared modulo 2^32, so that the comparisons stay right when the
 * numbers wrap around.
 *
 * a is "before" b when the signed 32-bit difference a - b is negative:
 * that is, when b lies less than 2^31 ahead of a. Numbers exactly 2^31
 * apart have no order (each is "before" the other by this test); TCP
 * never compares numbers that far apart, since windows are at most 2^30
 * (RFC 7323 section 2.3).
 *
 * Ranges are half open, [lo, lo + len), as RFC 9293 writes them. Header
 * only: each helper is a subtraction and a compare. */
#ifndef TERN_TCP_SEQ_H
#define TERN_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* a < b modulo 2^32. */
static inline bool tern_seq_lt(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) < 0;
}

/* a <= b modulo 2^32. */
static inline bool tern_seq_le(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) <= 0;
}

/* a > b modulo 2^32. */
static inline bool tern_seq_gt(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) > 0;
}

/* a >= b modulo 2^32. */
static inline bool tern_seq_ge(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) >= 0;
}

/* The later of a and b. */
static inline uint32_t tern_seq_max(uint32_t a, uint32_t b) {
  return tern_seq_lt(a, b) ? b : a;
}

/* The earlier of a and b. */
static inline uint32_t tern_seq_min(uint32_t a, uint32_t b) {
  return tern_seq_lt(a, b) ? a : b;
}

/* lo <= x < lo + len: x inside the len numbers from lo (false for len 0).
 * One unsigned compare: x - lo counts from lo, whatever wraps. */
static inline bool tern_seq_in_window(uint32_t x, uint32_t lo, uint32_t len) {
  return x - lo < len;
}

/* lo < x <= hi: as an acknowledgment must lie between SND.UNA and SND.NXT
 * to acknowledge something new (RFC 9293 3.10.7.4, "If SND.UNA < SEG.ACK
 * =< SND.NXT"). */
static inline bool tern_seq_after_upto(uint32_t x, uint32_t lo, uint32_t hi) {
  return x - lo - 1u < hi - lo;
}

/* RFC 9293 3.10.7.4's acceptability test of a received segment of seg_len
 * sequence numbers (its data, plus one for SYN and one for FIN) at
 * seg_seq, against the receive window [rcv_nxt, rcv_nxt + rcv_wnd):
 *
 *   len  window  acceptable when
 *   0    0       SEG.SEQ = RCV.NXT
 *   0    > 0     RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
 *   > 0  0       never
 *   > 0  > 0     the first or the last number of the segment is in the
 *                window
 */
static inline bool tern_seq_acceptable(uint32_t seg_seq, uint32_t seg_len,
                                       uint32_t rcv_nxt, uint32_t rcv_wnd) {
  if (seg_len == 0) {
    return rcv_wnd == 0 ? seg_seq == rcv_nxt
                        : tern_seq_in_window(seg_seq, rcv_nxt, rcv_wnd);
  }
  return tern_seq_in_window(seg_seq, rcv_nxt, rcv_wnd) ||
         tern_seq_in_window(seg_seq + seg_len - 1u, rcv_nxt, rcv_wnd);
}

/* RFC 5961 3.2: what a RST in a synchronized state earns, by its
 * sequence number alone. */
typedef enum tern_seq_rst_verdict {
  TERN_SEQ_RST_DROP = 0,      /* outside the window: silently dropped */
  TERN_SEQ_RST_CHALLENGE = 1, /* in the window but not RCV.NXT: answered
                                 with a challenge ACK, no reset */
  TERN_SEQ_RST_RESET = 2,     /* exactly RCV.NXT: the connection resets */
} tern_seq_rst_verdict;

static inline tern_seq_rst_verdict tern_seq_rst_check(uint32_t seg_seq,
                                                      uint32_t rcv_nxt,
                                                      uint32_t rcv_wnd) {
  if (seg_seq == rcv_nxt) {
    return TERN_SEQ_RST_RESET;
  }
  return tern_seq_in_window(seg_seq, rcv_nxt, rcv_wnd) ? TERN_SEQ_RST_CHALLENGE
                                                       : TERN_SEQ_RST_DROP;
}

/* RFC 5961 5.2: an ACK is acceptable only in
 * [SND.UNA - MAX.SND.WND, SND.NXT], MAX.SND.WND the largest window the
 * peer has offered; a segment whose ACK is outside is dropped and
 * answered with an ACK. (Inside, an ACK at or below SND.UNA is a
 * duplicate, above it acknowledges new data: tern_seq_after_upto.) */
static inline bool tern_seq_ack_acceptable(uint32_t seg_ack, uint32_t snd_una,
                                           uint32_t snd_nxt,
                                           uint32_t max_snd_wnd) {
  return tern_seq_in_window(seg_ack, snd_una - max_snd_wnd,
                            max_snd_wnd + (snd_nxt - snd_una) + 1u);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_SEQ_H */
