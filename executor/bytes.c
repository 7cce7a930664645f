/* The out-of-line loads of bytes.h. */
#include "tern/bytes.h"

uint32_t tern_ld32(const void *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
