/* The retransmission timeout, RFC 6298. See tcp_rtt.h. */
#include "tern/tcp_rtt.h"

/* rto raised to min_rto, then cut to max_rto (which wins when the
 * minimum is above it). */
static uint32_t clamp(uint32_t rto, uint32_t min_rto, uint32_t max_rto) {
  if (rto < min_rto) {
    rto = min_rto;
  }
  return rto > max_rto ? max_rto : rto;
}

void tern_tcp_rtt_init(tern_tcp_rtt *t, uint32_t rto, uint32_t min_rto,
                       uint32_t max_rto) {
  t->srtt8 = 0;
  t->rttvar4 = 0;
  t->rto = clamp(rto, min_rto, max_rto);
}

void tern_tcp_rtt_sample(tern_tcp_rtt *t, uint32_t r, uint32_t min_rto,
                         uint32_t max_rto) {
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
  tern_tcp_rtt_restore(t, min_rto, max_rto);
}

void tern_tcp_rtt_restore(tern_tcp_rtt *t, uint32_t min_rto, uint32_t max_rto) {
  if (t->srtt8 != 0) {
    uint32_t var = t->rttvar4 > 1 ? t->rttvar4 : 1; /* max(G, 4 RTTVAR) */
    t->rto = clamp((t->srtt8 >> 3) + var, min_rto, max_rto);
  }
}

void tern_tcp_rtt_backoff(tern_tcp_rtt *t, uint32_t max_rto) {
  t->rto = t->rto > max_rto / 2 ? max_rto : t->rto * 2;
}
