/* The port tests' spare interrupt on the MPS2's CMSDK dual timer
 * (0x40002000, IRQ 10): its first counter, 32-bit one-shot at 25 MHz. */
#include "tern/cortex_m/test_timer.h"

#include <stdint.h>

#include "tern/cortex_m/nvic.h"

#define DUALTIMER1_BASE 0x40002000u
#define REG(off) (*(volatile uint32_t *)(DUALTIMER1_BASE + (off)))
#define LOAD REG(0x00)
#define CONTROL REG(0x08)
#define INTCLR REG(0x0c)

enum {
  CONTROL_ONESHOT = 1u << 0,
  CONTROL_32BIT = 1u << 1,
  CONTROL_INTEN = 1u << 5,
  CONTROL_ENABLE = 1u << 7,
};

const unsigned tern_test_timer_irq = 10;

void tern_test_timer_start(uint32_t ms) {
  CONTROL = 0;
  INTCLR = 1;
  LOAD = ms * 25000u;
  tern_nvic_enable(tern_test_timer_irq);
  CONTROL = CONTROL_ONESHOT | CONTROL_32BIT | CONTROL_INTEN | CONTROL_ENABLE;
}

void tern_irq10_handler(void) {
  INTCLR = 1;
  tern_test_timer_fired();
}
