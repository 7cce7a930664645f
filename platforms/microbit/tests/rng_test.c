/* The nRF51 RNG in QEMU: 256 bytes, then 256 more. Passes when the bytes
 * are not all equal, take many different values (at least 100 of 256;
 * uniform bytes give about 162), and the two fills differ. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tern/board.h"
#include "tern/microbit/rng.h"
#include "tern/port.h"
#include "test_log.h"

enum { N = 256 };

static uint8_t a[N];
static uint8_t b[N];

int main(void) {
  tern_board_console_puts("rng test\r\n");
  tern_rng rng = tern_microbit_rng();
  tern_time t0 = tern_port_now();
  int err = tern_rng_fill(&rng, a, sizeof a);
  tern_time t1 = tern_port_now();
  test_check(err == 0, "fill a");
  test_check(tern_rng_fill(&rng, b, sizeof b) == 0, "fill b");
  test_check(tern_rng_fill(&rng, b, 0) == 0, "fill of 0 bytes");

  bool seen[256] = {false};
  uint32_t distinct = 0;
  bool all_equal = true;
  for (size_t i = 0; i < N; i++) {
    if (!seen[a[i]]) {
      seen[a[i]] = true;
      distinct++;
    }
    all_equal = all_equal && a[i] == a[0];
  }
  test_print_u32("rng: 256 bytes in ", t1 - t0, " ms, ");
  test_print_u32("", distinct, " distinct values\r\n");
  test_check(!all_equal, "not all equal");
  test_check(distinct >= 100, "at least 100 distinct values");
  test_check(memcmp(a, b, N) != 0, "two fills differ");
  if (test_failures() != 0) {
    test_print_u32("rng test: ", (uint32_t)test_failures(), " failed\r\n");
    return 1;
  }
  tern_board_console_puts("rng test: all passed\r\n");
  return 0;
}
