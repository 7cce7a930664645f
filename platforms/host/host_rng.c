/* getrandom() as a tern_rng. See tern/host_rng.h. */
#define _GNU_SOURCE
#include "tern/host_rng.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "tern/err.h"

int tern_host_rng_fill(void *self, void *buf, size_t len) {
  (void)self;
  uint8_t *p = buf;
  while (len > 0) {
    /* getrandom returns at most 33554431 bytes per call, and may return
     * fewer (or EINTR) when a signal arrives during a large request. */
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return TERN_EIO;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

tern_rng tern_host_rng(void) {
  tern_rng rng;
  rng.fill = tern_host_rng_fill;
  rng.self = NULL;
  return rng;
}
