/* TCP options: walk and write (RFC 9293 3.2, RFC 7323, RFC 2018). See
 * tcp_wire.h for what is dropped, ignored and corrected. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/tcp_seq.h"
#include "tern/tcp_wire.h"

/* One option whose length byte was sane: v is its value (vlen bytes, the
 * length less the kind and length bytes). */
static void take_option(tern_tcp_opts *o, unsigned kind, const uint8_t *v,
                        unsigned vlen, bool syn) {
  unsigned bit;
  unsigned want;
  bool syn_only = true;
  switch (kind) {
    case TERN_TCP_OPT_MSS:
      bit = TERN_TCP_HAS_MSS;
      want = 2;
      break;
    case TERN_TCP_OPT_WSCALE:
      bit = TERN_TCP_HAS_WSCALE;
      want = 1;
      break;
    case TERN_TCP_OPT_SACK_PERM:
      bit = TERN_TCP_HAS_SACK_PERM;
      want = 0;
      break;
    case TERN_TCP_OPT_TIMESTAMP:
      bit = TERN_TCP_HAS_TIMESTAMP;
      want = 8;
      syn_only = false;
      break;
    case TERN_TCP_OPT_SACK:
      bit = TERN_TCP_HAS_SACK;
      /* 1..4 blocks of 8 bytes. */
      want = vlen % 8 == 0 && vlen / 8 - 1u < TERN_TCP_MAX_SACK ? vlen : 0xff;
      syn_only = false;
      break;
    default: o->ignored |= 1u << TERN_TCP_OPT_UNKNOWN; return;
  }
  unsigned anomaly;
  if (vlen != want) {
    anomaly = TERN_TCP_OPT_BAD_LENGTH;
  } else if (syn_only && !syn) {
    anomaly = TERN_TCP_OPT_NOT_SYN;
  } else if (o->present & bit) {
    anomaly = TERN_TCP_OPT_DUPLICATE;
  } else {
    switch (kind) {
      case TERN_TCP_OPT_MSS: o->mss = (uint16_t)tern_be16(v); break;
      case TERN_TCP_OPT_WSCALE:
        o->wscale = v[0];
        if (v[0] > TERN_TCP_MAX_WSCALE) {
          o->wscale = TERN_TCP_MAX_WSCALE;
          o->ignored |= 1u << TERN_TCP_OPT_WSCALE_CLAMPED;
        }
        break;
      case TERN_TCP_OPT_TIMESTAMP:
        o->ts_val = tern_be32(v);
        o->ts_ecr = tern_be32(v + 4);
        break;
      case TERN_TCP_OPT_SACK:
        for (unsigned i = 0; i < vlen / 8; i++) {
          uint32_t left = tern_be32(v + 8 * i);
          uint32_t right = tern_be32(v + 8 * i + 4);
          if (!tern_seq_lt(left, right)) {
            o->ignored |= 1u << TERN_TCP_OPT_BAD_SACK;
            return;
          }
          o->sack[i].left = left;
          o->sack[i].right = right;
        }
        o->sack_count = (uint8_t)(vlen / 8);
        break;
      default: break; /* SACK-permitted: its presence is all */
    }
    o->present |= (uint8_t)bit;
    return;
  }
  o->ignored |= (uint8_t)(1u << anomaly);
}

int tern_tcp_options_parse(tern_tcp_opts *out, const uint8_t *p, size_t len,
                           bool syn) {
  memset(out, 0, sizeof *out);
  size_t i = 0;
  /* RFC 7323 Appendix A's layout, NOP NOP and the timestamps, first in
   * nearly every segment after a handshake that agreed on timestamps
   * (tern's, Linux's, the BSDs'): taken whole, as the walk below would
   * take it (nothing is present yet, so it is no duplicate), and the walk
   * goes on after it (SACK blocks follow). */
  if (len >= 12 && p[0] == TERN_TCP_OPT_NOP && p[1] == TERN_TCP_OPT_NOP &&
      p[2] == TERN_TCP_OPT_TIMESTAMP && p[3] == 10) {
    out->present = TERN_TCP_HAS_TIMESTAMP;
    out->ts_val = tern_be32(p + 4);
    out->ts_ecr = tern_be32(p + 8);
    i = 12;
  }
  while (i < len) {
    unsigned kind = p[i];
    if (kind == TERN_TCP_OPT_EOL) {
      break; /* the rest is padding */
    }
    if (kind == TERN_TCP_OPT_NOP) {
      i++;
      continue;
    }
    /* Every other kind has a length byte counting kind and length: below
     * 2, or past the header, and the list cannot be walked further. */
    if (len - i < 2 || p[i + 1] < 2 || p[i + 1] > len - i) {
      return TERN_TCP_DROP_OPTION_LENGTH;
    }
    unsigned olen = p[i + 1];
    take_option(out, kind, p + i + 2, olen - 2, syn);
    i += olen;
  }
  return 0;
}

