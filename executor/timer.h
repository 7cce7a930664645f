/* Timers: an intrusive queue of deadlines ordered by time, one per program,
 * with the port's alarm set for the earliest. The executor fires expired
 * timers between batches and sleeps until the earliest deadline.
 *
 * A tern_timer is caller storage (usually in a task's state struct). It is
 * armed by the first poll that finds its deadline in the future and
 * disarmed when it fires, when polled after its deadline, or by
 * tern_timer_cancel. Do not let an armed timer's storage go out of scope:
 * cancel it first. */
#ifndef TERN_TIMER_H
#define TERN_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/poll.h"
#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_timer {
  struct tern_timer *next; /* deadline-queue link */
  tern_time deadline;
  tern_waker waker;
  uint8_t armed;
  uint8_t started; /* sleep_for: the deadline has been computed */
} tern_timer;

#define TERN_TIMER_INIT \
  { NULL, 0, {NULL, NULL}, 0, 0 }

/* Current time from the port. */
tern_time tern_now(void);

/* READY once the clock reaches deadline; until then armed with cx's waker. */
tern_poll tern_sleep_until(tern_timer *t, tern_cx *cx, tern_time deadline);

/* READY `ms` after the first poll (the deadline is fixed then and kept in
 * the timer; tern_timer_cancel or completion resets it). */
tern_poll tern_sleep_for(tern_timer *t, tern_cx *cx, uint32_t ms);

/* Disarms the timer (a no-op if it is not armed) and resets sleep_for. */
void tern_timer_cancel(tern_timer *t);

/* Composes a deadline with any other operation: pass what the operation's
 * poll just returned as `inner`. READY when the operation is (timer
 * cancelled, *expired = false) or the deadline `ms` after the first call
 * passed (*expired = true); PENDING otherwise, with both the operation's
 * registration and the timer's in place. */
tern_poll tern_with_timeout(tern_timer *t, tern_cx *cx, tern_poll inner,
                            uint32_t ms, bool *expired);

/* For the executor and tests: wakes every timer whose deadline is not after
 * now and removes it from the queue. Returns how many fired. */
unsigned tern_timers_fire(tern_time now);

/* For the executor: the head of the deadline queue, so the run loop can
 * skip reading the clock when no timer is armed. Read-only. */
extern tern_timer *tern__timer_queue;

/* For the executor: the earliest armed deadline, if any. */
bool tern_timers_next(tern_time *deadline);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TIMER_H */
