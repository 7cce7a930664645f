/* A byte ring shared by one interrupt handler and thread code without a
 * lock: exactly one side puts (the producer) and one side takes (the
 * consumer). The UART drivers use two: receive (the handler puts, a
 * reader's poll takes) and transmit (a writer's poll puts, the handler
 * takes).
 *
 * head and tail count bytes ever put and taken; each is written by one
 * side only and read whole (a 32-bit load or store is atomic on every
 * Cortex-M), so the other side sees either the old or the new count. The
 * compiler barrier orders the data access before the count that publishes
 * it; one core needs nothing more. The capacity is a power of two so that
 * a position is a mask, not a division (the Cortex-M0 has no divide). */
#ifndef TERN_CORTEX_M_BYTE_RING_H
#define TERN_CORTEX_M_BYTE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Caller-provided storage plus two counters: 16 bytes. */
typedef struct tern_cm_ring {
  uint8_t *buf;
  uint32_t mask;          /* capacity - 1 */
  volatile uint32_t head; /* bytes ever put (the producer's) */
  volatile uint32_t tail; /* bytes ever taken (the consumer's) */
} tern_cm_ring;

#define TERN__CM_RING_BARRIER() __asm__ volatile("" ::: "memory")

/* Sets up an empty ring over buf. Returns 0, or TERN_EINVAL when buf is
 * NULL or size is not a power of two from 2 to 2^30. */
static inline int tern_cm_ring_init(tern_cm_ring *r, uint8_t *buf,
                                    size_t size) {
  if (buf == NULL || size < 2 || size > (1u << 30) ||
      (size & (size - 1)) != 0) {
    return TERN_EINVAL;
  }
  r->buf = buf;
  r->mask = (uint32_t)size - 1;
  r->head = 0;
  r->tail = 0;
  return 0;
}

/* Bytes in the ring (either side). */
static inline uint32_t tern_cm_ring_used(const tern_cm_ring *r) {
  return r->head - r->tail;
}

/* Producer: appends one byte; false (nothing stored) when full. */
static inline bool tern_cm_ring_put(tern_cm_ring *r, uint8_t b) {
  uint32_t head = r->head;
  if (head - r->tail > r->mask) {
    return false;
  }
  r->buf[head & r->mask] = b;
  TERN__CM_RING_BARRIER();
  r->head = head + 1;
  return true;
}

/* Consumer: removes the oldest byte into *b; false when empty. */
static inline bool tern_cm_ring_get(tern_cm_ring *r, uint8_t *b) {
  uint32_t tail = r->tail;
  if (r->head == tail) {
    return false;
  }
  TERN__CM_RING_BARRIER();
  *b = r->buf[tail & r->mask];
  TERN__CM_RING_BARRIER();
  r->tail = tail + 1;
  return true;
}

/* Producer: appends up to len bytes from src; returns how many fit. */
static inline size_t tern_cm_ring_write(tern_cm_ring *r, const void *src,
                                        size_t len) {
  const uint8_t *p = (const uint8_t *)src;
  uint32_t head = r->head;
  uint32_t room = r->mask + 1 - (head - r->tail);
  size_t n = len < room ? len : room;
  for (size_t i = 0; i < n; i++) {
    r->buf[(head + i) & r->mask] = p[i];
  }
  TERN__CM_RING_BARRIER();
  r->head = head + (uint32_t)n;
  return n;
}

/* Consumer: removes up to len bytes into dst; returns how many. */
static inline size_t tern_cm_ring_read(tern_cm_ring *r, void *dst, size_t len) {
  uint8_t *p = (uint8_t *)dst;
  uint32_t tail = r->tail;
  uint32_t used = r->head - tail;
  size_t n = len < used ? len : used;
  TERN__CM_RING_BARRIER();
  for (size_t i = 0; i < n; i++) {
    p[i] = r->buf[(tail + i) & r->mask];
  }
  TERN__CM_RING_BARRIER();
  r->tail = tail + (uint32_t)n;
  return n;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_CORTEX_M_BYTE_RING_H */
