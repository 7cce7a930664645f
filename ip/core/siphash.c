/* HalfSipHash-2-4, 32-bit output: two compression rounds per 4-byte word,
 * four finalisation rounds. See siphash.h. Written for size: the state is
 * an array the one round function loops over, and every word of the
 * message (the last one too) is read by one byte loop. */
#include "tern/siphash.h"

static uint32_t rotl(uint32_t x, unsigned b) {
  return (x << b) | (x >> (32 - b));
}

/* The n bytes at p (at most 4, any alignment) as a little-endian word:
 * the algorithm reads its input that way on every machine. */
static uint32_t le(const uint8_t *p, size_t n) {
  uint32_t w = 0;
  while (n-- > 0) {
    w = w << 8 | p[n];
  }
  return w;
}

/* n SipRounds. */
static void rounds(uint32_t *v, int n) {
  do {
    v[0] += v[1];
    v[1] = rotl(v[1], 5) ^ v[0];
    v[0] = rotl(v[0], 16);
    v[2] += v[3];
    v[3] = rotl(v[3], 8) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 7) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 13) ^ v[2];
    v[2] = rotl(v[2], 16);
  } while (--n > 0);
}

uint32_t tern_hsiphash(const tern_hsiphash_key *key, const void *data,
                       size_t len) {
  const uint8_t *in = data;
  uint32_t k0 = key->k[0], k1 = key->k[1];
  /* The constants are "some" and "tedb" of "somepseudorandomlygenerated
   * bytes", as in SipHash. */
  uint32_t v[4] = {k0, k1, 0x6c796765u ^ k0, 0x74656462u ^ k1};
  /* Each 4-byte word, then the last one: the bytes that remain (none
   * when len is a multiple of 4) and the length's low byte on top. */
  for (size_t i = 0;; i += 4) {
    size_t n = len - i < 4 ? len - i : 4;
    uint32_t m = le(in + i, n);
    if (n < 4) {
      m |= (uint32_t)len << 24;
    }
    v[3] ^= m;
    rounds(v, 2);
    v[0] ^= m;
    if (n < 4) {
      break;
    }
  }
  v[2] ^= 0xff;
  rounds(v, 4);
  return v[1] ^ v[3];
}
