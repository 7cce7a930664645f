/* Big-endian (network order) loads and stores on byte pointers, for the
 * wire formats: never cast a struct over received bytes, read fields with
 * these. The caller has checked the length; they do no bounds checks. */
#ifndef TERN_BYTES_H
#define TERN_BYTES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* (Written as a multiply-add: gcc turns the shift-or form into a load
 * and a byte swap, which is longer on Cortex-M0.) */
static inline unsigned tern_be16(const uint8_t *p) {
  return p[0] * 256u + p[1];
}

static inline uint32_t tern_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* Four bytes at any alignment as a word in memory order, not swapped: an
 * IPv4 address in network order, to compare with another such word in one
 * instruction. Out of line (bytes.c), one copy per program: on Cortex-M0
 * the unaligned load is four byte loads and three merges, smaller as a
 * call wherever an address is compared. */
uint32_t tern_ld32(const void *p);

/* (v's bits above 16 are ignored; taking an unsigned spares callers a
 * truncation on 32-bit cores.) */
static inline void tern_put_be16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void tern_put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_BYTES_H */
