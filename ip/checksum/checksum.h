/* The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
 * complement sum of 16-bit big-endian words. Used by IPv4, ICMP, UDP, TCP.
 *
 * Sums are built in pieces and finished once:
 *
 *   tern_csum s = tern_checksum_pseudo_v4(src, dst, 17, udp_len);
 *   s = tern_checksum_add(s, udp_header, 8);
 *   s = tern_checksum_add(s, payload, payload_len);
 *   uint16_t c = tern_checksum_finish(s);  // store big-endian
 *
 * Every piece but the last must have an even length (header fields and
 * payloads laid out on 16-bit boundaries, as on the wire). A received
 * packet verifies when the finished sum over it, checksum included, is 0. */
#ifndef TERN_CHECKSUM_H
#define TERN_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A partial sum; start from 0 (or a pseudo-header sum). */
typedef uint32_t tern_csum;

/* Adds len bytes at data to the partial sum. */
tern_csum tern_checksum_add(tern_csum sum, const void *data, size_t len);

/* Copies len bytes from src to dst and adds them to the sum, in one pass
 * (the send path's single copy). dst and src must not overlap. */
tern_csum tern_checksum_copy(tern_csum sum, void *dst, const void *src,
                             size_t len);

/* Adds one 16-bit value (host order) to the sum. */
tern_csum tern_checksum_add16(tern_csum sum, uint16_t value);

/* Folds the sum and complements it: the value for the header, host order. */
uint16_t tern_checksum_finish(tern_csum sum);

/* tern_checksum_finish(tern_checksum_add(0, data, len)). */
uint16_t tern_checksum(const void *data, size_t len);

/* The pseudo-header sum of either family for UDP/TCP/ICMPv6: the source
 * and destination (addr_len bytes each: 4 for IPv4, 16 for IPv6, the only
 * lengths supported), the protocol (next header) and the transport length.
 * IPv4's pseudo-header (RFC 768, RFC 793) and IPv6's (RFC 8200 8.1: a
 * 32-bit length, zeros and the next header) sum to the same fields, so a
 * layer written for both families needs only this one. */
tern_csum tern_checksum_pseudo(const uint8_t *src, const uint8_t *dst,
                               size_t addr_len, uint8_t protocol,
                               uint32_t length);

/* The IPv4 pseudo-header sum for UDP/TCP (RFC 768, RFC 793): source,
 * destination, protocol and the transport length. */
tern_csum tern_checksum_pseudo_v4(const uint8_t src[4], const uint8_t dst[4],
                                  uint8_t protocol, uint16_t length);

/* The IPv6 pseudo-header sum (RFC 8200 8.1); src and dst are 16 bytes
 * each. (Pointers, not [16] arrays: gcc 12 then checks callers that pass
 * a member of an address union against the union's smallest member.) */
tern_csum tern_checksum_pseudo_v6(const uint8_t *src, const uint8_t *dst,
                                  uint8_t next_header, uint32_t length);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CHECKSUM_H */
