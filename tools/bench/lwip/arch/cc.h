/* lwIP's compiler/platform header for tools/bench/lwip_size.sh: lwIP
 * 2.1.3 built NO_SYS=1 for a Cortex-M0 with arm-none-eabi-gcc and
 * newlib-nano, the way tern's board build compiles tern. Benchmark only:
 * never part of tern's build. */
#ifndef TERN_BENCH_LWIP_ARCH_CC_H
#define TERN_BENCH_LWIP_ARCH_CC_H

#include <stdint.h>

/* Byte order: lwIP's default (little-endian, as the Cortex-M0 is). The
 * byte swaps stay lwIP's own functions (lwip_htons/lwip_htonl in def.c);
 * a port may map them to __builtin_bswap16/32 (REV16/REV on ARMv6-M). */

/* The release build: tern's size firmware is -c opt (-DNDEBUG), so lwIP's
 * assertions go too. LWIP_ERROR (argument checks with a handler) stays:
 * it is run-time behaviour, like tern's own refusals. */
#define LWIP_NOASSERT
#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
  } while (0)
#define LWIP_PLATFORM_ASSERT(x) \
  do {                          \
  } while (0)

/* SYS_LIGHTWEIGHT_PROT: the interrupt state saved by sys_arch_protect()
 * (PRIMASK), implemented in main.c like tern's port_critical. */
typedef uint32_t sys_prot_t;

/* The same RNG tern's size firmware gets (a constant): udp_init draws the
 * first ephemeral port from it, as tern's ports come from its RNG. */
uint32_t bench_rand(void);
#define LWIP_RAND() bench_rand()

#endif
