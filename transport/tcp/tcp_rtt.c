/* The retransmission timeout, RFC 6298. See tcp_rtt.h. */
#include "tern/tcp_rtt.h"

static uint32_t clamp(const tern_tcp_rtt *t, uint32_t rto) {
  if (rto < t->min_rto) {
    return t->min_rto;
  }
  return rto > t->max_rto ? t->max_rto : rto;
}

void tern_tcp_rtt_init(tern_tcp_rtt *t, uint32_t min_rto, uint32_t max_rto) {
  t->srtt8 = 0;
  t->rttvar4 = 0;
  t->max_rto = max_rto;
  t->min_rto = min_rto < max_rto ? min_rto : max_rto;
  t->rto = clamp(t, TERN_TCP_RTO_INITIAL);
}

void tern_tcp_rtt_sample(tern_tcp_rtt *t, uint32_t r) {
  if (r == 0) {
    r = 1;
  }
  /* Samples past an hour are no round trip: keep the sums from
   * overflowing (8 * r must fit in 32 bits). */
  if (r > 3600000u) {
    r = 3600000u;
  }
  if (t->srtt8 == 0) {
    t->srtt8 = r << 3;   /* SRTT = R */
    t->rttvar4 = r << 1; /* RTTVAR = R / 2 */
  } else {
    /* |SRTT - R| in eighths of a millisecond, from the old SRTT. */
    uint32_t r8 = r << 3;
    uint32_t abs8 = r8 > t->srtt8 ? r8 - t->srtt8 : t->srtt8 - r8;
    /* RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|; times 4:
     * rttvar4 = rttvar4 - rttvar4 / 4 + |SRTT - R|. */
    t->rttvar4 = t->rttvar4 - (t->rttvar4 >> 2) + (abs8 >> 3);
    /* SRTT = 7/8 SRTT + 1/8 R; times 8: srtt8 = srtt8 - srtt8 / 8 + R. */
    t->srtt8 = t->srtt8 - (t->srtt8 >> 3) + r;
  }
  uint32_t var = t->rttvar4 > 1 ? t->rttvar4 : 1; /* max(G, 4 RTTVAR) */
  t->rto = clamp(t, (t->srtt8 >> 3) + var);
}

void tern_tcp_rtt_backoff(tern_tcp_rtt *t) {
  t->rto = t->rto > t->max_rto / 2 ? t->max_rto : t->rto * 2;
}
