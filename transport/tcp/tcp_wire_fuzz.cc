// Fuzz target for the TCP segment and option parser. The first input byte
// picks the family (bit 0: IPv6) and whether to fix the checksum first
// (bit 1, so that the fuzzer reaches the options rather than stopping at
// the sum); then come the source and destination addresses (4 or 16 bytes
// each), then the segment. Any input must be refused with a known reason,
// or parse to values in their ranges that emit (unless the options, padded
// as tern writes them, exceed 40 bytes) and parse back to the same fields
// with no anomaly.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "tern/tcp_seq.h"
#include "tern/tcp_wire.h"

static bool SameOpts(const tern_tcp_opts &a, const tern_tcp_opts &b) {
  if (a.present != b.present)
    return false;
  if ((a.present & TERN_TCP_HAS_MSS) && a.mss != b.mss)
    return false;
  if ((a.present & TERN_TCP_HAS_WSCALE) && a.wscale != b.wscale)
    return false;
  if ((a.present & TERN_TCP_HAS_TIMESTAMP) &&
      (a.ts_val != b.ts_val || a.ts_ecr != b.ts_ecr))
    return false;
  if (a.present & TERN_TCP_HAS_SACK) {
    if (a.sack_count != b.sack_count)
      return false;
    for (unsigned i = 0; i < a.sack_count; i++)
      if (a.sack[i].left != b.sack[i].left ||
          a.sack[i].right != b.sack[i].right)
        return false;
  }
  return true;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) {
    return 0;
  }
  // (IPv4 only in an IPv4-only build: its addresses have 4 bytes.)
  bool v6 = TERN_CONFIG_IPV6 && (data[0] & 1) != 0;
  size_t alen = v6 ? 16 : 4;
  if (size < 1 + 2 * alen) {
    return 0;
  }
  tern_ip_addr src = {}, dst = {};
  src.family = dst.family = v6 ? TERN_IP_V6 : TERN_IP_V4;
  memcpy(src.u.b, data + 1, alen);
  memcpy(dst.u.b, data + 1 + alen, alen);
  // An exact-size copy, so that ASan sees any read past the segment.
  std::vector<uint8_t> seg(data + 1 + 2 * alen, data + size);
  size_t n = seg.size();
  if ((data[0] & 2) != 0 && n >= TERN_TCP_HEADER_LEN) {
    seg[16] = seg[17] = 0;
    uint16_t sum = tern_tcp_sum(seg.data(), n, &src, &dst);
    seg[16] = (uint8_t)(sum >> 8);
    seg[17] = (uint8_t)sum;
  }
  tern_tcp_repr r, r2;
  int rc = tern_tcp_repr_parse(&r, seg.data(), n, &src, &dst);
  if (rc != 0) {
    if (rc >= 0 || rc <= -TERN_TCP_DROP_COUNT)
      abort();
    return 0;
  }
  size_t hlen = tern_tcp_header_len(seg.data());
  const tern_tcp_opts &o = r.opts;
  if (r.payload != seg.data() + hlen || r.payload_len != n - hlen ||
      o.ignored >= 1u << TERN_TCP_OPT_ANOMALY_COUNT || o.present >= 0x20 ||
      o.wscale > TERN_TCP_MAX_WSCALE ||
      ((o.present & TERN_TCP_HAS_SACK) != 0) !=
          (o.sack_count >= 1 && o.sack_count <= TERN_TCP_MAX_SACK) ||
      (!(r.flags & TERN_TCP_SYN) &&
       (o.present &
        (TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE | TERN_TCP_HAS_SACK_PERM)))) {
    abort();
  }
  for (unsigned i = 0; i < o.sack_count; i++) {
    if (!tern_seq_lt(o.sack[i].left, o.sack[i].right))
      abort();
  }
  static uint8_t out[65536];
  int len = tern_tcp_repr_emit(&r, &src, &dst, out, sizeof out);
  if (len == TERN_EINVAL) {
    // Only when tern's padded layout needs more than 40 bytes.
    if (tern_tcp_options_len(&r.opts) != TERN_EINVAL)
      abort();
    return 0;
  }
  if (len < 0 || tern_tcp_repr_parse(&r2, out, (size_t)len, &src, &dst) != 0 ||
      r2.src_port != r.src_port || r2.dst_port != r.dst_port ||
      r2.seq != r.seq || r2.ack != r.ack || r2.flags != r.flags ||
      r2.window != r.window || r2.urgent != r.urgent || r2.opts.ignored != 0 ||
      !SameOpts(r.opts, r2.opts) || r2.payload_len != r.payload_len ||
      memcmp(r2.payload, r.payload, r.payload_len) != 0) {
    abort();
  }
  return 0;
}
