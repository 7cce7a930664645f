/* Initial sequence numbers (RFC 6528): a clock plus a keyed hash of the
 * connection's endpoints,
 *
 *   ISN = M + F(local address, local port, remote address, remote port, key)
 *
 * so that an off-path attacker who does not know the key cannot predict
 * the ISN of someone else's connection, while one connection's
 * incarnations still start at increasing numbers (M moves on) and do not
 * collide with old duplicates (RFC 9293 3.4.1).
 *
 * M ticks at RFC 9293's rate, one every 4 microseconds, stepped once a
 * millisecond from the port's clock (250 a millisecond). F is HalfSipHash-
 * 2-4 (ip/core's tern_hsiphash, as the IPv4 identifications use) over the
 * local address, the remote address (4 bytes each for IPv4, 16 for IPv6)
 * and the local and remote ports (big-endian, 2 bytes each). The key comes
 * from the stack's RNG once, at start; Linux builds its ISNs the same way
 * (a keyed SipHash of the 4-tuple plus a clock). */
#ifndef TERN_TCP_ISN_H
#define TERN_TCP_ISN_H

#include <stdint.h>

#include "tern/addr.h"
#include "tern/port.h"
#include "tern/siphash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* M's ticks per millisecond: one every 4 microseconds. */
#define TERN_TCP_ISN_TICKS_PER_MS 250u

/* The ISN for a connection from local to remote (one family) at now_ms. */
uint32_t tern_tcp_isn(const tern_hsiphash_key *key, const tern_endpoint *local,
                      const tern_endpoint *remote, tern_time now_ms);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_ISN_H */
