/* An async mutex for tasks: a task that finds it locked waits (PENDING)
 * instead of spinning, and unlock hands the lock straight to the task that
 * has waited longest, so nobody barges ahead and no waiter starves.
 *
 *   static tern_mutex bus = TERN_MUTEX_INIT;
 *
 *   typedef struct {
 *     tern_co co;
 *     tern_waiter waiter; // this task's place in the mutex's queue
 *   } user_state;
 *
 *   tern_poll user(user_state *s, tern_cx *cx) {
 *     TERN_CO_BEGIN(&s->co);
 *     TERN_CO_AWAIT(&s->co, tern_mutex_poll_lock(&bus, cx, &s->waiter));
 *     ...                  // the bus is ours, across awaits too
 *     tern_mutex_unlock(&bus);
 *     TERN_CO_END(&s->co);
 *   }
 *
 * For tasks only, not interrupt handlers: an interrupt handler cannot wait,
 * and a lock it took could not be released by the task it interrupted
 * (that task would wait for the handler that waits for it). Share state
 * with interrupt handlers through tern_signal or tern_channel instead.
 * The mutex does not record its owner: unlock from the task that locked. */
#ifndef TERN_MUTEX_H
#define TERN_MUTEX_H

#include <stdbool.h>

#include "tern/poll.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 12 bytes on a 32-bit target (each waiter brings a 16-byte tern_waiter).
 * Zero-initialised, TERN_MUTEX_INIT or tern_mutex_init is unlocked. */
typedef struct tern_mutex {
  tern_waitq waiters; /* tasks waiting for the lock, oldest first */
  uint8_t locked;     /* held, or handed to the waiter woken last */
} tern_mutex;

#define TERN_MUTEX_INIT \
  { TERN_WAITQ_INIT, 0 }

/* Makes the mutex unlocked with nobody waiting. Returns 0, or TERN_EINVAL
 * for a NULL mutex. */
int tern_mutex_init(tern_mutex *m);

/* READY when the caller holds the lock: at once if it was free, or after
 * an unlock handed it over. PENDING otherwise, with the caller queued
 * behind earlier waiters through `waiter` (its own tern_waiter, initialised
 * with TERN_WAITER_INIT, that must stay in place until this returns READY
 * or tern_mutex_cancel). Keep polling with the same waiter. */
tern_poll tern_mutex_poll_lock(tern_mutex *m, tern_cx *cx, tern_waiter *waiter);

/* Takes the lock if it is free and nobody is waiting for it: 0, or
 * TERN_EBUSY. */
int tern_mutex_try_lock(tern_mutex *m);

/* Releases the lock: hands it to the longest waiter (the mutex stays
 * locked, on that waiter's behalf) or, with nobody waiting, unlocks it.
 * Returns 0, or TERN_EINVAL when the mutex was not locked. */
int tern_mutex_unlock(tern_mutex *m);

/* Gives up waiting (a timeout, a select that chose another branch): takes
 * the waiter off the queue. If an unlock had already handed it the lock,
 * the lock goes on to the next waiter (or is released), so it is never
 * lost. A no-op for a waiter that is not waiting. */
void tern_mutex_cancel(tern_mutex *m, tern_waiter *waiter);

/* Whether the mutex is held (or handed over and not yet taken). */
bool tern_mutex_is_locked(const tern_mutex *m);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MUTEX_H */
