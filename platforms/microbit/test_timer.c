/* The port tests' spare interrupt on the nRF51's TIMER1 (IRQ 9): 16 bits
 * (all TIMER1 has on silicon) at 31.25 kHz (16 MHz / 2^9), one-shot
 * through the COMPARE0_CLEAR and COMPARE0_STOP shorts. */
#include "tern/cortex_m/test_timer.h"

#include <stdint.h>

#include "tern/cortex_m/nvic.h"

#define TIMER1_BASE 0x40009000u
#define REG(off) (*(volatile uint32_t *)(TIMER1_BASE + (off)))
#define TASKS_START REG(0x000)
#define TASKS_STOP REG(0x004)
#define TASKS_CLEAR REG(0x00c)
#define EVENTS_COMPARE0 REG(0x140)
#define SHORTS REG(0x200)
#define INTENSET REG(0x304)
#define MODE REG(0x504)
#define BITMODE REG(0x508)
#define PRESCALER REG(0x510)
#define CC0 REG(0x540)

enum {
  SHORT_COMPARE0_CLEAR = 1u << 0,
  SHORT_COMPARE0_STOP = 1u << 8,
  INT_COMPARE0 = 1u << 16,
  BITMODE_16 = 0,
  PRESCALER_31250HZ = 9,
};

const unsigned tern_test_timer_irq = 9;

void tern_test_timer_start(uint32_t ms) {
  TASKS_STOP = 1;
  MODE = 0;
  BITMODE = BITMODE_16;
  PRESCALER = PRESCALER_31250HZ;
  SHORTS = SHORT_COMPARE0_CLEAR | SHORT_COMPARE0_STOP;
  CC0 = ms * 125u / 4u; /* 31.25 ticks per ms */
  EVENTS_COMPARE0 = 0;
  INTENSET = INT_COMPARE0;
  tern_nvic_enable(tern_test_timer_irq);
  TASKS_CLEAR = 1;
  TASKS_START = 1;
}

void tern_irq9_handler(void) {
  EVENTS_COMPARE0 = 0;
  tern_test_timer_fired();
}
