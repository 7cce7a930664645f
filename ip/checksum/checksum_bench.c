/* Checksums a 1 MiB buffer a few times; run under callgrind by
 * bench_callgrind.sh to count instructions per byte of tern_checksum_add
 * (see README.md). Also prints a wall-clock figure when run directly. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tern/checksum.h"

#define BENCH_BYTES (1u << 20)
#define BENCH_PASSES 8

static _Alignas(64) uint8_t buf[BENCH_BYTES];

int main(void) {
  uint32_t x = 12345;
  for (size_t i = 0; i < sizeof buf; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 24);
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  tern_csum s = 0;
  for (int pass = 0; pass < BENCH_PASSES; pass++) {
    s = tern_checksum_add(s, buf, sizeof buf);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns =
      (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
  printf("bytes %u passes %d checksum %04x\n", BENCH_BYTES, BENCH_PASSES,
         tern_checksum_finish(s));
  printf("%.3f ns/byte (%.2f GB/s)\n",
         ns / ((double)BENCH_BYTES * BENCH_PASSES),
         (double)BENCH_BYTES * BENCH_PASSES / ns);
  return 0;
}
