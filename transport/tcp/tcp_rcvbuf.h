/* The receive side's data: a ring of caller storage that holds the bytes
 * received in order and not yet read, and, after them, bytes that arrived
 * out of order, tracked as a bounded list of ranges (RFC 9293 3.10.7.4:
 * a segment beyond RCV.NXT "should be held for later processing"; RFC
 * 2018: those ranges are what SACK reports).
 *
 *   ring:  [ unread, in order | hole | held | hole | held | free ... ]
 *          ^ read             ^ RCV.NXT                  RCV.NXT + window ^
 *
 * The window offered is the ring's free space behind the unread bytes
 * (cap - unread): data is taken only inside it, so out-of-order data never
 * needs more memory than the ring. At most TERN_TCP_RCVBUF_RANGES ranges
 * are held: a segment that would make one more is not kept (the sender
 * sends it again), so the bookkeeping is fixed. Ranges are kept most
 * recently changed first, the order RFC 2018 section 4 asks SACK blocks
 * to be sent in.
 *
 * No state beyond this struct and the ring; no heap. The connection
 * machine trims nothing itself: it hands each segment's data and sequence
 * number to tern_tcp_rcvbuf_put. */
#ifndef TERN_TCP_RCVBUF_H
#define TERN_TCP_RCVBUF_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tcp_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Out-of-order ranges held at most: one more than SACK can report beside
 * timestamps (3), so that the report can rotate (RFC 2018 4). */
#define TERN_TCP_RCVBUF_RANGES 4

/* The largest ring: windows stop at 2^30 (RFC 7323 2.3). */
#define TERN_TCP_RCVBUF_MAX (1u << 30)

typedef struct tern_tcp_rcvbuf {
  /* The words the connection reads most first: embedded in it, they stay
   * within Cortex-M0's short offsets. */
  uint32_t rcv_nxt; /* the next sequence number expected */
  uint32_t cap;
  uint32_t unread; /* bytes received in order, not yet read */
  uint32_t read;   /* ring index of the first unread byte */
  uint8_t *ring;
  uint8_t nranges;
  /* Held out-of-order data as sequence ranges [left, right): disjoint,
   * not touching each other nor RCV.NXT, inside the window, most recently
   * changed first. */
  tern_tcp_sack_block ranges[TERN_TCP_RCVBUF_RANGES];
} tern_tcp_rcvbuf;

/* Sets up rb over ring[0..cap) with RCV.NXT irs + 1 (after the peer's
 * SYN). Returns 0, or TERN_EINVAL for a NULL ring, cap 0 or above
 * TERN_TCP_RCVBUF_MAX. */
int tern_tcp_rcvbuf_init(tern_tcp_rcvbuf *rb, uint8_t *ring, uint32_t cap,
                         uint32_t irs);

/* Copies len bytes (at most cap) into, or out of, a ring of cap bytes
 * from its index pos (< cap), wrapping past its end: the one ring copy of
 * the receive ring here and of tcp.h's send ring. */
void tern__tcp_ring_put(uint8_t *ring, uint32_t cap, uint32_t pos,
                        const uint8_t *data, uint32_t len);
void tern__tcp_ring_get(uint8_t *out, const uint8_t *ring, uint32_t cap,
                        uint32_t pos, uint32_t len);

/* The window to offer: the ring's free space after the unread bytes. */
static inline uint32_t tern_tcp_rcvbuf_window(const tern_tcp_rcvbuf *rb) {
  return rb->cap - rb->unread;
}

/* Takes a segment's data: len bytes at sequence number seq. What lies
 * before RCV.NXT (already received) or past the window is cut off; what
 * is left is stored. Returns how far RCV.NXT moved (the bytes that became
 * readable: this segment's and any held ranges it joined), 0 for data out
 * of order, old or outside the window, or TERN_ENOMEM when it would need
 * one range more than TERN_TCP_RCVBUF_RANGES (not kept; the caller
 * counts it: a TCP layer in stats.rx_ooo_refused). */
int tern_tcp_rcvbuf_put(tern_tcp_rcvbuf *rb, uint32_t seq, const uint8_t *data,
                        size_t len);

/* Copies up to cap unread bytes into out and frees their room (the window
 * grows). Returns how many. */
size_t tern_tcp_rcvbuf_read(tern_tcp_rcvbuf *rb, uint8_t *out, size_t cap);

/* The unread bytes in place, without a copy: the first contiguous run of
 * them, which stops at the ring's end (the rest, if any, starts at
 * ring[0] and is the next run). Returns where it starts and its length
 * in *len (0 when nothing is unread). The bytes stay until consumed; data
 * arriving meanwhile goes after them. */
static inline const uint8_t *tern_tcp_rcvbuf_peek(const tern_tcp_rcvbuf *rb,
                                                  uint32_t *len) {
  uint32_t to_end = rb->cap - rb->read;
  *len = rb->unread < to_end ? rb->unread : to_end;
  return rb->ring + rb->read;
}

/* Frees the first n unread bytes (the window grows), as a read of n
 * would without copying them. Returns 0, or TERN_ERANGE (nothing freed)
 * when n is more than is unread. */
int tern_tcp_rcvbuf_consume(tern_tcp_rcvbuf *rb, uint32_t n);

/* The SACK blocks to send (RFC 2018 4): the first max held ranges, most
 * recently changed first. Returns how many were written to out. */
unsigned tern_tcp_rcvbuf_sack(const tern_tcp_rcvbuf *rb,
                              tern_tcp_sack_block *out, unsigned max);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_RCVBUF_H */
