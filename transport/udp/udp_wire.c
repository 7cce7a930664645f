#include "tern/udp_wire.h"

#include <stdint.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"

enum { OFF_SRC = 0, OFF_DST = 2, OFF_LEN = 4, OFF_CHECKSUM = 6 };

#define PROTO_UDP 17

int tern_udp_repr_parse(tern_udp_repr *out, const uint8_t *buf, size_t len,
                        const tern_ipv4_addr *src, const tern_ipv4_addr *dst) {
  int rc = tern_udp_check(buf, len, src, dst);
  if (rc != 0) {
    return rc;
  }
  out->src_port = tern_be16(buf + OFF_SRC);
  out->dst_port = tern_be16(buf + OFF_DST);
  out->payload = buf + TERN_UDP_HEADER_LEN;
  out->payload_len = tern_be16(buf + OFF_LEN) - (size_t)TERN_UDP_HEADER_LEN;
  return 0;
}

int tern_udp_repr_emit(const tern_udp_repr *r, const tern_ipv4_addr *src,
                       const tern_ipv4_addr *dst, uint8_t *buf, size_t cap) {
  if (r->payload_len > TERN_UDP_MAX_PAYLOAD) {
    return TERN_EMSGSIZE;
  }
  uint16_t ulen = (uint16_t)(TERN_UDP_HEADER_LEN + r->payload_len);
  if (cap < ulen) {
    return TERN_ENOSPC;
  }
  uint8_t *body = buf + TERN_UDP_HEADER_LEN;
  const uint8_t *from = r->payload;
  uintptr_t f = (uintptr_t)from, b = (uintptr_t)buf;
  /* Overlap with the header or the destination rules out the one-pass
   * copy: move first. */
  if (r->payload_len > 0 && from != body && f < b + ulen &&
      b < f + r->payload_len) {
    memmove(body, from, r->payload_len);
    from = body;
  }
  tern_put_be16(buf + OFF_SRC, r->src_port);
  tern_put_be16(buf + OFF_DST, r->dst_port);
  tern_put_be16(buf + OFF_LEN, ulen);
  tern_put_be16(buf + OFF_CHECKSUM, 0);
  tern_csum s = tern_checksum_pseudo_v4(src->b, dst->b, PROTO_UDP, ulen);
  s = tern_checksum_add(s, buf, TERN_UDP_HEADER_LEN);
  if (r->payload_len > 0 && from != body) {
    s = tern_checksum_copy(s, body, from, r->payload_len);
  } else {
    s = tern_checksum_add(s, body, r->payload_len);
  }
  uint16_t c = tern_checksum_finish(s);
  tern_put_be16(buf + OFF_CHECKSUM, c == 0 ? 0xffff : c);
  return ulen;
}

const char *tern_udp_drop_name(int reason) {
  switch (reason) {
    case TERN_UDP_DROP_NONE: return "none";
    case TERN_UDP_DROP_TRUNCATED: return "truncated";
    case TERN_UDP_DROP_LENGTH: return "length field";
    case TERN_UDP_DROP_CHECKSUM: return "checksum";
    default: return "unknown";
  }
}
