/* UDP datagrams over IPv4 and IPv6 (RFC 768, RFC 1122 4.1, RFC 8200 8.1):
 * parse and emit, no state.
 *
 *   0        2        4        6          8
 *   | src port | dst port | length | checksum | payload ...
 *
 * The checksum covers a pseudo-header of the IP layer's (source,
 * destination, protocol 17, UDP length: IPv4's or IPv6's, by the addresses'
 * family), the header and the payload, so checking needs the datagram's
 * addresses. tern_udp_check(buf, len, src, dst) takes the IP payload; after
 * it returns a length (not a negative reason) every accessor stays inside
 * the buffer and the datagram is tern_udp_length() bytes (anything after it
 * is ignored). A received checksum of 0 means the sender computed none: RFC
 * 768 allows that over IPv4 (accepted unverified), RFC 8200 8.1 forbids it
 * over IPv6 (dropped). */
#ifndef TERN_UDP_WIRE_H
#define TERN_UDP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/bytes.h"
#include "tern/checksum.h"
#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_UDP_HEADER_LEN 8
/* The largest payload an IPv4 datagram can carry. */
#define TERN_UDP_MAX_PAYLOAD (65535u - 20u - TERN_UDP_HEADER_LEN)

/* Why a received datagram was dropped (negative, index stats by -reason). */
typedef enum tern_udp_drop {
  TERN_UDP_DROP_NONE = 0,
  /* Shorter than the 8-byte header. */
  TERN_UDP_DROP_TRUNCATED = -1,
  /* The length field is below 8 or beyond the bytes received. */
  TERN_UDP_DROP_LENGTH = -2,
  /* A non-zero checksum that does not verify. */
  TERN_UDP_DROP_CHECKSUM = -3,
  /* No checksum (0) over IPv6, where it is mandatory. */
  TERN_UDP_DROP_NO_CHECKSUM = -4,
} tern_udp_drop;

#define TERN_UDP_DROP_COUNT 5

/* A datagram: its ports and its payload. */
typedef struct tern_udp_repr {
  uint16_t src_port;
  uint16_t dst_port;
  const uint8_t *payload; /* parse: points into the checked buffer */
  size_t payload_len;
} tern_udp_repr;

/* The finished checksum over the pseudo-header of src's family (src, dst,
 * protocol 17, ulen) and the ulen bytes of the datagram at buf, header
 * included. Both directions use it: a received datagram verifies when it
 * returns 0; a sender computes it with the checksum field zeroed and
 * stores it, 0xffff for a computed 0 (RFC 768). */
uint16_t tern_udp_sum(const uint8_t *buf, size_t ulen, const tern_ip_addr *src,
                      const tern_ip_addr *dst);

/* Checks buf[0..len), the payload of an IP datagram from src to dst (both
 * of one family): the length field, then the checksum (a 0 is accepted
 * unverified over IPv4, refused over IPv6). Returns the datagram's length
 * (its length field, 8..len) or a negative tern_udp_drop reason; reads
 * nothing outside buf. */
static inline int tern_udp_check(const uint8_t *buf, size_t len,
                                 const tern_ip_addr *src,
                                 const tern_ip_addr *dst) {
  if (len < TERN_UDP_HEADER_LEN) {
    return TERN_UDP_DROP_TRUNCATED;
  }
  unsigned ulen = buf[4] * 256u + buf[5];
  if (ulen < TERN_UDP_HEADER_LEN || ulen > len) {
    return TERN_UDP_DROP_LENGTH;
  }
  if ((buf[6] | buf[7]) == 0) {
    return src->family == TERN_IP_V6 ? TERN_UDP_DROP_NO_CHECKSUM : (int)ulen;
  }
  if (tern_udp_sum(buf, ulen, src, dst) != 0) {
    return TERN_UDP_DROP_CHECKSUM;
  }
  return (int)ulen;
}

/* Writes the 8-byte header of a datagram of ulen bytes (header included)
 * whose payload is in place after it, from src to dst: the ports, the
 * length, and the checksum over pseudo-header, header and payload, a
 * computed 0 sent as 0xffff (RFC 768). tern_udp_repr_emit is this after
 * its checks and moving the payload; a sender that wrote the payload in
 * place calls it alone and keeps to those checks (ulen at most
 * 8 + TERN_UDP_MAX_PAYLOAD). */
static inline void tern_udp_emit_header(uint8_t *buf, unsigned src_port,
                                        unsigned dst_port, size_t ulen,
                                        const tern_ip_addr *src,
                                        const tern_ip_addr *dst) {
  tern_put_be16(buf, src_port);
  tern_put_be16(buf + 2, dst_port);
  tern_put_be16(buf + 4, (unsigned)ulen);
  buf[6] = buf[7] = 0;
  unsigned c = tern_udp_sum(buf, ulen, src, dst);
  tern_put_be16(buf + 6, c == 0 ? 0xffff : c);
}

/* tern_udp_check(), then fills *out (untouched on failure); out->payload
 * points into buf. Returns 0 or a tern_udp_drop reason. */
int tern_udp_repr_parse(tern_udp_repr *out, const uint8_t *buf, size_t len,
                        const tern_ip_addr *src, const tern_ip_addr *dst);

/* Writes the datagram for r, from src to dst, at buf: the header, the
 * payload at buf + 8 (copied there in the same pass as the checksum unless
 * r->payload already is buf + 8, as when the caller wrote it in place), and
 * the checksum, where a computed 0 is sent as 0xffff (RFC 768). Returns
 * 8 + r->payload_len, TERN_ENOSPC when that exceeds cap, or TERN_EMSGSIZE
 * when it would not fit in an IPv4 datagram. */
int tern_udp_repr_emit(const tern_udp_repr *r, const tern_ip_addr *src,
                       const tern_ip_addr *dst, uint8_t *buf, size_t cap);

/* The name of a tern_udp_drop reason; "unknown" otherwise. */
const char *tern_udp_drop_name(int reason);

/* Accessors, valid after tern_udp_check(buf, len, ...) returned a length. (p[0]
 * * 256 + p[1] rather than a shift and an or, which gcc turns into a byte swap
 * that costs two more instructions on Cortex-M0.) */
static inline uint16_t tern_udp_src_port(const uint8_t *p) {
  return (uint16_t)(p[0] * 256u + p[1]);
}
static inline uint16_t tern_udp_dst_port(const uint8_t *p) {
  return (uint16_t)(p[2] * 256u + p[3]);
}
/* The length field: header and payload. */
static inline uint16_t tern_udp_length(const uint8_t *p) {
  return (uint16_t)(p[4] * 256u + p[5]);
}
static inline uint16_t tern_udp_checksum(const uint8_t *p) {
  return (uint16_t)(p[6] * 256u + p[7]);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_UDP_WIRE_H */
