// Fuzz target for the UDP parser. The first 8 input bytes are the IPv4
// source and destination, the rest the IPv4 payload. Any input must be
// rejected cleanly, or parse to a datagram that emits and parses back to
// the same ports and payload.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/udp_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8) {
    return 0;
  }
  tern_ipv4_addr src, dst;
  memcpy(src.b, data, 4);
  memcpy(dst.b, data + 4, 4);
  const uint8_t *p = data + 8;
  size_t n = size - 8;
  tern_udp_repr r, r2;
  int rc = tern_udp_repr_parse(&r, p, n, &src, &dst);
  if (rc != 0) {
    if (rc >= 0 || rc <= -TERN_UDP_DROP_COUNT)
      abort();
    return 0;
  }
  if (r.payload != p + TERN_UDP_HEADER_LEN ||
      r.payload_len + TERN_UDP_HEADER_LEN > n) {
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
