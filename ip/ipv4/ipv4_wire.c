#include "tern/ipv4_wire.h"

#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"

enum {
  OFF_TOS = 1,
  OFF_TOTAL_LEN = 2,
  OFF_IDENT = 4,
  OFF_TTL = 8,
  OFF_PROTO = 9,
  OFF_SRC = 12,
  OFF_DST = 16,
};

int tern_ipv4_repr_parse(tern_ipv4_repr *out, const uint8_t *buf, size_t len) {
  int rc = tern_ipv4_check(buf, len);
  if (rc != 0) {
    return rc;
  }
  if (tern_ipv4_is_fragment(buf)) {
    return TERN_IPV4_DROP_FRAGMENT;
  }
  uint8_t hlen = (uint8_t)tern_ipv4_header_len(buf);
  memcpy(out->src.b, buf + OFF_SRC, 4);
  memcpy(out->dst.b, buf + OFF_DST, 4);
  out->protocol = buf[OFF_PROTO];
  out->ttl = buf[OFF_TTL];
  out->tos = buf[OFF_TOS];
  out->dont_frag = tern_ipv4_dont_frag(buf);
  out->ident = tern_be16(buf + OFF_IDENT);
  out->header_len = hlen;
  out->payload_len = (uint16_t)(tern_be16(buf + OFF_TOTAL_LEN) - hlen);
  return 0;
}

int tern_ipv4_repr_emit(const tern_ipv4_repr *r, uint8_t *buf, size_t cap) {
  if (r->ttl == 0) {
    return TERN_EINVAL;
  }
  if (r->payload_len > TERN_IPV4_MAX_LEN - TERN_IPV4_HEADER_LEN) {
    return TERN_EMSGSIZE;
  }
  if (cap < TERN_IPV4_HEADER_LEN) {
    return TERN_ENOSPC;
  }
  tern_ipv4_emit_flow(buf, r->src.b, r->dst.b, r->protocol);
  tern_ipv4_emit_finish(buf, r->tos, r->payload_len, r->ident, r->dont_frag,
                        r->ttl);
  return TERN_IPV4_HEADER_LEN;
}

const char *tern_ipv4_drop_name(int reason) {
  switch (reason) {
    case TERN_IPV4_DROP_NONE: return "none";
    case TERN_IPV4_DROP_TRUNCATED: return "truncated";
    case TERN_IPV4_DROP_VERSION: return "version not 4";
    case TERN_IPV4_DROP_IHL: return "header length below 20";
    case TERN_IPV4_DROP_TOTAL_LENGTH: return "total length below header";
    case TERN_IPV4_DROP_CHECKSUM: return "header checksum";
    case TERN_IPV4_DROP_FRAGMENT: return "fragment";
    default: return "unknown";
  }
}
