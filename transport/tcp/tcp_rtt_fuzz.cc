// Fuzz target for the RTO estimator (RFC 6298): bytes 0..3 pick min_rto,
// 4..7 max_rto (any 32-bit values, min above max included); then
// operations, each a byte and its arguments:
//
//   even b b b b   a round-trip sample of that many ms (any 32-bit value)
//   odd            the retransmission timer expired: back off
//
// A reference model runs the same equations in 64-bit arithmetic, where
// nothing can overflow, and after each operation the estimator must agree
// with it exactly (so a wrap in the 32-bit sums shows), and the RTO must
// lie in [min_rto, max_rto] (min_rto taken as max_rto when above it).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tern/tcp_rtt.h"

namespace {

void Fail(const char *what) {
  fprintf(stderr, "rtt_fuzz: %s\n", what);
  abort();
}

bool U32(const uint8_t **p, size_t *n, uint32_t *v) {
  if (*n < 4)
    return false;
  *v = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
       (uint32_t)(*p)[2] << 8 | (*p)[3];
  *p += 4;
  *n -= 4;
  return true;
}

struct Model {
  uint64_t lo, hi;  // the bounds, lo <= hi
  uint64_t srtt8 = 0, rttvar4 = 0, rto = 0;

  uint64_t Clamp(uint64_t v) const {
    return v < lo ? lo : (v > hi ? hi : v);
  }
  void Sample(uint64_t r) {
    if (r == 0)
      r = 1;
    if (r > 3600000u)  // the estimator's documented cap on a sample
      r = 3600000u;
    if (srtt8 == 0) {
      srtt8 = 8 * r;
      rttvar4 = 2 * r;
    } else {
      uint64_t r8 = 8 * r;
      uint64_t abs8 = r8 > srtt8 ? r8 - srtt8 : srtt8 - r8;
      rttvar4 = rttvar4 - rttvar4 / 4 + abs8 / 8;
      srtt8 = srtt8 - srtt8 / 8 + r;
    }
    rto = Clamp(srtt8 / 8 + (rttvar4 > 1 ? rttvar4 : 1));
  }
  void Backoff() {
    rto = 2 * rto > hi ? hi : 2 * rto;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t min_rto, max_rto;
  if (!U32(&data, &size, &min_rto) || !U32(&data, &size, &max_rto))
    return 0;
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, min_rto, max_rto);
  Model m;
  m.hi = max_rto;
  m.lo = min_rto < max_rto ? min_rto : max_rto;
  m.rto = m.Clamp(TERN_TCP_RTO_INITIAL);
  while (size > 0) {
    uint8_t op = *data++;
    size--;
    if (op % 2 == 0) {
      uint32_t r;
      if (!U32(&data, &size, &r))
        return 0;
      tern_tcp_rtt_sample(&t, r, min_rto, max_rto);
      m.Sample(r);
    } else {
      tern_tcp_rtt_backoff(&t, max_rto);
      m.Backoff();
    }
    if (t.rto < m.lo || t.rto > m.hi)
      Fail("RTO outside [min_rto, max_rto]");
    if (t.srtt8 != m.srtt8 || t.rttvar4 != m.rttvar4)
      Fail("SRTT or RTTVAR differ from the 64-bit model (overflow?)");
    if (t.rto != m.rto)
      Fail("RTO differs from the 64-bit model (overflow?)");
    if (t.srtt8 != 0 && tern_tcp_rtt_srtt(&t) != m.srtt8 / 8)
      Fail("SRTT in ms");
  }
  return 0;
}
