/* The AN385's jitter-seeded generator. See tern/mps2_an385/rng.h.
 *
 * Registers read (never written): LAN9118 (0x40200000) FREE_RUN 0x9C, a
 * 25 MHz counter that runs from reset, and BYTE_TEST 0x64 (0x87654321
 * when the chip answers); CMSDK UART0 (0x40004000) STATE 0x04; CMSDK
 * TIMER0 (0x40000000) VALUE 0x04, counting down while the port's clock
 * runs (0 before). Reading them disturbs neither the LAN9118 driver nor
 * the console nor the port. */
#include "tern/mps2_an385/rng.h"

#include <stdbool.h>

#include "tern/err.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define LAN_FREE_RUN REG(0x4020009cu)
#define LAN_BYTE_TEST REG(0x40200064u)
#define UART0_STATE REG(0x40004004u)
#define TIMER0_VALUE REG(0x40000004u)

#define GOLDEN 0x9e3779b97f4a7c15ull

/* splitmix64's finaliser (Steele, Lea, Flood 2014): a bijection whose
 * every output bit depends on every input bit. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Folds one 64-bit reading into both state words. */
static void absorb(tern_mps2_rng *r, uint64_t x) {
  r->s[0] = mix64(r->s[0] + x + GOLDEN);
  r->s[1] = mix64(r->s[1] ^ r->s[0]);
  if ((r->s[0] | r->s[1]) == 0) {
    r->s[1] = GOLDEN; /* xorshift must never see an all-zero state */
  }
}

/* The counters now: the LAN9118's free-running count in the low word,
 * TIMER0's in the high one. */
static uint64_t counters(void) {
  return (uint64_t)LAN_FREE_RUN | (uint64_t)TIMER0_VALUE << 32;
}

/* xorshift128+ (Vigna 2014), its sum passed through the finaliser so that
 * no output is the linear state. */
static uint64_t next(tern_mps2_rng *r) {
  uint64_t x = r->s[0];
  uint64_t y = r->s[1];
  r->s[0] = y;
  x ^= x << 23;
  r->s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
  return mix64(r->s[1] + y);
}

int tern_mps2_rng_init(tern_mps2_rng *r) {
  if (r == NULL) {
    return TERN_EINVAL;
  }
  r->s[0] = 0;
  r->s[1] = GOLDEN;
  /* Distinct deltas, counted in a small table: at most one per round. */
  uint32_t seen[TERN_MPS2_RNG_SEED_ROUNDS];
  uint16_t distinct = 0;
  bool lan = LAN_BYTE_TEST == 0x87654321u;
  for (int i = 0; i < TERN_MPS2_RNG_SEED_ROUNDS; i++) {
    uint64_t t0 = counters();
    /* A run of slow bus reads whose length depends on what was absorbed
     * so far, so the rounds do not fall into one rhythm. */
    uint32_t n = 16 + (uint32_t)(r->s[0] & 15);
    uint32_t acc = 0;
    for (uint32_t k = 0; k < n; k++) {
      acc += UART0_STATE;
      if (lan) {
        acc ^= LAN_BYTE_TEST;
      }
    }
    uint64_t t1 = counters();
    uint32_t delta = (uint32_t)t1 - (uint32_t)t0;
    absorb(r, t1 ^ ((uint64_t)delta << 40) ^ acc);
    int j = 0;
    while (j < distinct && seen[j] != delta) {
      j++;
    }
    if (j == distinct) {
      seen[distinct++] = delta;
    }
  }
  r->seed_distinct = distinct;
  return 0;
}

int tern_mps2_rng_stir(tern_mps2_rng *r, const void *data, size_t len) {
  if (r == NULL || (data == NULL && len > 0)) {
    return TERN_EINVAL;
  }
  const uint8_t *p = data;
  while (len > 0) {
    uint64_t x = 0;
    size_t n = len < 8 ? len : 8;
    for (size_t i = 0; i < n; i++) {
      x |= (uint64_t)p[i] << (8 * i);
    }
    absorb(r, x ^ (uint64_t)n << 56);
    p += n;
    len -= n;
  }
  return 0;
}

static int rng_fill(void *self, void *buf, size_t len) {
  tern_mps2_rng *r = self;
  if (buf == NULL && len > 0) {
    return TERN_EINVAL;
  }
  /* When this fill happens is a little more that an observer of earlier
   * outputs does not know. */
  absorb(r, counters());
  uint8_t *p = buf;
  while (len > 0) {
    uint64_t x = next(r);
    size_t n = len < 8 ? len : 8;
    for (size_t i = 0; i < n; i++) {
      p[i] = (uint8_t)(x >> (8 * i));
    }
    p += n;
    len -= n;
  }
  return 0;
}

tern_rng tern_mps2_rng_get(tern_mps2_rng *r) {
  tern_rng rng = {rng_fill, r};
  return rng;
}
