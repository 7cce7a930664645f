/* HalfSipHash-2-4 with a 32-bit result (Aumasson and Bernstein's SipHash
 * family, the variant for 32-bit cores): a keyed hash whose outputs an
 * observer cannot predict or invert without the 64-bit key. tern keys it
 * from the RNG for identifiers an off-path attacker must not guess: IPv4
 * identification values (RFC 7739), and later TCP initial sequence numbers
 * (RFC 6528). Linux uses the same construction for the same jobs. */
#ifndef TERN_SIPHASH_H
#define TERN_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A key: its 8 bytes as the two words the algorithm reads them as (the
 * reference implementation's k0 and k1, little-endian), like Linux's
 * hsiphash_key_t. A random key needs no conversion: fill it from the
 * RNG. */
typedef struct tern_hsiphash_key {
  uint32_t k[2];
} tern_hsiphash_key;

/* The hash of data[0..len) under key. */
uint32_t tern_hsiphash(const tern_hsiphash_key *key, const void *data,
                       size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SIPHASH_H */
