/* The port's clock and alarm on the MPS2's two CMSDK APB timers: TIMER0
 * (0x40000000, IRQ 8) counts the period, TIMER1 (0x40001000, IRQ 9) is the
 * one-shot alarm. Both count down at PCLK, 25 MHz.
 *
 * A CMSDK timer counts from RELOAD down to 0, raises its interrupt on the
 * step from 1 to 0, holds 0 for a tick and reloads, so its period is
 * RELOAD + 1 ticks and the interrupt marks the period's first tick. It has
 * no compare register, so the alarm is a second timer started with the
 * distance to the target: it starts after the clock was read, so it fires
 * at or after the target, never before.
 *
 * Why not SysTick: QEMU 7.2 does clock it on this board (25 MHz CPU clock
 * or the 1 MHz reference), but it is 24 bits wide: at most 0.67 s at
 * 25 MHz, so a long sleep would wake every 0.67 s. The 32-bit timers give
 * a 100 s period. */
#include <stdbool.h>
#include <stdint.h>

#include "tern/cortex_m/clock.h"
#include "tern/cortex_m/nvic.h"

#ifndef TERN_CM_CLOCK_PERIOD_MS
/* 100,000 ms: the largest round period whose 25 MHz count fits in 32
 * bits. Tests shorten it to exercise the wrap. */
#define TERN_CM_CLOCK_PERIOD_MS 100000u
#endif

#define TIMER0_BASE 0x40000000u
#define TIMER1_BASE 0x40001000u
#define CTRL(base) (*(volatile uint32_t *)((base) + 0x0))
#define VALUE(base) (*(volatile uint32_t *)((base) + 0x4))
#define RELOAD(base) (*(volatile uint32_t *)((base) + 0x8))
#define INTSTATUS(base) (*(volatile uint32_t *)((base) + 0xc))

enum {
  TIMER0_IRQ = 8,
  TIMER1_IRQ = 9,
  CTRL_EN = 1u << 0,
  CTRL_IRQEN = 1u << 3,
  INT_FLAG = 1u << 0,
  TICKS_PER_MS = 25000, /* PCLK 25 MHz */
};

#define PERIOD_TICKS (TERN_CM_CLOCK_PERIOD_MS * (uint32_t)TICKS_PER_MS)

_Static_assert((uint64_t)TERN_CM_CLOCK_PERIOD_MS *TICKS_PER_MS <= 0xffffffffu,
               "TERN_CM_CLOCK_PERIOD_MS too long for a 32-bit count at "
               "25 MHz: keep it at most 171798");

const uint32_t tern__cm_clock_ticks_per_ms = TICKS_PER_MS;
const uint32_t tern__cm_clock_period_ms = TERN_CM_CLOCK_PERIOD_MS;

void tern__cm_clock_start(void) {
  CTRL(TIMER1_BASE) = 0;
  INTSTATUS(TIMER1_BASE) = INT_FLAG;
  CTRL(TIMER0_BASE) = 0;
  RELOAD(TIMER0_BASE) = PERIOD_TICKS - 1; /* also loads VALUE */
  INTSTATUS(TIMER0_BASE) = INT_FLAG;
  tern_nvic_enable(TIMER0_IRQ);
  tern_nvic_enable(TIMER1_IRQ);
  CTRL(TIMER0_BASE) = CTRL_EN | CTRL_IRQEN;
}

uint32_t tern__cm_clock_ticks(void) {
  uint32_t value = VALUE(TIMER0_BASE);
  /* RELOAD - 1 ... 1 are ticks 1 ... PERIOD - 1; 0 is the first tick of
   * the next period, the one whose interrupt is the wrap. */
  return value == 0 || value >= PERIOD_TICKS ? 0 : PERIOD_TICKS - value;
}

bool tern__cm_clock_take_wrap(void) {
  if ((INTSTATUS(TIMER0_BASE) & INT_FLAG) == 0) {
    return false;
  }
  INTSTATUS(TIMER0_BASE) = INT_FLAG;
  return true;
}

bool tern__cm_clock_alarm_set(uint32_t tick) {
  tern__cm_clock_alarm_cancel();
  uint32_t now = tern__cm_clock_ticks();
  if (now >= tick) {
    return false;
  }
  RELOAD(TIMER1_BASE) = tick - now; /* also loads VALUE */
  CTRL(TIMER1_BASE) = CTRL_EN | CTRL_IRQEN;
  return true;
}

void tern__cm_clock_alarm_cancel(void) {
  CTRL(TIMER1_BASE) = 0;
  INTSTATUS(TIMER1_BASE) = INT_FLAG;
}

void tern_irq8_handler(void) {
  tern__cm_clock_irq();
}

void tern_irq9_handler(void) {
  /* One-shot: stop TIMER1 before it reloads and fires again. */
  tern__cm_clock_alarm_cancel();
}
