/* lwIP's compiler/platform header for tools/bench/lwip_bulk.sh: lwIP 2.1.3
 * built NO_SYS=1 for the host (x86-64, gcc), for the bulk-transfer
 * benchmark only; never part of tern's build. */
#ifndef TERN_BENCH_LWIP_BULK_ARCH_CC_H
#define TERN_BENCH_LWIP_BULK_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>

/* Byte order: little-endian (x86-64), lwIP's default. */

/* Release build, as tern's -c opt: no assertions, no diagnostics. */
#define LWIP_NOASSERT
#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
  } while (0)
#define LWIP_PLATFORM_ASSERT(x) \
  do {                          \
  } while (0)

/* ISNs and the first ephemeral port (bulk.c's splitmix64). */
uint32_t bench_rand(void);
#define LWIP_RAND() bench_rand()

#endif
