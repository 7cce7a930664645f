/* NewReno congestion control. See tcp_cc.h. */
#include "tern/tcp_cc.h"

#include "tern/tcp_seq.h"

uint32_t tern_tcp_cc_initial_window(uint16_t smss) {
  if (smss > 2190) {
    return 2u * smss;
  }
  return (smss > 1095 ? 3u : 4u) * smss;
}

void tern_tcp_cc_init(tern_tcp_cc *cc, uint16_t smss, uint32_t iss) {
  cc->smss = smss;
  cc->cwnd = tern_tcp_cc_initial_window(smss);
  cc->ssthresh = UINT32_MAX;
  cc->recover = iss;
  cc->acked_ca = 0;
  cc->dupacks = 0;
  cc->in_recovery = 0;
}

/* RFC 5681 eq. 4: half what is in flight, at least two segments. */
static uint32_t half_flight(const tern_tcp_cc *cc, uint32_t flight) {
  uint32_t half = flight / 2;
  return half > 2u * cc->smss ? half : 2u * cc->smss;
}

tern_tcp_cc_action tern_tcp_cc_ack(tern_tcp_cc *cc, uint32_t una,
                                   uint32_t acked, uint32_t flight) {
  cc->dupacks = 0;
  if (cc->in_recovery) {
    if (tern_seq_gt(una, cc->recover)) {
      /* Full ACK (RFC 6582 3.2 step 3, first option). */
      uint32_t w = (flight > cc->smss ? flight : cc->smss) + cc->smss;
      cc->cwnd = w < cc->ssthresh ? w : cc->ssthresh;
      cc->in_recovery = 0;
      cc->acked_ca = 0;
      return TERN_TCP_CC_NONE;
    }
    /* Partial ACK (step 4): deflate by what it acknowledged, add one
     * segment back if that was a segment or more; resend the next hole. */
    cc->cwnd = acked < cc->cwnd ? cc->cwnd - acked : 0;
    if (acked >= cc->smss) {
      cc->cwnd += cc->smss;
    }
    if (cc->cwnd < cc->smss) {
      cc->cwnd = cc->smss;
    }
    return TERN_TCP_CC_RETRANSMIT;
  }
  if (tern_seq_gt(una, cc->recover)) {
    /* Passed: recover trails SND.UNA, so that after 2^31 bytes it cannot
     * look ahead of it again and hold off the next fast retransmit. */
    cc->recover = una - 1u;
  }
  if (cc->cwnd < cc->ssthresh) {
    /* Slow start (RFC 5681 eq. 2). */
    cc->cwnd += acked < cc->smss ? acked : cc->smss;
  } else {
    /* Congestion avoidance, by bytes (RFC 3465 2.1). */
    cc->acked_ca += acked;
    if (cc->acked_ca >= cc->cwnd) {
      cc->acked_ca -= cc->cwnd;
      cc->cwnd += cc->smss;
    }
  }
  return TERN_TCP_CC_NONE;
}

tern_tcp_cc_action tern_tcp_cc_dupack(tern_tcp_cc *cc, uint32_t una,
                                      uint32_t snd_nxt) {
  if (cc->dupacks < UINT8_MAX) {
    cc->dupacks++;
  }
  if (cc->in_recovery) {
    cc->cwnd += cc->smss; /* RFC 5681 3.2 step 4 */
    return TERN_TCP_CC_SEND_NEW;
  }
  if (cc->dupacks < 3) {
    return TERN_TCP_CC_SEND_NEW; /* limited transmit, RFC 3042 */
  }
  if (cc->dupacks > 3 || !tern_seq_gt(una, cc->recover)) {
    /* Past the third, or duplicates of data sent before the last
     * recovery or timeout: no second fast retransmit (RFC 6582 3.2
     * step 1). */
    return TERN_TCP_CC_NONE;
  }
  tern_tcp_cc_enter_recovery(cc, una, snd_nxt);
  cc->cwnd += 3u * cc->smss;
  return TERN_TCP_CC_RETRANSMIT;
}

void tern_tcp_cc_enter_recovery(tern_tcp_cc *cc, uint32_t una,
                                uint32_t snd_nxt) {
  cc->ssthresh = cc->cwnd = half_flight(cc, snd_nxt - una);
  cc->recover = snd_nxt - 1u;
  cc->in_recovery = 1;
  cc->acked_ca = 0;
}

void tern_tcp_cc_timeout(tern_tcp_cc *cc, uint32_t flight, uint32_t snd_nxt,
                         bool repeated) {
  if (!repeated) {
    cc->ssthresh = half_flight(cc, flight);
  }
  cc->cwnd = cc->smss; /* the loss window */
  cc->recover = snd_nxt - 1u;
  cc->in_recovery = 0;
  cc->dupacks = 0;
  cc->acked_ca = 0;
}
