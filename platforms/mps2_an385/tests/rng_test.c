/* The AN385's jitter-seeded generator in QEMU (tern/mps2_an385/rng.h).
 * Passes when:
 *  - the seed rounds saw more than one distinct timing (the counters
 *    jittered: without that the seed would be a constant);
 *  - fills are exact (odd lengths, bytes around them untouched) and bad
 *    arguments are TERN_EINVAL;
 *  - 1024 32-bit outputs are all different (a repeat among uniform words
 *    has odds of about 1 in 8000) and every bit position of 4096 outputs
 *    is set 50 +- 5 % of the time (the bound is over 6 sigma);
 *  - stirring bytes in changes what follows.
 * It prints the first output; rng_two_boots_test boots it twice and
 * checks the two differ. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tern/board.h"
#include "tern/err.h"
#include "tern/mps2_an385/rng.h"
#include "test_log.h"

enum { UNIQUE = 1024, BALANCE = 4096 };

static tern_mps2_rng state;
static uint32_t words[UNIQUE];

static uint32_t next32(const tern_rng *rng) {
  uint32_t w = 0;
  test_check(tern_rng_fill(rng, &w, sizeof w) == 0, "fill a word");
  return w;
}

int main(void) {
  tern_board_console_puts("rng test\r\n");
  test_check(tern_mps2_rng_init(NULL) == TERN_EINVAL, "init NULL");
  test_check(tern_mps2_rng_init(&state) == 0, "init");
  tern_rng rng = tern_mps2_rng_get(&state);
  test_print_u32("rng: seeded from ", state.seed_distinct, " distinct timings");
  test_print_u32(" of ", TERN_MPS2_RNG_SEED_ROUNDS, "\r\n");
  test_check(state.seed_distinct > 1, "the counters jitter");

  uint32_t first[2] = {next32(&rng), next32(&rng)};
  test_print_u32("rng: first ", first[0], " ");
  test_print_u32("", first[1], "\r\n");

  /* Exact fills. */
  uint8_t buf[21];
  for (size_t len = 0; len <= 19; len++) {
    memset(buf, 0xa5, sizeof buf);
    test_check(tern_rng_fill(&rng, buf + 1, len) == 0, "fill");
    bool guards = buf[0] == 0xa5;
    for (size_t i = len + 1; i < sizeof buf; i++) {
      guards = guards && buf[i] == 0xa5;
    }
    test_check(guards, "a fill writes exactly len bytes");
  }
  test_check(tern_rng_fill(&rng, NULL, 0) == 0, "fill of 0 bytes");
  test_check(tern_rng_fill(&rng, NULL, 4) == TERN_EINVAL, "fill NULL");
  test_check(tern_mps2_rng_stir(NULL, buf, 1) == TERN_EINVAL, "stir NULL");
  test_check(tern_mps2_rng_stir(&state, NULL, 1) == TERN_EINVAL,
             "stir NULL data");

  /* No repeats. Insertion into a sorted array: 1024 words, no heap. */
  size_t n = 0;
  bool repeat = false;
  for (int i = 0; i < UNIQUE; i++) {
    uint32_t w = next32(&rng);
    size_t j = n;
    while (j > 0 && words[j - 1] > w) {
      words[j] = words[j - 1];
      j--;
    }
    repeat = repeat || (j > 0 && words[j - 1] == w);
    words[j] = w;
    n++;
  }
  test_check(!repeat, "1024 different words");

  /* Bit balance. */
  uint32_t ones[32] = {0};
  for (int i = 0; i < BALANCE; i++) {
    uint32_t w = next32(&rng);
    for (int b = 0; b < 32; b++) {
      ones[b] += (w >> b) & 1;
    }
  }
  uint32_t lo = BALANCE, hi = 0;
  for (int b = 0; b < 32; b++) {
    lo = ones[b] < lo ? ones[b] : lo;
    hi = ones[b] > hi ? ones[b] : hi;
  }
  test_print_u32("rng: ones per bit in 4096 words: ", lo, "..");
  test_print_u32("", hi, "\r\n");
  test_check(lo >= BALANCE * 45 / 100 && hi <= BALANCE * 55 / 100,
             "every bit set 50 +- 5 % of the time");

  /* Stirring changes what follows: two copies of the state, one stirred. */
  tern_mps2_rng copy = state;
  tern_rng rng_copy = tern_mps2_rng_get(&copy);
  const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  test_check(tern_mps2_rng_stir(&state, mac, sizeof mac) == 0, "stir");
  uint64_t x = 0, y = 0;
  test_check(tern_rng_fill(&rng, &x, sizeof x) == 0, "fill x");
  test_check(tern_rng_fill(&rng_copy, &y, sizeof y) == 0, "fill y");
  test_check(x != y, "stirring changes the sequence");

  if (test_failures() != 0) {
    test_print_u32("rng test: ", (uint32_t)test_failures(), " failed\r\n");
    return 1;
  }
  tern_board_console_puts("rng test: all passed\r\n");
  return 0;
}
