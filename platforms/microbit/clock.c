/* The port's clock and alarm on the nRF51's TIMER0 (IRQ 8).
 *
 * TIMER0 counts freely in 32-bit mode at 1 MHz (16 MHz / 2^4). The period
 * is kept in software: period_start is the count at which the current
 * period began, and CC[1] = period_start + one period raises the wrap
 * event (COMPARE1) where the next begins. CC[0] is the alarm, CC[2] is
 * where the CAPTURE task puts the counter for reading. The counter is
 * never cleared: QEMU's COMPARE_CLEAR short restarts it at the moment its
 * timer callback runs, late by the host's latency, which would lose that
 * much time at every wrap.
 *
 * Why TIMER0: the nRF51's Cortex-M0 has no SysTick (QEMU 7.2 provides one
 * anyway, clocked from the CPU), and QEMU 7.2's nrf51 SoC models no RTC,
 * only TIMER0-2. On silicon, RTC1 (32.768 kHz from the low-frequency clock)
 * would let the 16 MHz clock stop during sleep; TIMER0 keeps it running,
 * which costs the high-frequency clock's current while asleep. A product
 * port would put the same functions on RTC1. */
#include <stdbool.h>
#include <stdint.h>

#include "tern/cortex_m/clock.h"
#include "tern/cortex_m/nvic.h"

#ifndef TERN_CM_CLOCK_PERIOD_MS
/* 4,000,000 ms (66.7 minutes) is the largest round period whose 1 MHz
 * count fits in 32 bits. Tests shorten it to exercise the wrap. */
#define TERN_CM_CLOCK_PERIOD_MS 4000000u
#endif

#define TIMER0_BASE 0x40008000u
#define REG(off) (*(volatile uint32_t *)(TIMER0_BASE + (off)))
#define TASKS_START REG(0x000)
#define TASKS_STOP REG(0x004)
#define TASKS_CLEAR REG(0x00c)
#define TASKS_CAPTURE(n) REG(0x040 + 4 * (n))
#define EVENTS_COMPARE(n) REG(0x140 + 4 * (n))
#define SHORTS REG(0x200)
#define INTENSET REG(0x304)
#define INTENCLR REG(0x308)
#define MODE REG(0x504)
#define BITMODE REG(0x508)
#define PRESCALER REG(0x510)
#define CC(n) REG(0x540 + 4 * (n))

enum {
  TIMER0_IRQ = 8,
  CC_ALARM = 0,
  CC_WRAP = 1,
  CC_READ = 2,
  INT_COMPARE0 = 1u << 16,
  INT_COMPARE1 = 1u << 17,
  MODE_TIMER = 0,
  BITMODE_32 = 3,
  PRESCALER_1MHZ = 4,
  TICKS_PER_MS = 1000,
};

#define PERIOD_TICKS (TERN_CM_CLOCK_PERIOD_MS * (uint32_t)TICKS_PER_MS)

_Static_assert((uint64_t)TERN_CM_CLOCK_PERIOD_MS *TICKS_PER_MS <= 0xffffffffu,
               "TERN_CM_CLOCK_PERIOD_MS too long for TIMER0's 32 bits at "
               "1 MHz: keep it at most 4294967");

const uint32_t tern__cm_clock_ticks_per_ms = TICKS_PER_MS;
const uint32_t tern__cm_clock_period_ms = TERN_CM_CLOCK_PERIOD_MS;

/* The count at which the current period began. */
static uint32_t period_start;

void tern__cm_clock_start(void) {
  TASKS_STOP = 1;
  MODE = MODE_TIMER;
  BITMODE = BITMODE_32;
  PRESCALER = PRESCALER_1MHZ;
  period_start = 0;
  CC(CC_WRAP) = PERIOD_TICKS;
  SHORTS = 0;
  INTENCLR = INT_COMPARE0;
  EVENTS_COMPARE(CC_ALARM) = 0;
  EVENTS_COMPARE(CC_WRAP) = 0;
  INTENSET = INT_COMPARE1;
  tern_nvic_enable(TIMER0_IRQ);
  TASKS_CLEAR = 1;
  TASKS_START = 1;
}

uint32_t tern__cm_clock_ticks(void) {
  TASKS_CAPTURE(CC_READ) = 1;
  uint32_t ticks = CC(CC_READ) - period_start;
  /* At CC[1] itself the wrap event may not be visible yet: until it is
   * taken, the old period's last tick stands in. */
  return ticks < PERIOD_TICKS ? ticks : PERIOD_TICKS - 1;
}

bool tern__cm_clock_take_wrap(void) {
  if (EVENTS_COMPARE(CC_WRAP) == 0) {
    return false;
  }
  period_start += PERIOD_TICKS;
  /* CC before the event: QEMU 7.2 re-raises a compare event that is
   * cleared while the counter still equals CC (its distance-to-compare
   * wraps to 0), which would count this wrap twice. */
  CC(CC_WRAP) = period_start + PERIOD_TICKS;
  EVENTS_COMPARE(CC_WRAP) = 0;
  return true;
}

bool tern__cm_clock_alarm_set(uint32_t tick) {
  /* CC first, then clear the event: see tern__cm_clock_take_wrap. */
  CC(CC_ALARM) = period_start + tick;
  EVENTS_COMPARE(CC_ALARM) = 0;
  INTENSET = INT_COMPARE0;
  /* A compare only fires when the counter reaches CC: if it was already
   * there or past when CC was written (or the event raised then was just
   * cleared), no event will come this period. */
  if (tern__cm_clock_ticks() >= tick) {
    tern__cm_clock_alarm_cancel();
    return false;
  }
  return true;
}

void tern__cm_clock_alarm_cancel(void) {
  INTENCLR = INT_COMPARE0;
  EVENTS_COMPARE(CC_ALARM) = 0;
}

void tern_irq8_handler(void) {
  if (EVENTS_COMPARE(CC_ALARM) != 0) {
    /* One-shot: the compare would match again when the counter wraps. */
    tern__cm_clock_alarm_cancel();
  }
  tern__cm_clock_irq();
}
