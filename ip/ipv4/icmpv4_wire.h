/* ICMP for IPv4 (RFC 792, RFC 1122 3.2.2): parse and emit, no state.
 *
 *   0      1      2          4              8
 *   | type | code | checksum | rest of header | data ...
 *
 * The checksum covers the whole message. tern_icmpv4_check(buf, len) takes
 * the IPv4 payload (len = the datagram's payload length, not the frame's)
 * and verifies it; after it returns 0 every accessor stays inside the
 * buffer. Echo request/reply carry an identifier and a sequence number in
 * the rest of the header; every other type is parsed generically (type,
 * code, the 4 rest-of-header bytes as two 16-bit halves, data) so the caller
 * can count and ignore it. */
#ifndef TERN_ICMPV4_WIRE_H
#define TERN_ICMPV4_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/bytes.h"
#include "tern/checksum.h"
#include "tern/err.h"
#include "tern/ipv4_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_ICMPV4_HEADER_LEN 8

/* Types (RFC 792). */
#define TERN_ICMPV4_ECHO_REPLY 0
#define TERN_ICMPV4_DEST_UNREACH 3
#define TERN_ICMPV4_SOURCE_QUENCH 4 /* deprecated by RFC 6633 */
#define TERN_ICMPV4_REDIRECT 5
#define TERN_ICMPV4_ECHO_REQUEST 8
#define TERN_ICMPV4_TIME_EXCEEDED 11
#define TERN_ICMPV4_PARAM_PROBLEM 12

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1). */
#define TERN_ICMPV4_NET_UNREACH 0
#define TERN_ICMPV4_HOST_UNREACH 1
#define TERN_ICMPV4_PROTO_UNREACH 2
#define TERN_ICMPV4_PORT_UNREACH 3
#define TERN_ICMPV4_FRAG_NEEDED 4

/* The largest error message emitted: the quote stops where the datagram
 * carrying it would exceed 576 bytes (RFC 1812 4.3.2.3, the size every
 * host accepts; 576 - a 20-byte IPv4 header). */
#define TERN_ICMPV4_ERROR_MAX_LEN 556

/* Why a received message was dropped (negative, index stats by -reason). */
typedef enum tern_icmpv4_drop {
  TERN_ICMPV4_DROP_NONE = 0,
  TERN_ICMPV4_DROP_TRUNCATED = -1, /* shorter than the 8-byte header */
  TERN_ICMPV4_DROP_CHECKSUM = -2,  /* the checksum does not verify */
  /* An error message whose quoted datagram is not an IPv4 header and the
   * first 8 bytes of its payload (tern_icmpv4_quote_parse). */
  TERN_ICMPV4_DROP_QUOTE = -3,
} tern_icmpv4_drop;

#define TERN_ICMPV4_DROP_COUNT 4

/* A message. For echo request/reply, ident and seq are the identifier and
 * sequence number and data the echoed payload. For other types ident and
 * seq are bytes 4-5 and 6-7 of the header (zero for most errors; seq is the
 * next-hop MTU of "fragmentation needed", RFC 1191) and data the rest: for
 * errors, the quoted IPv4 header and the start of its payload. */
typedef struct tern_icmpv4_repr {
  uint8_t type;
  uint8_t code;
  uint16_t ident;
  uint16_t seq;
  const uint8_t *data; /* parse: points into the checked buffer */
  size_t data_len;
} tern_icmpv4_repr;

/* Checks buf[0..len): length and checksum. Returns 0 or a
 * tern_icmpv4_drop reason; reads nothing outside buf. */
static inline int tern_icmpv4_check(const uint8_t *buf, size_t len) {
  if (len < TERN_ICMPV4_HEADER_LEN) {
    return TERN_ICMPV4_DROP_TRUNCATED;
  }
  if (tern_checksum(buf, len) != 0) {
    return TERN_ICMPV4_DROP_CHECKSUM;
  }
  return 0;
}

/* tern_icmpv4_check(), then fills *out (untouched on failure); out->data
 * points into buf. */
int tern_icmpv4_repr_parse(tern_icmpv4_repr *out, const uint8_t *buf,
                           size_t len);

/* Writes the message for r at buf: the header, then r->data_len bytes of
 * r->data at buf + 8 (moved there unless r->data already is buf + 8, so an
 * echo reply can be built in the request's buffer), then the checksum.
 * Returns the message length, TERN_ENOSPC when it does not fit in cap, or
 * TERN_EMSGSIZE when it would not fit in an IPv4 datagram. */
int tern_icmpv4_repr_emit(const tern_icmpv4_repr *r, uint8_t *buf, size_t cap);

/* Writes a destination unreachable message (type 3, the given code) about
 * the received IPv4 datagram dgram[0..dgram_len), which passed
 * tern_ipv4_check(). It quotes the datagram's header and as much of its
 * payload as fits in cap and in TERN_ICMPV4_ERROR_MAX_LEN; RFC 1122 3.2.2
 * requires the header and at least the first 8 payload bytes, so a cap of
 * 8 + 60 + 8 always suffices. Returns the message length; TERN_ENOSPC when
 * the required quote does not fit; TERN_EINVAL when dgram is not a
 * checkable IPv4 header; TERN_EPROTO when RFC 1122 3.2.2 forbids an error
 * about this datagram as far as the datagram shows: it is an ICMP error
 * (or an ICMP message too short to tell), a non-initial fragment, sent to a
 * multicast or limited-broadcast address, or from an address that is not
 * one host (0.0.0.0, 127/8, multicast, class E, 255.255.255.255).
 * Subnet-directed and link-layer broadcasts are the caller's to rule
 * out. */
