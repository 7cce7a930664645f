/* The receive ring with held out-of-order ranges. See tcp_rcvbuf.h. */
#include "tern/tcp_rcvbuf.h"

#include <string.h>

#include "tern/err.h"
#include "tern/tcp_seq.h"

int tern_tcp_rcvbuf_init(tern_tcp_rcvbuf *rb, uint8_t *ring, uint32_t cap,
                         uint32_t irs) {
  if (ring == NULL || cap == 0 || cap > TERN_TCP_RCVBUF_MAX) {
    return TERN_EINVAL;
  }
  memset(rb, 0, sizeof *rb);
  rb->ring = ring;
  rb->cap = cap;
  rb->rcv_nxt = irs + 1;
  return 0;
}

/* i modulo the ring's size, for i below 3 * cap (a sum of three values
 * below cap, which is at most 2^30: no overflow). Subtractions rather
 * than %: Cortex-M0 divides in a library routine. */
static uint32_t wrap(const tern_tcp_rcvbuf *rb, uint32_t i) {
  while (i >= rb->cap) {
    i -= rb->cap;
  }
  return i;
}

void tern__tcp_ring_put(uint8_t *ring, uint32_t cap, uint32_t pos,
                        const uint8_t *data, uint32_t len) {
  uint32_t first = cap - pos < len ? cap - pos : len;
  memcpy(ring + pos, data, first);
  if (first < len) { /* past the ring's end */
    memcpy(ring, data + first, len - first);
  }
}

void tern__tcp_ring_get(uint8_t *out, const uint8_t *ring, uint32_t cap,
                        uint32_t pos, uint32_t len) {
  uint32_t first = cap - pos < len ? cap - pos : len;
  memcpy(out, ring + pos, first);
  if (first < len) { /* past the ring's end */
    memcpy(out + first, ring, len - first);
  }
}

static void remove_range(tern_tcp_rcvbuf *rb, unsigned i) {
  rb->nranges--;
  memmove(&rb->ranges[i], &rb->ranges[i + 1],
          (rb->nranges - i) * sizeof rb->ranges[0]);
}

/* Whether [l, r) and range i overlap or touch. */
static int joins(const tern_tcp_rcvbuf *rb, unsigned i, uint32_t l,
                 uint32_t r) {
  return tern_seq_le(rb->ranges[i].left, r) &&
         tern_seq_le(l, rb->ranges[i].right);
}

/* RCV.NXT moved: the held ranges it reached become readable. */
static void absorb(tern_tcp_rcvbuf *rb) {
  unsigned i = 0;
  while (i < rb->nranges) {
    tern_tcp_sack_block b = rb->ranges[i];
    if (tern_seq_gt(b.left, rb->rcv_nxt)) {
      i++;
      continue;
    }
    if (tern_seq_gt(b.right, rb->rcv_nxt)) {
      rb->unread += b.right - rb->rcv_nxt;
      rb->rcv_nxt = b.right;
    }
    remove_range(rb, i);
    i = 0; /* RCV.NXT moved: look again from the start */
  }
}

int tern_tcp_rcvbuf_put(tern_tcp_rcvbuf *rb, uint32_t seq, const uint8_t *data,
                        size_t len) {
  /* Cut what was received already, then what is past the window. */
  if (tern_seq_lt(seq, rb->rcv_nxt)) {
    uint32_t old = rb->rcv_nxt - seq;
    if (old >= len) {
      return 0;
    }
    seq += old;
    data += old;
    len -= old;
  }
  uint32_t offset = seq - rb->rcv_nxt;
  uint32_t window = tern_tcp_rcvbuf_window(rb);
  if (offset >= window || len == 0) {
    return 0;
  }
  uint32_t n = len < window - offset ? (uint32_t)len : window - offset;
  uint32_t pos = wrap(rb, rb->read + rb->unread + offset);
  if (offset == 0) {
    tern__tcp_ring_put(rb->ring, rb->cap, pos, data, n);
    uint32_t before = rb->rcv_nxt;
    rb->rcv_nxt += n;
    rb->unread += n;
    absorb(rb);
    return (int)(rb->rcv_nxt - before);
  }
  /* Out of order: one range with every held range it joins. */
  uint32_t left = seq, right = seq + n;
  unsigned joined = 0;
  for (unsigned i = 0; i < rb->nranges; i++) {
    joined += (unsigned)joins(rb, i, left, right);
  }
  if (joined == 0 && rb->nranges == TERN_TCP_RCVBUF_RANGES) {
    return TERN_ENOMEM;
  }
  tern__tcp_ring_put(rb->ring, rb->cap, pos, data, n);
  unsigned i = 0;
  while (i < rb->nranges) {
    if (joins(rb, i, left, right)) {
      left = tern_seq_min(left, rb->ranges[i].left);
      right = tern_seq_max(right, rb->ranges[i].right);
      remove_range(rb, i);
    } else {
      i++;
    }
  }
  /* In front: the most recently changed (RFC 2018 4). */
  memmove(&rb->ranges[1], &rb->ranges[0], rb->nranges * sizeof rb->ranges[0]);
  rb->ranges[0].left = left;
  rb->ranges[0].right = right;
  rb->nranges++;
  return 0;
}

/* The first n unread bytes (n <= unread) were taken: their room is free. */
static void advance(tern_tcp_rcvbuf *rb, uint32_t n) {
  rb->read = wrap(rb, rb->read + n);
  rb->unread -= n;
}

size_t tern_tcp_rcvbuf_read(tern_tcp_rcvbuf *rb, uint8_t *out, size_t cap) {
  uint32_t n = cap < rb->unread ? (uint32_t)cap : rb->unread;
  if (n == 0) {
    return 0; /* out may be NULL */
  }
  tern__tcp_ring_get(out, rb->ring, rb->cap, rb->read, n);
  advance(rb, n);
  return n;
}

int tern_tcp_rcvbuf_consume(tern_tcp_rcvbuf *rb, uint32_t n) {
  if (n > rb->unread) {
    return TERN_ERANGE;
  }
  advance(rb, n);
  return 0;
}

unsigned tern_tcp_rcvbuf_sack(const tern_tcp_rcvbuf *rb,
                              tern_tcp_sack_block *out, unsigned max) {
  unsigned n = rb->nranges < max ? rb->nranges : max;
  if (n != 0) { /* out may be NULL */
    memcpy(out, rb->ranges, n * sizeof out[0]);
  }
  return n;
}
