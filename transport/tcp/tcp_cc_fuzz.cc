// Fuzz target for NewReno congestion control (tcp_cc): the input is a
// script of sender events against one connection. Bytes 0..1 pick the
// SMSS (0 taken as 536), 2..5 the ISS; then operations, each a byte and
// its arguments:
//
//   0 n n n        send n (24 bits) new bytes (outstanding capped at 2^30,
//                  the largest window)
//   1 a a a a      an ACK of a (32 bits, modulo what is outstanding + 1)
//                  new bytes; nothing outstanding or a = 0: nothing
//   2              a duplicate ACK (only with data outstanding)
//   3 r            the retransmission timer expires (r & 1: repeated)
//
// After every event: cwnd >= SMSS and ssthresh >= 2 SMSS; growth never
// wraps: an ACK outside recovery and a duplicate ACK in recovery never
// lower cwnd, and each raises it by at most an SMSS; entering recovery
// sets ssthresh = max(flight / 2, 2 SMSS) and cwnd = ssthresh + 3 SMSS as
// computed in 64 bits; a full ACK leaves cwnd at most ssthresh; a timeout
// leaves cwnd = SMSS.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tern/tcp_cc.h"

namespace {

constexpr uint32_t kMaxOutstanding = 1u << 30;

void Fail(const char *what) {
  fprintf(stderr, "cc_fuzz: %s\n", what);
  abort();
}

struct Reader {
  const uint8_t *p;
  size_t n;
  bool Bytes(unsigned k, uint32_t *v) {
    if (n < k)
      return false;
    *v = 0;
    for (unsigned i = 0; i < k; i++)
      *v = *v << 8 | p[i];
    p += k;
    n -= k;
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in{data, size};
  uint32_t smss_sel, iss;
  if (!in.Bytes(2, &smss_sel) || !in.Bytes(4, &iss))
    return 0;
  uint16_t smss = smss_sel == 0 ? 536 : (uint16_t)smss_sel;
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, smss, iss);
  if (cc.cwnd != tern_tcp_cc_initial_window(smss) || cc.cwnd < smss)
    Fail("initial window");
  uint32_t una = iss + 1u, nxt = iss + 1u;
  uint32_t op;
  while (in.Bytes(1, &op)) {
    uint64_t before = cc.cwnd;
    bool was_recovering = cc.in_recovery != 0;
    switch (op % 4) {
      case 0: {
        uint32_t n;
        if (!in.Bytes(3, &n))
          return 0;
        uint32_t room = kMaxOutstanding - (nxt - una);
        nxt += n < room ? n : room;
        break;
      }
      case 1: {
        uint32_t a;
        if (!in.Bytes(4, &a))
          return 0;
        uint32_t flight = nxt - una;
        uint32_t acked = a % (flight + 1u);
        if (acked == 0)
          break;
        una += acked;
        tern_tcp_cc_action r = tern_tcp_cc_ack(&cc, una, acked, nxt - una);
        if (!was_recovering) {
          if (r != TERN_TCP_CC_NONE)
            Fail("an ACK outside recovery asked for a send");
          if (cc.cwnd < before || cc.cwnd - before > smss)
            Fail("cwnd grew by more than an SMSS, or wrapped");
        } else if (!cc.in_recovery) {
          if (cc.cwnd > cc.ssthresh)
            Fail("a full ACK left cwnd above ssthresh");
        } else if (r != TERN_TCP_CC_RETRANSMIT) {
          Fail("a partial ACK did not retransmit");
        }
        break;
      }
      case 2: {
        if (nxt == una)
          break;
        tern_tcp_cc_action r = tern_tcp_cc_dupack(&cc, una, nxt);
        if (was_recovering) {
          if (cc.cwnd != before + smss)
            Fail("a dup ACK in recovery did not inflate cwnd by an SMSS");
        } else if (cc.in_recovery) {
          uint64_t half = (uint64_t)(nxt - una) / 2;
          uint64_t ss = half > 2u * (uint64_t)smss ? half : 2u * (uint64_t)smss;
          if (r != TERN_TCP_CC_RETRANSMIT || cc.ssthresh != ss ||
              cc.cwnd != ss + 3u * (uint64_t)smss)
            Fail("entering recovery");
        } else if (cc.cwnd != before) {
          Fail("a dup ACK outside recovery changed cwnd");
        }
        break;
      }
      default: {
        uint32_t r;
        if (!in.Bytes(1, &r))
          return 0;
        tern_tcp_cc_timeout(&cc, nxt - una, nxt, (r & 1) != 0);
        if (cc.cwnd != smss || cc.in_recovery)
          Fail("after a timeout cwnd is not one SMSS");
        break;
      }
    }
    if (cc.cwnd < smss)
      Fail("cwnd below one SMSS");
    if (cc.ssthresh < 2u * (uint32_t)smss)
      Fail("ssthresh below two SMSS");
  }
  return 0;
}
