/* IPv4 headers (RFC 791, RFC 1122 3.2.1): parse and emit, no state.
 *
 *   0       1       2       3
 *   |ver|ihl| tos   |  total length |
 *   |  identification |flg| frag off|
 *   |  ttl  | proto |   checksum    |
 *   |       source address          |
 *   |     destination address       |
 *   |   options (ihl > 5) ...       |
 *
 * tern_ipv4_check(buf, len) validates version, IHL, total length and the
 * header checksum. After it returns 0, every accessor below stays inside
 * the buffer, the header is tern_ipv4_header_len() bytes and the payload
 * runs to tern_ipv4_total_len(); bytes after that (Ethernet padding) are
 * not part of the datagram. Options are skipped, not interpreted.
 * Fragments pass the check (they are well formed) but tern_ipv4_repr_parse()
 * refuses them: this stack does not reassemble. */
#ifndef TERN_IPV4_WIRE_H
#define TERN_IPV4_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/addr.h"
#include "tern/bytes.h"
#include "tern/checksum.h"
#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_IPV4_HEADER_LEN 20     /* without options; what emit writes */
#define TERN_IPV4_MAX_HEADER_LEN 60 /* IHL 15 */
#define TERN_IPV4_MAX_LEN 65535u    /* the total length field's limit */

/* The protocol numbers (TERN_IP_PROTO_*) are in tern/addr.h. */

/* Why a received datagram was dropped: tern_ipv4_check() and
 * tern_ipv4_repr_parse() return one of these (negative), so a stats array
 * indexed by -reason counts them; tern_ipv4_drop_name() names them. */
typedef enum tern_ipv4_drop {
  TERN_IPV4_DROP_NONE = 0,
  /* Fewer bytes than the 20-byte header, or than the total length says
   * (the datagram was cut short). */
  TERN_IPV4_DROP_TRUNCATED = -1,
  /* Version field is not 4. */
  TERN_IPV4_DROP_VERSION = -2,
  /* IHL below 5 (a header shorter than 20 bytes). */
  TERN_IPV4_DROP_IHL = -3,
  /* Total length is smaller than the header length. */
  TERN_IPV4_DROP_TOTAL_LENGTH = -4,
  /* The header checksum does not verify (RFC 1122 3.2.1.2: MUST drop). */
  TERN_IPV4_DROP_CHECKSUM = -5,
  /* More-fragments set or a non-zero offset: reassembly is not supported
   * (reported by tern_ipv4_repr_parse(), not by tern_ipv4_check()). */
  TERN_IPV4_DROP_FRAGMENT = -6,
} tern_ipv4_drop;

/* One more than the largest -reason, for sizing stats arrays. */
#define TERN_IPV4_DROP_COUNT 7

/* A parsed or to-be-emitted header. */
typedef struct tern_ipv4_repr {
  tern_ipv4_addr src;
  tern_ipv4_addr dst;
  uint8_t protocol;     /* TERN_IP_PROTO_* */
  uint8_t ttl;          /* time to live; emit refuses 0 (RFC 1122 3.2.1.7) */
  uint8_t tos;          /* DSCP and ECN, the whole second octet */
  bool dont_frag;       /* DF */
  uint16_t ident;       /* identification, chosen by the sender */
  uint8_t header_len;   /* parse: 20..60, above 20 when options were
                           present (and skipped); emit ignores it */
  uint16_t payload_len; /* total length minus the header */
} tern_ipv4_repr;

/* tern_ipv4_check(), then refuses fragments (TERN_IPV4_DROP_FRAGMENT), then
 * fills *out (untouched on failure). The payload is buf + out->header_len,
 * out->payload_len bytes. */
int tern_ipv4_repr_parse(tern_ipv4_repr *out, const uint8_t *buf, size_t len);

/* Writes a 20-byte header (no options, no fragmentation, DF as given, the
 * checksum filled in) for r at buf. The payload, r->payload_len bytes, is
 * the caller's and goes after it; it is not read. Returns
 * TERN_IPV4_HEADER_LEN, TERN_ENOSPC when cap is smaller, TERN_EMSGSIZE when
 * the datagram would exceed 65535 bytes, TERN_EINVAL when r->ttl is 0. */
int tern_ipv4_repr_emit(const tern_ipv4_repr *r, uint8_t *buf, size_t cap);

/* Builds a 20-byte header in place, in two steps, so that a sender can
 * hash the datagram's flow into its identification (RFC 7739) from the
 * header itself: tern_ipv4_emit_flow writes the protocol, a zero checksum
 * and the addresses (bytes 9 to 19), then tern_ipv4_emit_finish the rest
 * (version 4, IHL 5, TOS, the total length 20 + payload_len, the
 * identification, DF as given, no fragmentation, TTL) and the checksum.
 * tern_ipv4_repr_emit is the two after its checks; callers of the steps
 * keep to what those check (cap of 20 at least, payload_len at most
 * 65515, ttl not 0). */
