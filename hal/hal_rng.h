/* A source of random bytes: a hardware RNG on a board, getrandom() on the
 * host. Used for initial sequence numbers, DNS query IDs, port choice and
 * protocol jitter. Filling is quick on every supported device, so it is a
 * plain call rather than a poll. */
#ifndef TERN_HAL_RNG_H
#define TERN_HAL_RNG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_rng {
  /* Fills len bytes; returns 0 or a negative tern_err (TERN_EIO). */
  int (*fill)(void *self, void *buf, size_t len);
  void *self;
} tern_rng;

static inline int tern_rng_fill(const tern_rng *rng, void *buf, size_t len) {
  return rng->fill(rng->self, buf, len);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_HAL_RNG_H */
