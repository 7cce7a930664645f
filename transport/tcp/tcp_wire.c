/* The TCP header: checksum, check, parse and emit (options are in
 * tcp_options.c). See tcp_wire.h. */
#include <stdint.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"
#include "tern/tcp_wire.h"

enum {
  OFF_SRC = 0,
  OFF_DST = 2,
  OFF_SEQ = 4,
  OFF_ACK = 8,
  OFF_DOFF = 12,
  OFF_FLAGS = 13,
  OFF_WINDOW = 14,
  OFF_CHECKSUM = 16,
  OFF_URGENT = 18,
};

/* The largest TCP segment an IPv4 datagram holds (its 16-bit total length
 * less a 20-byte header). */
#define MAX_SEGMENT (65535u - 20u)

uint16_t tern_tcp_sum(const uint8_t *buf, size_t len, const tern_ip_addr *src,
                      const tern_ip_addr *dst) {
  size_t alen = tern_ip_addr_len(src->family);
  tern_csum s = tern_checksum_pseudo(src->u.b, dst->u.b, alen,
                                     TERN_IP_PROTO_TCP, (uint32_t)len);
  return tern_checksum_finish(tern_checksum_add(s, buf, len));
}

int tern_tcp_check(const uint8_t *buf, size_t len, const tern_ip_addr *src,
                   const tern_ip_addr *dst) {
  if (len < TERN_TCP_HEADER_LEN) {
    return TERN_TCP_DROP_TRUNCATED;
  }
  unsigned hlen = tern_tcp_header_len(buf);
  if (hlen < TERN_TCP_HEADER_LEN || hlen > len) {
    return TERN_TCP_DROP_DATA_OFFSET;
  }
  if (tern_tcp_sum(buf, len, src, dst) != 0) {
    return TERN_TCP_DROP_CHECKSUM;
  }
  return (int)hlen;
}

int tern_tcp_repr_parse(tern_tcp_repr *out, const uint8_t *buf, size_t len,
                        const tern_ip_addr *src, const tern_ip_addr *dst) {
  int hlen = tern_tcp_check(buf, len, src, dst);
  if (hlen < 0) {
    return hlen;
  }
  out->flags = tern_tcp_flags(buf);
  int rc = tern_tcp_options_parse(&out->opts, buf + TERN_TCP_HEADER_LEN,
                                  (size_t)hlen - TERN_TCP_HEADER_LEN,
                                  (out->flags & TERN_TCP_SYN) != 0);
  if (rc < 0) {
    return rc;
  }
  unsigned sport = tern_be16(buf + OFF_SRC), dport = tern_be16(buf + OFF_DST);
  /* Port 0 is no port (RFC 6335 6): a SYN from it was answered with a
   * SYN-ACK to it, and a segment to it with a reset from it, until the
   * `tcp30` branch. (Two 16-bit ports multiply to 0 when either is 0.) */
  if (sport * dport == 0) {
    return TERN_TCP_DROP_PORT;
  }
  out->src_port = (uint16_t)sport;
  out->dst_port = (uint16_t)dport;
  out->seq = tern_tcp_seq(buf);
  out->ack = tern_tcp_ack(buf);
  out->window = tern_tcp_window(buf);
  out->urgent = tern_tcp_urgent(buf);
  out->payload = buf + hlen;
  out->payload_len = len - (size_t)hlen;
  return 0;
}

int tern_tcp_repr_emit(const tern_tcp_repr *r, const tern_ip_addr *src,
                       const tern_ip_addr *dst, uint8_t *buf, size_t cap) {
  return tern__tcp_repr_put(r, tern_tcp_options_len(&r->opts), src, dst, buf,
                            cap);
}

int tern__tcp_repr_put(const tern_tcp_repr *r, int olen,
                       const tern_ip_addr *src, const tern_ip_addr *dst,
                       uint8_t *buf, size_t cap) {
  if (olen < 0) {
    return olen;
  }
  size_t hlen = TERN_TCP_HEADER_LEN + (size_t)olen;
  if (r->payload_len > MAX_SEGMENT - hlen) {
    return TERN_EMSGSIZE;
  }
  size_t total = hlen + r->payload_len;
  if (cap < total) {
    return TERN_ENOSPC;
  }
  /* Data first (memmove: it may overlap the header or sit in place), then
   * the header with a zero checksum, then the sum over both. */
  if (r->payload_len > 0 && r->payload != buf + hlen) {
    memmove(buf + hlen, r->payload, r->payload_len);
  }
  tern_put_be16(buf + OFF_SRC, r->src_port);
  tern_put_be16(buf + OFF_DST, r->dst_port);
  tern_put_be32(buf + OFF_SEQ, r->seq);
  tern_put_be32(buf + OFF_ACK, r->ack);
  buf[OFF_DOFF] = (uint8_t)(hlen / 4 << 4);
  buf[OFF_FLAGS] = r->flags;
  tern_put_be16(buf + OFF_WINDOW, r->window);
  tern_put_be16(buf + OFF_CHECKSUM, 0);
  tern_put_be16(buf + OFF_URGENT, r->urgent);
  tern__tcp_options_put(&r->opts, buf + TERN_TCP_HEADER_LEN);
  tern_put_be16(buf + OFF_CHECKSUM, tern_tcp_sum(buf, total, src, dst));
  return (int)total;
}

void tern_tcp_rx_count(tern_tcp_rx_stats *s, int rc, const tern_tcp_opts *o) {
  if (rc < 0) {
    if (rc > -TERN_TCP_DROP_COUNT) {
      s->drop[-rc]++;
    }
    return;
  }
  s->accepted++;
  if (o == NULL || o->ignored == 0) {
    return; /* most segments: no option was ignored */
  }
  for (unsigned a = 0; a < TERN_TCP_OPT_ANOMALY_COUNT; a++) {
    if (o->ignored & (1u << a)) {
      s->option[a]++;
    }
  }
}

const char *tern_tcp_drop_name(int reason) {
  switch (reason) {
    case TERN_TCP_DROP_NONE: return "none";
    case TERN_TCP_DROP_TRUNCATED: return "truncated";
    case TERN_TCP_DROP_DATA_OFFSET: return "data offset";
    case TERN_TCP_DROP_CHECKSUM: return "checksum";
    case TERN_TCP_DROP_OPTION_LENGTH: return "option length";
    case TERN_TCP_DROP_PORT: return "port 0";
    default: return "unknown";
  }
}

const char *tern_tcp_opt_anomaly_name(int anomaly) {
  switch (anomaly) {
    case TERN_TCP_OPT_UNKNOWN: return "unknown kind";
    case TERN_TCP_OPT_BAD_LENGTH: return "wrong length for its kind";
    case TERN_TCP_OPT_NOT_SYN: return "SYN-only option without SYN";
    case TERN_TCP_OPT_DUPLICATE: return "duplicate";
    case TERN_TCP_OPT_BAD_SACK: return "SACK block not left < right";
    case TERN_TCP_OPT_WSCALE_CLAMPED: return "window scale above 14";
    default: return "unknown";
  }
}
