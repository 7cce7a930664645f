// Fuzz target for the checksum (checksum_fuzz: the fast implementation,
// checksum_small_fuzz: the small one): any input, split at an even point
// chosen by the input, placed at an alignment chosen by the input, must
// sum to what the byte-by-byte definition gives, and the fused copy must
// copy exactly and agree.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/checksum.h"

static uint32_t RefSum(const uint8_t *p, size_t len) {
  uint64_t s = 0;
  for (size_t i = 0; i < len; i++)
    s += (i % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint32_t)s;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) {
    return 0;
  }
  size_t align = data[0] & 7;
  size_t dalign = (data[0] >> 3) & 7;
  size_t split = (size_t)data[1] * 2;  // an even split point
  data += 2;
  size -= 2;
  if (split > size) {
    split = size & ~(size_t)1;
  }
  // Copy to a known alignment (malloc gives at least 8).
  uint8_t *a = static_cast<uint8_t *>(malloc(size + 8));
  uint8_t *b = static_cast<uint8_t *>(malloc(size + 8));
  if (a == nullptr || b == nullptr) {
    abort();
  }
  memcpy(a + align, data, size);
  const uint8_t *p = a + align;

  uint16_t want = (uint16_t)~RefSum(p, size);
  tern_csum s = tern_checksum_add(0, p, split);
  s = tern_checksum_add(s, p + split, size - split);
  if (tern_checksum_finish(s) != want) {
    abort();
  }
  if (tern_checksum(p, size) != want) {
    abort();
  }
  tern_csum c = tern_checksum_copy(0, b + dalign, p, split);
  c = tern_checksum_copy(c, b + dalign + split, p + split, size - split);
  if (tern_checksum_finish(c) != want || memcmp(b + dalign, p, size) != 0) {
    abort();
  }
  free(a);
  free(b);
  return 0;
}