static inline void tern_ipv4_emit_flow(uint8_t *buf, const uint8_t src[4],
                                       const uint8_t dst[4], uint8_t protocol) {
  buf[9] = protocol;
  buf[10] = buf[11] = 0;
  memcpy(buf + 12, src, 4);
  memcpy(buf + 16, dst, 4);
}

static inline void tern_ipv4_emit_finish(uint8_t *buf, uint8_t tos,
                                         unsigned payload_len, unsigned ident,
                                         bool dont_frag, uint8_t ttl) {
  buf[0] = 0x45;
  buf[1] = tos;
  tern_put_be16(buf + 2, TERN_IPV4_HEADER_LEN + payload_len);
  tern_put_be16(buf + 4, ident);
  buf[6] = dont_frag ? 0x40 : 0;
  buf[7] = 0;
  buf[8] = ttl;
  tern_put_be16(buf + 10, tern_checksum(buf, TERN_IPV4_HEADER_LEN));
}

/* The name of a tern_ipv4_drop reason ("checksum"); "unknown" otherwise. */
const char *tern_ipv4_drop_name(int reason);

/* Accessors, valid after tern_ipv4_check(buf, len) returned 0. */
static inline size_t tern_ipv4_header_len(const uint8_t *p) {
  return (size_t)(p[0] & 0x0f) * 4;
}
static inline uint16_t tern_ipv4_total_len(const uint8_t *p) {
  return tern_be16(p + 2);
}
static inline uint16_t tern_ipv4_ident(const uint8_t *p) {
  return tern_be16(p + 4);
}
static inline bool tern_ipv4_dont_frag(const uint8_t *p) {
  return (p[6] & 0x40) != 0;
}
static inline bool tern_ipv4_more_frags(const uint8_t *p) {
  return (p[6] & 0x20) != 0;
}
/* The fragment offset in bytes (the field counts 8-byte units). */
static inline uint32_t tern_ipv4_frag_offset(const uint8_t *p) {
  return (uint32_t)((p[6] & 0x1f) << 8 | p[7]) * 8;
}
static inline bool tern_ipv4_is_fragment(const uint8_t *p) {
  return ((p[6] & 0x3f) | p[7]) != 0; /* MF or an offset: one test of both */
}
static inline uint8_t tern_ipv4_tos(const uint8_t *p) {
  return p[1];
}
static inline uint8_t tern_ipv4_ttl(const uint8_t *p) {
  return p[8];
}
static inline uint8_t tern_ipv4_protocol(const uint8_t *p) {
  return p[9];
}
static inline const uint8_t *tern_ipv4_src(const uint8_t *p) {
  return p + 12;
}
static inline const uint8_t *tern_ipv4_dst(const uint8_t *p) {
  return p + 16;
}
static inline const uint8_t *tern_ipv4_payload(const uint8_t *p) {
  return p + tern_ipv4_header_len(p);
}
static inline size_t tern_ipv4_payload_len(const uint8_t *p) {
  return tern_ipv4_total_len(p) - tern_ipv4_header_len(p);
}

/* Checks buf[0..len): length, version, IHL, total length, checksum.
 * Returns 0 or a tern_ipv4_drop reason; reads nothing outside buf. Inline:
 * a stack that calls it once gets it without a call, sharing what it
 * loads. */
static inline int tern_ipv4_check(const uint8_t *buf, size_t len) {
  if (len < TERN_IPV4_HEADER_LEN) {
    return TERN_IPV4_DROP_TRUNCATED;
  }
  if (buf[0] >> 4 != 4) {
    return TERN_IPV4_DROP_VERSION;
  }
  size_t hlen = tern_ipv4_header_len(buf);
  if (hlen < TERN_IPV4_HEADER_LEN) {
    return TERN_IPV4_DROP_IHL;
  }
  size_t total = tern_ipv4_total_len(buf);
  if (total < hlen) {
    return TERN_IPV4_DROP_TOTAL_LENGTH;
  }
  /* Trailing bytes past total (link padding) are allowed; fewer are not.
   * This also keeps the options (hlen <= total <= len) inside buf. */
  if (total > len) {
    return TERN_IPV4_DROP_TRUNCATED;
  }
  if (tern_checksum(buf, hlen) != 0) {
    return TERN_IPV4_DROP_CHECKSUM;
  }
  return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_IPV4_WIRE_H */
