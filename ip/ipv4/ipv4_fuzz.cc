// Fuzz target for the IPv4 header parser: any input must be rejected
// cleanly, or parse to a header that emits and parses back to the same
// value, with the payload where the header said.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/ipv4_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tern_ipv4_repr r;
  int rc = tern_ipv4_repr_parse(&r, data, size);
  if (rc != 0) {
    if (rc >= 0 || rc <= -TERN_IPV4_DROP_COUNT) {
      abort();
    }
    return 0;
  }
  if ((size_t)r.header_len + r.payload_len > size ||
      tern_ipv4_payload(data) != data + r.header_len) {
    abort();
  }
  uint8_t out[TERN_IPV4_HEADER_LEN];
  rc = tern_ipv4_repr_emit(&r, out, sizeof out);
  if (r.ttl == 0) {  // never sent (RFC 1122 3.2.1.7)
    if (rc != TERN_EINVAL)
      abort();
    return 0;
  }
  if (rc != TERN_IPV4_HEADER_LEN) {
    abort();
  }
  // Parse the emitted header as if the payload followed it.
  static uint8_t again[TERN_IPV4_HEADER_LEN + 65535];
  memcpy(again, out, sizeof out);
  tern_ipv4_repr r2;
  if (tern_ipv4_repr_parse(&r2, again, TERN_IPV4_HEADER_LEN + r.payload_len) !=
      0) {
    abort();
  }
  // Field by field (the struct has padding); options are not re-emitted.
  if (memcmp(r.src.b, r2.src.b, 4) != 0 || memcmp(r.dst.b, r2.dst.b, 4) != 0 ||
      r.protocol != r2.protocol || r.ttl != r2.ttl || r.tos != r2.tos ||
      r.dont_frag != r2.dont_frag || r.ident != r2.ident ||
      r2.header_len != TERN_IPV4_HEADER_LEN ||
      r.payload_len != r2.payload_len) {
    abort();
  }
  return 0;
}
