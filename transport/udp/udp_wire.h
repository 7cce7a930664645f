/* UDP datagrams over IPv4 (RFC 768, RFC 1122 4.1): parse and emit, no
 * state.
 *
 *   0        2        4        6          8
 *   | src port | dst port | length | checksum | payload ...
 *
 * The checksum covers an IPv4 pseudo-header (source, destination, protocol
 * 17, UDP length), the header and the payload, so checking needs the
 * datagram's addresses. tern_udp_check(buf, len, src, dst) takes the IPv4
 * payload; after it returns a length (not a negative reason) every accessor
 * stays inside the buffer and the datagram is tern_udp_length() bytes (anything
 * after it is ignored). A received checksum of 0 means the sender computed none
 * (RFC 768), and is accepted unverified. */
#ifndef TERN_UDP_WIRE_H
#define TERN_UDP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
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
} tern_udp_drop;

#define TERN_UDP_DROP_COUNT 4

/* A datagram: its ports and its payload. */
typedef struct tern_udp_repr {
  uint16_t src_port;
  uint16_t dst_port;
  const uint8_t *payload; /* parse: points into the checked buffer */
  size_t payload_len;
} tern_udp_repr;

/* The finished checksum over the IPv4 pseudo-header (src, dst, protocol
 * 17, ulen) and the ulen bytes of the datagram at buf, header included.
 * Both directions use it: a received datagram verifies when it returns 0;
 * a sender computes it with the checksum field zeroed and stores it,
 * 0xffff for a computed 0 (RFC 768). One function for both, so that the
 * sockets link one copy of the pseudo-header code. */
uint16_t tern_udp_sum(const uint8_t *buf, size_t ulen,
                      const tern_ipv4_addr *src, const tern_ipv4_addr *dst);

/* Checks buf[0..len), the payload of an IPv4 datagram from src to dst:
 * the length field, then the checksum unless it is 0. Returns the
 * datagram's length (its length field, 8..len: the caller needs it next,
 * and has it without reading the field again) or a negative tern_udp_drop
 * reason; reads nothing outside buf. (Inline: the socket
 * layer's input is its one caller on a device, and the call cost more
 * than the body on Cortex-M0.) */
static inline int tern_udp_check(const uint8_t *buf, size_t len,
                                 const tern_ipv4_addr *src,
                                 const tern_ipv4_addr *dst) {
  if (len < TERN_UDP_HEADER_LEN) {
    return TERN_UDP_DROP_TRUNCATED;
  }
  unsigned ulen = buf[4] * 256u + buf[5];
  if (ulen < TERN_UDP_HEADER_LEN || ulen > len) {
    return TERN_UDP_DROP_LENGTH;
  }
  /* A zero checksum field: none computed (RFC 768), nothing to verify. */
  if ((buf[6] | buf[7]) != 0 && tern_udp_sum(buf, ulen, src, dst) != 0) {
    return TERN_UDP_DROP_CHECKSUM;
  }
  return (int)ulen;
}

/* tern_udp_check(), then fills *out (untouched on failure); out->payload
 * points into buf. Returns 0 or a tern_udp_drop reason. */
int tern_udp_repr_parse(tern_udp_repr *out, const uint8_t *buf, size_t len,
                        const tern_ipv4_addr *src, const tern_ipv4_addr *dst);

/* Writes the datagram for r, from src to dst, at buf: the header, the
 * payload at buf + 8 (copied there in the same pass as the checksum unless
 * r->payload already is buf + 8, as when the caller wrote it in place), and
 * the checksum, where a computed 0 is sent as 0xffff (RFC 768). Returns
 * 8 + r->payload_len, TERN_ENOSPC when that exceeds cap, or TERN_EMSGSIZE
 * when it would not fit in an IPv4 datagram. */
int tern_udp_repr_emit(const tern_udp_repr *r, const tern_ipv4_addr *src,
                       const tern_ipv4_addr *dst, uint8_t *buf, size_t cap);

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
