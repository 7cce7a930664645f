/* IPv4 reassembly (RFC 791, RFC 815) for the IPv4 layer (tern/ipv4.h), in
 * caller storage: a packet pool of its own, one packet per datagram in
 * progress, each buffer as large as the largest datagram to accept.
 *
 *   TERN_PKT_POOL_DEFINE(reasm_pool, 2, TERN_IPV4_REASM_OVERHEAD + 4096);
 *   static tern_ipv4_reasm reasm;
 *   tern_ipv4_init(&v4, &ip);
 *   tern_ipv4_reasm_init(&reasm, &v4, &reasm_pool);
 *
 * Without this call (and this library) the IPv4 layer drops fragments and
 * counts them (rx_drop[-TERN_IPV4_DROP_FRAGMENT]), as it always did: the
 * layer reaches the reassembler only through a pointer this call sets.
 *
 * Fragments are copied into their datagram's buffer as they come, and
 * their packets freed at once, so fragments never hold the packets the
 * devices receive into: a flood of fragments cannot starve whole
 * datagrams. A completed datagram is handed on in its buffer, which is
 * a tern_pkt of this pool: ICMP and the transports get it as any other
 * packet (its header in front), and it goes back to this pool when they
 * free it (an echo reply is built in it and sent from it).
 *
 * What is refused (each fragment counted once in tern_ipv4_reasm_stats):
 * - malformed fragments: no data, or data not a multiple of 8 bytes when
 *   more fragments follow (RFC 791);
 * - tiny fragments (RFC 1858, RFC 3128): a first fragment shorter than
 *   the transport's header (20 bytes for TCP, 8 for the rest), and any
 *   fragment at offset 8 (fragment offset 1), which could only rewrite a
 *   first fragment's transport header;
 * - overlaps: a fragment that covers part of what was received already,
 *   or runs past the datagram's end, or a last fragment with data beyond
 *   it, drops its whole datagram (as RFC 5722 does for IPv6; no byte is
 *   ever written twice). A fragment wholly inside what was received (a
 *   last one only if it ends where the datagram does) is a duplicate:
 *   ignored, the datagram lives on;
 * - datagrams larger than a buffer (dropped whole: the rest of their
 *   fragments start a new one that fails the same way, or times out).
 *
 * A datagram is dropped TERN_IPV4_REASM_TIMEOUT_MS after its first
 * fragment came (RFC 791's timer, fixed as RFC 1122 3.3.2 asks), with an
 * ICMP time exceeded (code 1) to its source when its first fragment
 * (offset 0) had come. The timers are checked whenever a fragment
 * arrives (the IPv4 layer drives them; there is no executor timer): an
 * idle host frees the buffer and sends the message at its next fragment.
 * When a datagram's first fragment finds every buffer in use, the oldest
 * datagram in progress is dropped for it (evicted).
 *
 * Only unicast datagrams to the interface's own address are reassembled;
 * fragments of broadcasts, of datagrams in a link broadcast or multicast,
 * or to an interface without an address are dropped by the IPv4 layer as
 * before. Task context only (the IP runner's). */
#ifndef TERN_REASSEMBLY_H
#define TERN_REASSEMBLY_H

#include <stdint.h>

#include "tern/ipv4.h"
#include "tern/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How long a datagram may take to come whole, from its first fragment.
 * RFC 1122 3.3.2 recommends 60 to 120 s; Linux uses 30 s, and so do we:
 * eviction, not the timer, is what bounds a flood. */
#ifndef TERN_IPV4_REASM_TIMEOUT_MS
#define TERN_IPV4_REASM_TIMEOUT_MS 30000
#endif

/* Bytes of each buffer that are not the datagram's payload: what the
 * reassembler keeps about the datagram, and room for the largest header
 * (60 bytes) in front of the payload. A pool of buffers of
 * TERN_IPV4_REASM_OVERHEAD + N bytes takes datagrams whose payload is N
 * bytes, rounded down to a multiple of 8 (N = 4096 takes Linux's
 * `ping -s 4000`, 4008 bytes of ICMP). */
#define TERN_IPV4_REASM_OVERHEAD 96

/* The least payload room tern_ipv4_reasm_init takes: a 576-byte
 * datagram's (RFC 1122 3.3.2: every host must reassemble one), 556 bytes
 * after a 20-byte header, rounded up to the 8-byte fragment unit. */
#define TERN_IPV4_REASM_MIN_PAYLOAD 560

/* Counters; they wrap at 2^32. Every fragment the IPv4 layer hands over
 * is counted in exactly one of `kept`, `completed`, `duplicates` or a
 * drop counter (so the IPv4 layer's rx_fragments is their sum but
 * `completed`). `bad_datagrams`, `timeouts` and `evicted` count
 * datagrams. */
typedef struct tern_ipv4_reasm_stats {
  uint32_t kept;           /* stored in their datagram, which is not whole */
  uint32_t completed;      /* completed their datagram (handed on) */
  uint32_t duplicates;     /* wholly inside what was received: ignored */
  uint32_t drop_bad;       /* no data, or not a multiple of 8 with MF set */
  uint32_t drop_tiny;      /* a first fragment shorter than the transport's
                              header, or at offset 8 (RFC 1858, RFC 3128) */
  uint32_t drop_overlap;   /* overlapped what was received, or ran past the
                              datagram's end: its datagram dropped */
  uint32_t drop_too_big;   /* its datagram does not fit a buffer: dropped */
  uint32_t drop_no_buffer; /* a new datagram, and no buffer to be had (the
                              pool's packets all out, none in progress) */
  uint32_t bad_datagrams;  /* datagrams dropped for an overlap or too big */
  uint32_t timeouts;       /* datagrams not whole in time: dropped */
  uint32_t evicted;        /* datagrams dropped to make room for a new one */
  uint32_t time_exceeded;  /* ICMP time exceeded sent (RFC 1122 3.3.2) */
} tern_ipv4_reasm_stats;

/* The reassembler. Caller storage; fields are private. */
struct tern_ipv4_reasm {
  tern_ipv4_layer *v4;
  tern_pkt_pool *pool;
  tern_pkt *busy; /* datagrams in progress, the newest first, through next */
  uint16_t cap;   /* the largest payload a buffer holds */
  tern_ipv4_reasm_stats stats;
};

/* Attaches r to the IPv4 layer v4 (after tern_ipv4_init, which clears
 * the layer): from now on v4's fragments are reassembled in pool's
 * packets (a pool of r's alone: a packet taken by anyone else is one
 * datagram less in progress). Returns 0, TERN_EINVAL (a NULL argument,
 * or buffers smaller than TERN_IPV4_REASM_OVERHEAD +
 * TERN_IPV4_REASM_MIN_PAYLOAD) or TERN_EALREADY
 * (v4 has a reassembler). */
int tern_ipv4_reasm_init(tern_ipv4_reasm *r, tern_ipv4_layer *v4,
                         tern_pkt_pool *pool);

/* A copy of r's counters. */
tern_ipv4_reasm_stats tern_ipv4_reasm_get_stats(const tern_ipv4_reasm *r);

#ifdef __cplusplus
}
#endif

#endif /* TERN_REASSEMBLY_H */
