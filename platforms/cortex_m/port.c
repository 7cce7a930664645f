/* The Cortex-M port of tern/port.h, shared by every Cortex-M board: PRIMASK
 * critical sections, a millisecond clock built on the board's timer
 * (tern/cortex_m/clock.h), and a tickless wait in WFI.
 *
 * Why the wait never misses a wake (see also README.md)
 * ------------------------------------------------------
 * The run loop calls tern_port_wait with PRIMASK set, after it looked at
 * its run queue and found nothing to do. A wake can come from:
 *
 *  1. Thread code, before or inside the critical section (a task waking
 *     another): tern_port_notify sets `notified`, which the wait reads
 *     before sleeping, still inside the critical section, so nothing can
 *     change it between the read and the WFI.
 *  2. An interrupt handler that ran before the critical section began: it
 *     set `notified` (and, under tern's executor, queued its task, which
 *     the run loop already saw). Same as 1.
 *  3. An interrupt raised after PRIMASK was set: its handler cannot run,
 *     so it cannot set anything; the interrupt stays pending in the NVIC.
 *     WFI completes at once when an interrupt is pending whose priority
 *     would let it preempt were PRIMASK clear (ARMv6-M and ARMv7-M ARM,
 *     "Wait For Interrupt"), whether it became pending before the WFI or
 *     during it. The wait returns, the caller leaves the critical section,
 *     the handler runs and wakes its task, and the run loop looks again.
 *
 * So a wake is either visible before the WFI or keeps the WFI from
 * sleeping. No SEV is needed: SEV sets the event register that WFE waits
 * for, and this port uses WFI, which the event register does not affect;
 * the pending interrupt is what ends the sleep. Nothing else can run
 * while the core sleeps with PRIMASK set, except an NMI, which PRIMASK
 * does not mask: an NMI must not wake tasks (it could interrupt the run
 * queue's own critical section). The alarm is armed inside the same
 * critical section, and tern__cm_clock_alarm_set reports a deadline that
 * the counter passed while it was being armed, so the deadline cannot slip
 * by either. */
#include <stdbool.h>
#include <stdint.h>

#include "tern/cortex_m/clock.h"
#include "tern/port.h"
#include "tern/port_critical.h"

/* Milliseconds at the start of the counter's current period. */
static tern_time clock_epoch;
static bool clock_started;
/* Set by tern_port_notify (possibly from an interrupt handler), consumed
 * by the next tern_port_wait. A byte store: atomic on every core. */
static volatile bool notified;

/* The section itself is inline in tern/port_critical.h (PRIMASK), for the
 * executor; these are the out-of-line copies everyone else calls. */
tern_irqstate tern_port_critical_enter(void) {
  return tern__port_critical_enter();
}

void tern_port_critical_exit(tern_irqstate state) {
  tern__port_critical_exit(state);
}

/* Ticks into the current period, with a pending wrap accounted for.
 * Interrupts masked. */
static uint32_t clock_sync(void) {
  if (!clock_started) {
    clock_started = true;
    tern__cm_clock_start();
  }
  uint32_t ticks = tern__cm_clock_ticks();
  if (tern__cm_clock_take_wrap()) {
    /* The read may have been either side of the wrap: read again, now
     * certainly in the new period (the next wrap is a period away). */
    clock_epoch += tern__cm_clock_period_ms;
    ticks = tern__cm_clock_ticks();
  }
  return ticks;
}

tern_time tern_port_now(void) {
  tern_irqstate s = tern_port_critical_enter();
  uint32_t ticks = clock_sync();
  tern_time now = clock_epoch + ticks / tern__cm_clock_ticks_per_ms;
  tern_port_critical_exit(s);
  return now;
}

void tern__cm_clock_irq(void) {
  tern_irqstate s = tern_port_critical_enter();
  if (tern__cm_clock_take_wrap()) {
    clock_epoch += tern__cm_clock_period_ms;
  }
  tern_port_critical_exit(s);
}

void tern_port_wait(bool has_deadline, tern_time deadline) {
  if (notified) {
    notified = false;
    return;
  }
  uint32_t ticks = clock_sync();
  if (has_deadline) {
    tern_time now = clock_epoch + ticks / tern__cm_clock_ticks_per_ms;
    if (!tern_time_before(now, deadline)) {
      return;
    }
    /* Milliseconds from the start of the period; no overflow, as the
     * deadline is less than 2^31 ms ahead and now is inside the period. */
    uint32_t at_ms = deadline - clock_epoch;
    if (at_ms < tern__cm_clock_period_ms) {
      if (!tern__cm_clock_alarm_set(at_ms * tern__cm_clock_ticks_per_ms)) {
        return; /* reached while the alarm was being armed */
      }
    } else {
      /* Beyond this period: the wrap interrupt wakes the core at its end
       * and the run loop waits again. */
      tern__cm_clock_alarm_cancel();
    }
  } else {
    tern__cm_clock_alarm_cancel();
  }
  /* DSB: the timer writes above reach the peripheral before the core
   * stops. WFI with PRIMASK set: see the comment at the top. */
  __asm__ volatile(
      "dsb\n\t"
      "wfi"
      :
      :
      : "memory");
}

void tern_port_notify(void) {
  notified = true;
}
