/* Checksums a 1 MiB buffer a few times; run under callgrind by
 * bench_callgrind.sh to count instructions per byte of tern_checksum_add
 * (whole_buffer; see README.md). Also prints a wall-clock figure when run
 * directly.
 *
 * Then the shapes a TCP segment has, each in its own function so that
 * callgrind can count it alone (--toggle-collect=NAME):
 * - segment_sums: what one side of a bulk transfer sums per segment: the
 *   IPv4 pseudo-header, the 20-byte IPv4 header and a 1,480-byte TCP
 *   segment at a 4-aligned (not 8-aligned) address, as in a packet buffer;
 * - copy_then_sum: memcpy of 1,448 bytes into a packet, then
 *   tern_checksum_add over them (what tcp_output does);
 * - copy_and_sum: tern_checksum_copy of the same bytes (one pass). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tern/checksum.h"

#define BENCH_BYTES (1u << 20)
#define BENCH_PASSES 8
#define SEGMENTS 1000
#define SEGMENT 1480
#define PAYLOAD 1448

static _Alignas(64) uint8_t buf[BENCH_BYTES];
static _Alignas(64) uint8_t pkt[2048];

/* What the compiler may not see through: a sum used after the calls. */
static volatile uint16_t sink;

__attribute__((noinline)) static void segment_sums(void) {
  static const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};
  const uint8_t *ip = buf + 12; /* 4-aligned, as after a link header */
  for (int i = 0; i < SEGMENTS; i++) {
    sink = tern_checksum(ip, 20);
    tern_csum s = tern_checksum_pseudo(src, dst, 4, 6, SEGMENT);
    sink = tern_checksum_finish(tern_checksum_add(s, ip + 20, SEGMENT));
  }
}

__attribute__((noinline)) static void copy_then_sum(void) {
  for (int i = 0; i < SEGMENTS; i++) {
    memcpy(pkt + 64, buf + 4096 + (size_t)i * 8, PAYLOAD);
    sink = tern_checksum_finish(tern_checksum_add(0, pkt + 64, PAYLOAD));
  }
}

__attribute__((noinline)) static void copy_and_sum(void) {
  for (int i = 0; i < SEGMENTS; i++) {
    sink = tern_checksum_finish(
        tern_checksum_copy(0, pkt + 64, buf + 4096 + (size_t)i * 8, PAYLOAD));
  }
}

/* BENCH_PASSES passes over the 1 MiB buffer. */
__attribute__((noinline)) static tern_csum whole_buffer(void) {
  tern_csum s = 0;
  for (int pass = 0; pass < BENCH_PASSES; pass++) {
    s = tern_checksum_add(s, buf, sizeof buf);
  }
  return s;
}

int main(void) {
  uint32_t x = 12345;
  for (size_t i = 0; i < sizeof buf; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 24);
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  tern_csum s = whole_buffer();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns =
      (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
  printf("bytes %u passes %d checksum %04x\n", BENCH_BYTES, BENCH_PASSES,
         tern_checksum_finish(s));
  printf("%.3f ns/byte (%.2f GB/s)\n",
         ns / ((double)BENCH_BYTES * BENCH_PASSES),
         (double)BENCH_BYTES * BENCH_PASSES / ns);
  segment_sums();
  copy_then_sum();
  copy_and_sum();
  return 0;
}
