#include "tern/udp_wire.h"

#include <stdint.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"

enum { OFF_SRC = 0, OFF_DST = 2, OFF_LEN = 4, OFF_CHECKSUM = 6 };

#define PROTO_UDP 17

uint16_t tern_udp_sum(const uint8_t *buf, size_t ulen, const tern_ip_addr *src,
                      const tern_ip_addr *dst) {
  size_t alen = tern_ip_addr_len(src->family);
  tern_csum s =
      tern_checksum_pseudo(src->u.b, dst->u.b, alen, PROTO_UDP, (uint32_t)ulen);
  return tern_checksum_finish(tern_checksum_add(s, buf, ulen));
}

int tern_udp_repr_parse(tern_udp_repr *out, const uint8_t *buf, size_t len,
                        const tern_ip_addr *src, const tern_ip_addr *dst) {
  int rc = tern_udp_check(buf, len, src, dst);
  if (rc < 0) {
    return rc;
  }
  out->src_port = tern_be16(buf + OFF_SRC);
  out->dst_port = tern_be16(buf + OFF_DST);
  out->payload = buf + TERN_UDP_HEADER_LEN;
  out->payload_len = (size_t)rc - TERN_UDP_HEADER_LEN;
  return 0;
}

int tern_udp_repr_emit(const tern_udp_repr *r, const tern_ip_addr *src,
                       const tern_ip_addr *dst, uint8_t *buf, size_t cap) {
  if (r->payload_len > TERN_UDP_MAX_PAYLOAD) {
    return TERN_EMSGSIZE;
  }
  uint16_t ulen = (uint16_t)(TERN_UDP_HEADER_LEN + r->payload_len);
  if (cap < ulen) {
    return TERN_ENOSPC;
  }
  /* Payload first (memmove: it may overlap the header or sit in place),
   * then the header with a zero checksum, then the sum over both. */
  if (r->payload_len > 0 && r->payload != buf + TERN_UDP_HEADER_LEN) {
    memmove(buf + TERN_UDP_HEADER_LEN, r->payload, r->payload_len);
  }
  tern_udp_emit_header(buf, r->src_port, r->dst_port, ulen, src, dst);
  return ulen;
}

const char *tern_udp_drop_name(int reason) {
  switch (reason) {
    case TERN_UDP_DROP_NONE: return "none";
    case TERN_UDP_DROP_TRUNCATED: return "truncated";
    case TERN_UDP_DROP_LENGTH: return "length field";
    case TERN_UDP_DROP_CHECKSUM: return "checksum";
    case TERN_UDP_DROP_NO_CHECKSUM: return "no checksum over IPv6";
    default: return "unknown";
  }
}
