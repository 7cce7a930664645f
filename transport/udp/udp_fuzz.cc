// Fuzz target for the UDP parser. The first input byte picks the family
// (odd: IPv6), then come the source and destination addresses (4 or 16
// bytes each), then the IP payload. Any input must be rejected cleanly, or
// parse to a datagram that emits and parses back to the same ports and
// payload; over IPv6 a zero checksum is never accepted.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/udp_wire.h"

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
  const uint8_t *p = data + 1 + 2 * alen;
  size_t n = size - 1 - 2 * alen;
  tern_udp_repr r, r2;
  int rc = tern_udp_repr_parse(&r, p, n, &src, &dst);
  if (rc != 0) {
    if (rc >= 0 || rc <= -TERN_UDP_DROP_COUNT)
      abort();
    return 0;
  }
  if (r.payload != p + TERN_UDP_HEADER_LEN ||
      r.payload_len + TERN_UDP_HEADER_LEN > n ||
      (v6 && tern_udp_checksum(p) == 0)) {
    abort();
  }
  static uint8_t out[TERN_UDP_HEADER_LEN + 65536];
  int len = tern_udp_repr_emit(&r, &src, &dst, out, sizeof out);
  if (len < 0 || (size_t)len != r.payload_len + TERN_UDP_HEADER_LEN ||
      memcmp(out, p, 6) != 0 ||  // ports and length as received
      tern_udp_repr_parse(&r2, out, (size_t)len, &src, &dst) != 0 ||
      tern_udp_checksum(out) == 0 || r2.src_port != r.src_port ||
      r2.dst_port != r.dst_port || r2.payload_len != r.payload_len ||
      memcmp(r2.payload, r.payload, r.payload_len) != 0) {
    abort();
  }
  return 0;
}