int tern_icmpv4_emit_dest_unreach(uint8_t code, const uint8_t *dgram,
                                  size_t dgram_len, uint8_t *buf, size_t cap);

/* Whether type is an ICMP error message (RFC 1122 3.2.2: no error is ever
 * sent about one). */
int tern_icmpv4_is_error(uint8_t type);

/* Turns the echo request msg[0..len) (which tern_icmpv4_check accepted)
 * into its echo reply in place: type 0, code 0, identifier, sequence
 * number and data unchanged (RFC 792, RFC 1122 3.2.2.6), the checksum
 * recomputed. */
void tern_icmpv4_echo_reply(uint8_t *msg, size_t len);

/* The datagram an error message quotes (RFC 792: its IP header and at
 * least the first 64 bits of its data; RFC 1812 4.3.2.3: as much as fits
 * 576 bytes). */
typedef struct tern_icmpv4_quote {
  tern_ipv4_addr src; /* the quoted datagram's source */
  tern_ipv4_addr dst; /* and destination */
  uint8_t protocol;
  uint16_t total_len;     /* its Total Length: header + 8 at least */
  const uint8_t *payload; /* its transport header onward, in the message */
  size_t payload_len;     /* at least 8 */
} tern_icmpv4_quote;

/* Checks the datagram quoted by the error message msg[0..len) (which
 * tern_icmpv4_check accepted): version 4, IHL 5 or more, the header and 8
 * bytes of payload present, and a total length of at least the header and
 * those 8 bytes (a datagram that claims fewer contradicts the quote, and
 * is no datagram we sent: every transport header is 8 bytes or more).
 * The total length is not checked against the bytes present, either way:
 * a router may cut the quote, and RFC 4884's extensions follow a quote
 * padded to 128 bytes. The checksum is not checked. Returns the quoted
 * header's length (20 to 60) or TERN_ICMPV4_DROP_QUOTE; reads nothing
 * outside msg. After it returns a length, the IPv4 accessors
 * (tern/ipv4_wire.h) read the quoted header at msg + 8 and stay inside
 * msg, and the quoted payload is the rest of msg after the header, 8 bytes
 * at least. */
static inline int tern_icmpv4_quote_check(const uint8_t *msg, size_t len) {
  const uint8_t *q = msg + TERN_ICMPV4_HEADER_LEN;
  if (len < TERN_ICMPV4_HEADER_LEN + TERN_IPV4_HEADER_LEN + 8 ||
      q[0] >> 4 != 4 || tern_ipv4_header_len(q) < TERN_IPV4_HEADER_LEN ||
      TERN_ICMPV4_HEADER_LEN + tern_ipv4_header_len(q) + 8 > len ||
      tern_ipv4_total_len(q) < tern_ipv4_header_len(q) + 8) {
    return TERN_ICMPV4_DROP_QUOTE;
  }
  return (int)tern_ipv4_header_len(q);
}

/* tern_icmpv4_quote_check, then fills *out (untouched on failure). Returns
 * 0 or TERN_ICMPV4_DROP_QUOTE. */
int tern_icmpv4_quote_parse(tern_icmpv4_quote *out, const uint8_t *msg,
                            size_t len);

/* Writes the 8-byte header of a message of len bytes whose data is in
 * place after it: type, code, the rest of the header (ident and seq: an
 * echo's identifier and sequence number; 0 and 0 for an unreachable),
 * and the checksum over the whole message. tern_icmpv4_repr_emit is this
 * after moving the data; a sender that built the data in place (an error
 * quoting the datagram it received) calls it alone. */
static inline void tern_icmpv4_emit_header(uint8_t *buf, uint8_t type,
                                           uint8_t code, unsigned ident,
                                           unsigned seq, size_t len) {
  buf[0] = type;
  buf[1] = code;
  buf[2] = buf[3] = 0;
  tern_put_be16(buf + 4, ident);
  tern_put_be16(buf + 6, seq);
  tern_put_be16(buf + 2, tern_checksum(buf, len));
}

/* The next-hop MTU of a "fragmentation needed" message (RFC 1191 section
 * 4; 0 from a router that predates it), valid after tern_icmpv4_check. */
static inline uint16_t tern_icmpv4_next_hop_mtu(const uint8_t *p) {
  return (uint16_t)tern_be16(p + 6);
}

/* The name of a tern_icmpv4_drop reason; "unknown" otherwise. */
const char *tern_icmpv4_drop_name(int reason);

/* Accessors, valid after tern_icmpv4_check(buf, len) returned 0. */
static inline uint8_t tern_icmpv4_type(const uint8_t *p) {
  return p[0];
}
static inline uint8_t tern_icmpv4_code(const uint8_t *p) {
  return p[1];
}
static inline uint16_t tern_icmpv4_echo_ident(const uint8_t *p) {
  return tern_be16(p + 4);
}
static inline uint16_t tern_icmpv4_echo_seq(const uint8_t *p) {
  return tern_be16(p + 6);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_ICMPV4_WIRE_H */
