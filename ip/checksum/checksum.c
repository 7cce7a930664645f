#include "tern/checksum.h"

#include <string.h>

/* A straightforward version: 16-bit big-endian words into a 32-bit
 * accumulator, folded as it goes so it cannot overflow. */

static tern_csum fold32(uint64_t s) {
  while (s >> 32) {
    s = (s & 0xffffffffu) + (s >> 32);
  }
  return (tern_csum)s;
}

tern_csum tern_checksum_add(tern_csum sum, const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t s = sum;
  while (len >= 2) {
    s += (uint32_t)(p[0] << 8 | p[1]);
    p += 2;
    len -= 2;
  }
  if (len == 1) {
    s += (uint32_t)p[0] << 8;
  }
  return fold32(s);
}

tern_csum tern_checksum_copy(tern_csum sum, void *dst, const void *src,
                             size_t len) {
  memcpy(dst, src, len);
  return tern_checksum_add(sum, dst, len);
}

tern_csum tern_checksum_add16(tern_csum sum, uint16_t value) {
  return fold32((uint64_t)sum + value);
}

uint16_t tern_checksum_finish(tern_csum sum) {
  while (sum >> 16) {
    sum = (sum & 0xffffu) + (sum >> 16);
  }
  return (uint16_t)~sum;
}

uint16_t tern_checksum(const void *data, size_t len) {
  return tern_checksum_finish(tern_checksum_add(0, data, len));
}

tern_csum tern_checksum_pseudo_v4(const uint8_t src[4], const uint8_t dst[4],
                                  uint8_t protocol, uint16_t length) {
  tern_csum s = tern_checksum_add(0, src, 4);
  s = tern_checksum_add(s, dst, 4);
  s = tern_checksum_add16(s, protocol);
  return tern_checksum_add16(s, length);
}

tern_csum tern_checksum_pseudo_v6(const uint8_t src[16], const uint8_t dst[16],
                                  uint8_t next_header, uint32_t length) {
  tern_csum s = tern_checksum_add(0, src, 16);
  s = tern_checksum_add(s, dst, 16);
  s = tern_checksum_add16(s, (uint16_t)(length >> 16));
  s = tern_checksum_add16(s, (uint16_t)length);
  return tern_checksum_add16(s, next_header);
}
