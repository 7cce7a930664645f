/* A tern_rng (tern/hal_rng.h) for the MPS2 AN385, which has no random
 * number hardware: a pseudo-random generator seeded from timing jitter.
 *
 *   static tern_mps2_rng rng_state;
 *   tern_mps2_rng_init(&rng_state);                 // ~1 ms: samples jitter
 *   tern_mps2_rng_stir(&rng_state, mac, 6);         // optional: per-board
 * bytes tern_rng rng = tern_mps2_rng_get(&rng_state); tern_rng_fill(&rng,
 * &ip_id_key, sizeof ip_id_key);
 *
 * NOT A CRYPTOGRAPHIC SOURCE. The board has no entropy hardware, so what
 * comes out is only as unpredictable as the timing it was seeded from,
 * and nobody has measured how many bits that is. It is meant for what
 * the IP stack needs: identifiers that an off-path attacker should not
 * guess at a glance (RFC 6056 ephemeral ports, RFC 7739 IPv4
 * identifiers, DNS query IDs). Do not use it for keys, nonces or TCP
 * sequence numbers that must resist an attacker who can see traffic.
 *
 * Where the seed comes from. tern_mps2_rng_init times runs of slow
 * register reads (the UART's status, the LAN9118's BYTE_TEST), whose
 * length depends on the samples so far, against the LAN9118's 25 MHz
 * FREE_RUN counter and the CMSDK TIMER0 (when the port runs it), and
 * absorbs every reading. On silicon the jitter comes from the bus and the
 * Ethernet chip's own crystal against the CPU's; under QEMU (without
 * -icount) the counters follow the host's clock, so the jitter is the
 * host's scheduling and TCG's timing, and two boots differ (the QEMU test
 * shows it). Under `qemu -icount` time is deterministic and every boot
 * gives the same sequence. tern_mps2_rng_stir adds bytes that differ per
 * board (its MAC address, a serial number): they make two boards differ,
 * not one board's boots.
 *
 * The generator. 128 bits of state, absorbed into with the splitmix64
 * finaliser (a bijective avalanche mix), stepped as xorshift128+ and
 * output through the same finaliser, so no output is a raw state word.
 * Each fill also absorbs a fresh reading of the counters first, so a
 * later output depends on when the earlier ones were taken, not only on
 * the seed. Several fills in the same microsecond are still a plain PRNG
 * sequence.
 *
 * Caller storage, no heap. Not interrupt-safe: fill from task context (or
 * give an interrupt handler its own tern_mps2_rng). */
#ifndef TERN_MPS2_AN385_RNG_H
#define TERN_MPS2_AN385_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "tern/hal_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Jitter samples tern_mps2_rng_init absorbs. */
#define TERN_MPS2_RNG_SEED_ROUNDS 64

/* The generator's state (caller storage; fields are private). */
typedef struct tern_mps2_rng {
  uint64_t s[2];
  /* Distinct timing readings among the seed rounds: 1 means the counters
   * did not move (no jitter was found), so the seed is a constant. For
   * tests and a boot-time sanity check. */
  uint16_t seed_distinct;
} tern_mps2_rng;

/* Seeds rng from timing jitter (TERN_MPS2_RNG_SEED_ROUNDS samples; about
 * a millisecond in QEMU). Returns 0, or TERN_EINVAL if rng is NULL. */
int tern_mps2_rng_init(tern_mps2_rng *rng);

/* Absorbs len bytes (a MAC address, a serial number) into the state.
 * Returns 0, or TERN_EINVAL (rng NULL, or data NULL with len > 0). */
int tern_mps2_rng_stir(tern_mps2_rng *rng, const void *data, size_t len);

/* The generator as a tern_rng: its fill returns 0 (the generator cannot
 * run dry), or TERN_EINVAL for a NULL buffer with len > 0. rng must have
 * been initialised and stays the caller's. */
tern_rng tern_mps2_rng_get(tern_mps2_rng *rng);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MPS2_AN385_RNG_H */
