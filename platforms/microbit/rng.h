/* The nRF51 random number generator (0x4000D000) on the micro:bit as a
 * tern_rng (tern/hal_rng.h). Thermal noise, one byte per VALRDY event,
 * with the hardware's bias correction on (about 120 us a byte on
 * silicon, 4 times slower than without, but uniform); fill waits for
 * each byte by polling, as tern_rng is a plain call.
 *
 *   tern_rng rng = tern_microbit_rng();
 *   uint8_t iss[4];
 *   if (tern_rng_fill(&rng, iss, sizeof iss) != 0) ... TERN_EIO ...
 */
#ifndef TERN_MICROBIT_RNG_H
#define TERN_MICROBIT_RNG_H

#include "tern/hal_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The RNG as a tern_rng (no state, no init). fill returns 0, or TERN_EIO
 * when a byte does not come within about 2^22 polls of VALRDY (seconds on
 * silicon). */
tern_rng tern_microbit_rng(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MICROBIT_RNG_H */
