/* A pair of connected in-memory streams, for tests and simulations: what
 * end A writes, end B reads, and the other way round. Each direction is a
 * bounded ring over caller storage, so a full ring makes the writer wait
 * (PENDING until the reader makes room) and an empty one makes the reader
 * wait. Closing an end is a half-close: the other end reads what was
 * written before it and then end of stream (0).
 *
 *   static uint8_t ab[64], ba[64];
 *   static tern_memstream_pair pair;
 *   tern_memstream_init(&pair, ab, sizeof ab, ba, sizeof ba);
 *   tern_stream a = tern_memstream_a(&pair), b = tern_memstream_b(&pair);
 *
 * Flush waits until the peer has read every byte this end wrote (like a
 * UART whose FIFO drains). Single-threaded: no critical sections. */
#ifndef TERN_MEMSTREAM_H
#define TERN_MEMSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/poll.h"
#include "tern/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One direction: a ring of bytes from a writer end to a reader end. */
typedef struct tern_memstream_ring {
  uint8_t *buf;
  size_t cap;
  size_t start;           /* index of the oldest byte */
  size_t len;             /* bytes queued */
  tern_waker_slot reader; /* waiting for bytes or end of stream */
  tern_waker_slot writer; /* waiting for room, or for flush */
  bool closed;            /* the writer closed: end of stream after len */
} tern_memstream_ring;

/* One end: reads from one ring, writes to the other. */
typedef struct tern_memstream_end {
  tern_memstream_ring *rx;
  tern_memstream_ring *tx;
  size_t max_io; /* largest single read or write (0: unlimited) */
  int error;     /* if nonzero, every poll on this end returns it */
} tern_memstream_end;

typedef struct tern_memstream_pair {
  tern_memstream_ring ab; /* A writes, B reads */
  tern_memstream_ring ba; /* B writes, A reads */
  tern_memstream_end a;
  tern_memstream_end b;
} tern_memstream_pair;

/* Sets up a pair over two rings of caller storage (ab_cap bytes from A to
 * B, ba_cap bytes from B to A). Returns 0, or TERN_EINVAL (the pair left
 * as it was) when pair or a buffer is NULL or a capacity is 0. */
int tern_memstream_init(tern_memstream_pair *pair, uint8_t *ab_buf,
                        size_t ab_cap, uint8_t *ba_buf, size_t ba_cap);

/* The two ends as streams. */
tern_stream tern_memstream_a(tern_memstream_pair *pair);
tern_stream tern_memstream_b(tern_memstream_pair *pair);

/* Limits every read and write on an end to at most max_io bytes (0: no
 * limit), to exercise callers' handling of partial transfers. */
void tern_memstream_set_max_io(tern_memstream_end *end, size_t max_io);

/* Makes every later poll on an end complete at once with err (a negative
 * tern_err; 0 restores normal operation), as a failed device would, and
 * wakes its waiters. Returns 0, or TERN_EINVAL (the end unchanged) for a
 * positive err, which polls would report as a byte count. */
int tern_memstream_set_error(tern_memstream_end *end, int err);

/* Bytes queued from A to B and from B to A (written, not yet read). */
size_t tern_memstream_pending_ab(const tern_memstream_pair *pair);
size_t tern_memstream_pending_ba(const tern_memstream_pair *pair);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MEMSTREAM_H */
