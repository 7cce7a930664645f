/* What a Cortex-M board's timer hardware gives the shared port (port.c).
 *
 * The board runs one counter that restarts from 0 every period_ms
 * milliseconds (a whole number, so no fraction of a millisecond is lost at
 * a wrap), raising a "wrap" event and its interrupt as it does, and one
 * one-shot alarm at a tick inside the current period. The shared port
 * counts the milliseconds before the current period (the epoch), turns
 * ticks into milliseconds, and programs the alarm for the earliest
 * deadline; a deadline past the end of the period needs no alarm, because
 * the wrap interrupt wakes the core there and the wait is simply made
 * again. Every function below is called with interrupts masked.
 *
 * A board implements the tern__cm_clock_* functions and the two
 * constants, and its timer interrupt handlers call tern__cm_clock_irq().
 * Board code only: applications use tern/port.h. */
#ifndef TERN_CORTEX_M_CLOCK_H
#define TERN_CORTEX_M_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Counter ticks per millisecond. */
extern const uint32_t tern__cm_clock_ticks_per_ms;

/* Length of the counter's period; period_ms * ticks_per_ms must fit in 32
 * bits. It is also the longest sleep without a wake-up. */
extern const uint32_t tern__cm_clock_period_ms;

/* Starts the counter at tick 0 with its wrap interrupt enabled and the
 * alarm off. Called once, on the first use of the clock. */
void tern__cm_clock_start(void);

/* Ticks since the start of the current period, in
 * [0, period_ms * ticks_per_ms). The tick at which the wrap event is
 * raised reads as 0 of the new period. */
uint32_t tern__cm_clock_ticks(void);

/* If the wrap event is pending, clears it and returns true. The port
 * calls it after reading the ticks: a pending wrap means the read may
 * belong to either period, so the port adds a period and reads again. */
bool tern__cm_clock_take_wrap(void);

/* Arms the one-shot alarm for `tick` of the current period (replacing any
 * armed one), so that its interrupt is raised when the counter reaches it,
 * not before. Returns false, with no alarm armed, if the counter is already
 * at or past `tick`. */
bool tern__cm_clock_alarm_set(uint32_t tick);

/* Disarms the alarm and clears its event. */
void tern__cm_clock_alarm_cancel(void);

/* For the board's wrap interrupt handler: accounts a pending wrap. (The
 * alarm's handler only has to clear its event: waking the core from WFI
 * was its whole job.) */
void tern__cm_clock_irq(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CORTEX_M_CLOCK_H */
