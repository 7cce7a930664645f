#include "tern/cortex_m/semihosting.h"

#include <stdint.h>

/* Operation numbers and reasons from ARM's semihosting specification. */
enum {
  SYS_WRITE0 = 0x04,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_STOPPED_APPLICATION_EXIT = 0x20026,
};

static uintptr_t semihost_call(uintptr_t op, uintptr_t arg) {
  register uintptr_t r0 __asm__("r0") = op;
  register uintptr_t r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void tern_semihosting_puts(const char *s) {
  semihost_call(SYS_WRITE0, (uintptr_t)s);
}

void tern_semihosting_exit(int code) {
  /* SYS_EXIT_EXTENDED carries the exit code itself; plain SYS_EXIT on
   * 32-bit ARM can only say success or failure, so it is the fallback. */
  uintptr_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)code};
  semihost_call(SYS_EXIT_EXTENDED, (uintptr_t)block);
  semihost_call(SYS_EXIT, ADP_STOPPED_APPLICATION_EXIT);
  for (;;) {
    __asm__ volatile("wfi");
  }
}
