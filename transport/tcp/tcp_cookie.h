/* SYN cookies (RFC 4987 section 3.6): when a listener's backlog is full it
 * answers a SYN without keeping anything, choosing as its ISN a cookie the
 * final ACK brings back (ACK - 1), from which the connection is rebuilt.
 *
 * The cookie is Bernstein's layout:
 *
 *   bits 31..27  t mod 32, t a counter of 65.536-second periods
 *   bits 26..24  m, the index of the MSS granted (tern_tcp_cookie_mss)
 *   bits 23..0   the low 24 bits of HalfSipHash over the local address,
 *                the remote address (4 or 16 bytes each), the two ports,
 *                the peer's ISN, t (all 32 bits) and m
 *
 * A cookie is accepted while t is the current period or the one before
 * (66 to 131 seconds); t's 32 bits in the hash keep one from being
 * accepted again when t mod 32 comes round. The peer's ISN in the hash
 * ties the cookie to that SYN: an ACK forged with another sequence number
 * does not pass. What a cookie cannot carry (window scale, SACK-permitted,
 * timestamps) is lost for the connection unless a later layer encodes it
 * in the timestamp, as Linux does; that choice is the listener's. */
#ifndef TERN_TCP_COOKIE_H
#define TERN_TCP_COOKIE_H

#include <stdint.h>

#include "tern/addr.h"
#include "tern/port.h"
#include "tern/siphash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The period of t, in milliseconds: 2^16, so that t is the clock shifted
 * (Bernstein's 64 s needs a division, which Cortex-M0 does in a 280-byte
 * library routine). */
#define TERN_TCP_COOKIE_PERIOD_SHIFT 16
#define TERN_TCP_COOKIE_PERIOD_MS (1u << TERN_TCP_COOKIE_PERIOD_SHIFT)

/* The MSS values a cookie can grant, smallest first: the largest not above
 * the peer's is granted; below the smallest, the smallest (48, the least
 * Linux sends with). */
#define TERN_TCP_COOKIE_MSS_COUNT 8
extern const uint16_t tern_tcp_cookie_mss[TERN_TCP_COOKIE_MSS_COUNT];

/* The cookie to send as our ISN in the SYN-ACK to remote's SYN (its
 * sequence number peer_isn, its MSS option peer_mss, or the family's
 * default MSS when it had none) at now_ms. */
uint32_t tern_tcp_cookie_make(const tern_hsiphash_key *key,
                              const tern_endpoint *local,
                              const tern_endpoint *remote, uint32_t peer_isn,
                              uint16_t peer_mss, tern_time now_ms);

/* Checks the cookie an ACK brought back (cookie = SEG.ACK - 1, peer_isn =
 * SEG.SEQ - 1) at now_ms. Returns 0 with the MSS granted in *mss,
 * TERN_ETIMEDOUT when its period is neither the current one nor the one
 * before (stale, or from the future), or TERN_EINVAL when the hash does
 * not match (forged, or for other endpoints, another ISN or key). */
int tern_tcp_cookie_check(const tern_hsiphash_key *key,
                          const tern_endpoint *local,
                          const tern_endpoint *remote, uint32_t peer_isn,
                          uint32_t cookie, tern_time now_ms, uint16_t *mss);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_COOKIE_H */
