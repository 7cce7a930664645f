#include "tern/icmpv4_wire.h"

#include <stdint.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"
#include "tern/ipv4_wire.h"

enum {
  OFF_TYPE = 0,
  OFF_CODE = 1,
  OFF_CHECKSUM = 2,
  OFF_IDENT = 4,
  OFF_SEQ = 6
};

/* The largest ICMP message an IPv4 datagram can carry. */
#define MAX_MESSAGE_LEN (TERN_IPV4_MAX_LEN - TERN_IPV4_HEADER_LEN)

int tern_icmpv4_repr_parse(tern_icmpv4_repr *out, const uint8_t *buf,
                           size_t len) {
  int rc = tern_icmpv4_check(buf, len);
  if (rc != 0) {
    return rc;
  }
  out->type = buf[OFF_TYPE];
  out->code = buf[OFF_CODE];
  out->ident = tern_be16(buf + OFF_IDENT);
  out->seq = tern_be16(buf + OFF_SEQ);
  out->data = buf + TERN_ICMPV4_HEADER_LEN;
  out->data_len = len - TERN_ICMPV4_HEADER_LEN;
  return 0;
}

int tern_icmpv4_repr_emit(const tern_icmpv4_repr *r, uint8_t *buf, size_t cap) {
  if (r->data_len > MAX_MESSAGE_LEN - TERN_ICMPV4_HEADER_LEN) {
    return TERN_EMSGSIZE;
  }
  size_t len = TERN_ICMPV4_HEADER_LEN + r->data_len;
  if (cap < len) {
    return TERN_ENOSPC;
  }
  /* The data first: it may sit where the header goes (a quoted datagram
   * in the same buffer), and memmove copes with any overlap. */
  if (r->data_len > 0 && r->data != buf + TERN_ICMPV4_HEADER_LEN) {
    memmove(buf + TERN_ICMPV4_HEADER_LEN, r->data, r->data_len);
  }
  tern_icmpv4_emit_header(buf, r->type, r->code, r->ident, r->seq, len);
  return (int)len;
}

void tern_icmpv4_echo_reply(uint8_t *msg, size_t len) {
  msg[OFF_TYPE] = TERN_ICMPV4_ECHO_REPLY;
  msg[OFF_CODE] = 0;
  tern_put_be16(msg + OFF_CHECKSUM, 0);
  tern_put_be16(msg + OFF_CHECKSUM, tern_checksum(msg, len));
}

int tern_icmpv4_is_error(uint8_t type) {
  switch (type) {
    case TERN_ICMPV4_DEST_UNREACH:
    case TERN_ICMPV4_SOURCE_QUENCH:
    case TERN_ICMPV4_REDIRECT:
    case TERN_ICMPV4_TIME_EXCEEDED:
    case TERN_ICMPV4_PARAM_PROBLEM: return 1;
    default: return 0;
  }
}

int tern_icmpv4_quote_parse(tern_icmpv4_quote *out, const uint8_t *msg,
                            size_t len) {
  int hlen = tern_icmpv4_quote_check(msg, len);
  if (hlen < 0) {
    return hlen;
  }
  const uint8_t *q = msg + TERN_ICMPV4_HEADER_LEN;
  memcpy(out->src.b, tern_ipv4_src(q), 4);
  memcpy(out->dst.b, tern_ipv4_dst(q), 4);
  out->protocol = tern_ipv4_protocol(q);
  out->total_len = tern_ipv4_total_len(q);
  out->payload = q + hlen;
  out->payload_len = len - TERN_ICMPV4_HEADER_LEN - (size_t)hlen;
  return 0;
}

/* 0.0.0.0, 127/8 (loopback), 224.0.0.0/4 and up (multicast, reserved,
 * broadcast): RFC 1122 3.2.2's list. */
static int not_one_host(const uint8_t *a) {
  return (a[0] | a[1] | a[2] | a[3]) == 0 || a[0] == 127 || a[0] >= 224;
}

static int multicast_or_broadcast(const uint8_t *a) {
  return (a[0] & 0xf0) == 0xe0 || (a[0] & a[1] & a[2] & a[3]) == 0xff;
}

int tern_icmpv4_emit_dest_unreach(uint8_t code, const uint8_t *dgram,
                                  size_t dgram_len, uint8_t *buf, size_t cap) {
  if (dgram_len < TERN_IPV4_HEADER_LEN || dgram[0] >> 4 != 4) {
    return TERN_EINVAL;
  }
  size_t hlen = tern_ipv4_header_len(dgram);
  size_t total = tern_ipv4_total_len(dgram);
  if (hlen < TERN_IPV4_HEADER_LEN || total < hlen || total > dgram_len) {
    return TERN_EINVAL;
  }
  if (tern_ipv4_frag_offset(dgram) != 0 ||
      multicast_or_broadcast(tern_ipv4_dst(dgram)) ||
      not_one_host(tern_ipv4_src(dgram))) {
    return TERN_EPROTO;
  }
  if (tern_ipv4_protocol(dgram) == TERN_IP_PROTO_ICMP &&
      (total == hlen || tern_icmpv4_is_error(dgram[hlen]))) {
    return TERN_EPROTO;
  }
  size_t need =
      TERN_ICMPV4_HEADER_LEN + hlen + (total - hlen < 8 ? total - hlen : 8);
  if (cap < need) {
    return TERN_ENOSPC;
  }
  size_t len = TERN_ICMPV4_HEADER_LEN + total;
  if (len > cap) {
    len = cap;
  }
  if (len > TERN_ICMPV4_ERROR_MAX_LEN) {
    len = TERN_ICMPV4_ERROR_MAX_LEN;
  }
  tern_icmpv4_repr r = {TERN_ICMPV4_DEST_UNREACH,    code, 0, 0, dgram,
                        len - TERN_ICMPV4_HEADER_LEN};
  return tern_icmpv4_repr_emit(&r, buf, cap);
}

const char *tern_icmpv4_drop_name(int reason) {
  switch (reason) {
    case TERN_ICMPV4_DROP_NONE: return "none";
    case TERN_ICMPV4_DROP_TRUNCATED: return "truncated";
    case TERN_ICMPV4_DROP_CHECKSUM: return "checksum";
    case TERN_ICMPV4_DROP_QUOTE: return "quote";
    default: return "unknown";
  }
}
