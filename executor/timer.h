/* Timers: deadlines kept in a timer queue, an intrusive list ordered by
 * time. Each executor has its own queue: it fires the queue's expired
 * timers between batches and sleeps in the port until the earliest
 * deadline. A poll's context (tern_cx) names the queue of whoever polls, and
 * the timer polls below arm their timer there, so a program may run
 * several executors (on several threads, or one at interrupt priority
 * beside the main one), each with its own timers.
 *
 * A tern_timer is caller storage (usually in a task's state struct). It is
 * armed by the first poll that finds its deadline in the future and
 * disarmed when it fires, when polled after its deadline, or by
 * tern_timer_cancel. Do not let an armed timer's storage go out of scope,
 * or reset it (TERN_TIMER_INIT, memset): cancel it first. A tern_select
 * branch that lost keeps its timer armed: cancel it before reusing or
 * freeing the branch's state. Nor reset a queue (or re-initialise its
 * executor) while timers are armed in it. Debug builds catch three forms
 * of this: a timer armed while it is still linked in the queue (its
 * storage was reset while armed), a pooled task that finishes with a
 * timer still armed in its slot in its executor's queue, each of which
 * calls tern_assert_failed and takes the timer out; and a timer polled for
 * its deadline in a queue that no longer holds it (the queue was reset),
 * which calls it and arms the timer again. Release builds do not look.
 *
 * A queue is used from its executor's task context only (its run loop and
 * the polls it makes), so it needs no critical section; an armed timer
 * belongs to its queue's context, and only that context may cancel it or
 * re-arm it (a re-arm from another queue's context moves it, which touches
 * both queues: do it only where both belong to the same thread, or cancel
 * it first in the owner's context). */
#ifndef TERN_TIMER_H
#define TERN_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/poll.h"
#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_timer tern_timer;

/* A deadline queue: the armed timers in deadline order (equal deadlines in
 * arming order). Zero-initialised (or TERN_TIMER_QUEUE_INIT) it is empty.
 * The executor embeds one (tern_executor.timers). */
struct tern_timer_queue {
  tern_timer *head; /* the earliest deadline first */
};

#define TERN_TIMER_QUEUE_INIT \
  { NULL }

struct tern_timer {
  tern_timer *next; /* deadline-queue link */
  tern_time deadline;
  tern_waker waker;
  tern_timer_queue *queue; /* the queue it is armed in; NULL: not armed */
  uint8_t started;         /* sleep_for: the deadline has been computed */
};

#define TERN_TIMER_INIT \
  { NULL, 0, {NULL, NULL}, NULL, 0 }

/* Current time from the port. */
static inline tern_time tern_now(void) {
  return tern_port_now();
}

/* READY once the clock reaches deadline (at once for a deadline 2^31 ms
 * or more ahead, which the wrapping clock cannot tell from one passed);
 * until then armed in cx's timer
 * queue (cx->timers) with cx's waker. A timer armed in another queue is
 * moved to cx's, one armed for another deadline moved to this one's place,
 * and a tern_sleep_for in progress on it ends (see there).
 *
 * cx->timers NULL (a poller with no timer queue) is a bug: debug builds
 * call tern_assert_failed. Then, and in release builds, the timer is
 * disarmed, cx's waker is called at once and PENDING returned: the poller
 * polls again soon and the sleep still ends at its deadline, by polling
 * (busily) rather than by a timer. */
tern_poll tern_sleep_until(tern_timer *t, tern_cx *cx, tern_time deadline);

/* The longest sleep tern_sleep_for and tern_with_timeout take: 2^31 - 1
 * ms (24.8 days), the furthest deadline tern_time_before still sees in
 * the future on the wrapping clock. A longer ms is cut to it (not read as
 * a deadline already passed). */
#define TERN_SLEEP_MAX_MS 0x7fffffffu

/* READY `ms` (at most TERN_SLEEP_MAX_MS: more is cut to it) after the
 * first poll (the deadline is fixed then and kept in the timer;
 * tern_timer_cancel, completion, or a tern_sleep_until poll of the same
 * timer resets it, and the next tern_sleep_for starts afresh). Armed as
 * tern_sleep_until is. */
tern_poll tern_sleep_for(tern_timer *t, tern_cx *cx, uint32_t ms);

/* Disarms the timer from whichever queue it is in (a no-op if it is not
 * armed) and resets sleep_for. Needs no context: the timer knows its
 * queue. */
void tern_timer_cancel(tern_timer *t);

/* Composes a deadline with any other operation: pass what the operation's
 * poll just returned as `inner`. READY when the operation is (timer
 * cancelled, *expired = false) or the deadline `ms` (cut to
 * TERN_SLEEP_MAX_MS) after the first call passed (*expired = true); PENDING
 * otherwise, with both the operation's registration and the timer's (in cx's
 * queue) in place. */
tern_poll tern_with_timeout(tern_timer *t, tern_cx *cx, tern_poll inner,
                            uint32_t ms, bool *expired);

/* Prepares an empty queue (the same as TERN_TIMER_QUEUE_INIT). */
void tern_timer_queue_init(tern_timer_queue *q);

/* For the executor, and tests that drive polls by hand: wakes every timer
 * in q whose deadline is not after now and removes it from the queue.
 * Returns how many fired. */
unsigned tern_timer_queue_fire(tern_timer_queue *q, tern_time now);

/* The earliest deadline armed in q: false if none, else true with it in
 * *deadline. */
bool tern_timer_queue_next(const tern_timer_queue *q, tern_time *deadline);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TIMER_H */