int tern_tcp_options_len(const tern_tcp_opts *o) {
  unsigned has = o->present;
  unsigned n = 0;
  if (has & TERN_TCP_HAS_MSS) {
    n += 4;
  }
  if (has & TERN_TCP_HAS_TIMESTAMP) {
    n += 12; /* SACK-permitted or two NOPs, then the 10 bytes */
  } else if (has & TERN_TCP_HAS_SACK_PERM) {
    n += 4;
  }
  if (has & TERN_TCP_HAS_WSCALE) {
    if (o->wscale > TERN_TCP_MAX_WSCALE) {
      return TERN_EINVAL;
    }
    n += 4;
  }
  if (has & TERN_TCP_HAS_SACK) {
    if (o->sack_count == 0 || o->sack_count > TERN_TCP_MAX_SACK) {
      return TERN_EINVAL;
    }
    n += 4 + 8u * o->sack_count;
  }
  if (n > TERN_TCP_MAX_OPTIONS_LEN) {
    return TERN_EINVAL;
  }
  return (int)n;
}

/* Four bytes: a, b, c, d. */
static uint8_t *put4(uint8_t *p, unsigned a, unsigned b, unsigned c,
                     unsigned d) {
  p[0] = (uint8_t)a;
  p[1] = (uint8_t)b;
  p[2] = (uint8_t)c;
  p[3] = (uint8_t)d;
  return p + 4;
}

void tern__tcp_options_put(const tern_tcp_opts *o, uint8_t *p) {
  unsigned has = o->present;
  if (has & TERN_TCP_HAS_MSS) {
    p = put4(p, TERN_TCP_OPT_MSS, 4, o->mss >> 8, o->mss & 0xffu);
  }
  if (has & TERN_TCP_HAS_TIMESTAMP) {
    if (has & TERN_TCP_HAS_SACK_PERM) {
      p = put4(p, TERN_TCP_OPT_SACK_PERM, 2, TERN_TCP_OPT_TIMESTAMP, 10);
    } else {
      p = put4(p, TERN_TCP_OPT_NOP, TERN_TCP_OPT_NOP, TERN_TCP_OPT_TIMESTAMP,
               10);
    }
    tern_put_be32(p, o->ts_val);
    tern_put_be32(p + 4, o->ts_ecr);
    p += 8;
  } else if (has & TERN_TCP_HAS_SACK_PERM) {
    p = put4(p, TERN_TCP_OPT_NOP, TERN_TCP_OPT_NOP, TERN_TCP_OPT_SACK_PERM, 2);
  }
  if (has & TERN_TCP_HAS_WSCALE) {
    p = put4(p, TERN_TCP_OPT_NOP, TERN_TCP_OPT_WSCALE, 3, o->wscale);
  }
  if (has & TERN_TCP_HAS_SACK) {
    p = put4(p, TERN_TCP_OPT_NOP, TERN_TCP_OPT_NOP, TERN_TCP_OPT_SACK,
             2 + 8u * o->sack_count);
    for (unsigned i = 0; i < o->sack_count; i++) {
      tern_put_be32(p, o->sack[i].left);
      tern_put_be32(p + 4, o->sack[i].right);
      p += 8;
    }
  }
}

int tern_tcp_options_emit(const tern_tcp_opts *o, uint8_t *p) {
  int n = tern_tcp_options_len(o);
  if (n >= 0) {
    tern__tcp_options_put(o, p);
  }
  return n;
}

void tern_tcp_negotiate(const tern_tcp_opts *ours, const tern_tcp_opts *theirs,
                        tern_ip_family family, uint16_t our_mss,
                        tern_tcp_negotiated *out) {
  unsigned both = ours->present & theirs->present;
  unsigned mss = (theirs->present & TERN_TCP_HAS_MSS)
                     ? theirs->mss
                     : (family == TERN_IP_V6 ? TERN_TCP_DEFAULT_MSS6
                                             : TERN_TCP_DEFAULT_MSS4);
  if (our_mss != 0 && our_mss < mss) {
    mss = our_mss;
  }
  if (mss < TERN_TCP_MIN_MSS) {
    mss = TERN_TCP_MIN_MSS;
  }
  out->mss = (uint16_t)mss;
  bool scaled = (both & TERN_TCP_HAS_WSCALE) != 0;
  out->snd_shift = scaled ? theirs->wscale : 0;
  out->rcv_shift = scaled ? ours->wscale : 0;
  out->sack = (both & TERN_TCP_HAS_SACK_PERM) != 0;
  out->timestamps = (both & TERN_TCP_HAS_TIMESTAMP) != 0;
}

void tern_tcp_synack_opts(const tern_tcp_opts *want, const tern_tcp_opts *syn,
                          tern_tcp_opts *out) {
  memset(out, 0, sizeof *out);
  out->present = (uint8_t)(TERN_TCP_HAS_MSS |
                           (want->present & syn->present &
                            (TERN_TCP_HAS_WSCALE | TERN_TCP_HAS_SACK_PERM |
                             TERN_TCP_HAS_TIMESTAMP)));
  out->mss = want->mss;
  out->wscale = want->wscale;
  out->ts_val = want->ts_val;
  out->ts_ecr = syn->ts_val;
}
