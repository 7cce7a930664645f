/* nRF51 RNG (nRF51 Series Reference Manual, RNG): TASKS_START 0x000,
 * TASKS_STOP 0x004, EVENTS_VALRDY 0x100, CONFIG 0x504 (bit 0: bias
 * correction), VALUE 0x508. Each VALRDY event makes one new byte ready in
 * VALUE. No interrupt: a fill of a few bytes is shorter than a wake-up. */
#include "tern/microbit/rng.h"

#include <stdint.h>

#include "tern/err.h"

#define RNG_BASE 0x4000d000u
#define REG(off) (*(volatile uint32_t *)(RNG_BASE + (off)))
#define TASKS_START REG(0x000)
#define TASKS_STOP REG(0x004)
#define EVENTS_VALRDY REG(0x100)
#define CONFIG REG(0x504)
#define VALUE REG(0x508)

enum { CONFIG_DERCEN = 1u << 0, MAX_POLLS = 1u << 22 };

static int rng_fill(void *self, void *buf, size_t len) {
  (void)self;
  uint8_t *p = buf;
  int err = 0;
  CONFIG = CONFIG_DERCEN;
  EVENTS_VALRDY = 0;
  TASKS_START = 1;
  for (size_t i = 0; i < len && err == 0; i++) {
    uint32_t polls = 0;
    while (EVENTS_VALRDY == 0) {
      if (++polls == MAX_POLLS) {
        err = TERN_EIO;
        break;
      }
    }
    EVENTS_VALRDY = 0;
    p[i] = (uint8_t)VALUE;
  }
  TASKS_STOP = 1;
  return err;
}

tern_rng tern_microbit_rng(void) {
  tern_rng rng = {rng_fill, NULL};
  return rng;
}
