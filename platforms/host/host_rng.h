/* The host's random number source: a tern_rng (tern/hal_rng.h) backed by
 * getrandom(2), the kernel's CSPRNG. It blocks only early in boot, until
 * the kernel's pool is first seeded.
 *
 *   tern_rng rng = tern_host_rng();
 *   uint8_t isn[4];
 *   if (tern_rng_fill(&rng, isn, sizeof isn) != 0) ... TERN_EIO ...
 *
 * No state, no heap; safe from any thread. */
#ifndef TERN_HOST_RNG_H
#define TERN_HOST_RNG_H

#include <stddef.h>

#include "tern/hal_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The getrandom() source. Its fill returns 0, or TERN_EIO if the kernel
 * refuses (no getrandom: Linux older than 3.17, or a seccomp filter). */
tern_rng tern_host_rng(void);

/* What the source's fill calls: fills len bytes of buf from getrandom(),
 * retrying interrupted and partial calls. self is ignored. Returns 0 or
 * TERN_EIO. */
int tern_host_rng_fill(void *self, void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HOST_RNG_H */
