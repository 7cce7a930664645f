/* A wait queue: any number of tasks wait for a condition; whoever changes
 * it wakes one waiter (FIFO) or all. Each waiter brings a tern_waiter node
 * in its own state, so the queue needs no storage of its own.
 *
 *   // waiting side, in a poll function:
 *   while (!condition) {
 *     if (tern_waitq_poll(&q, &s->waiter, cx) == TERN_PENDING)
 *       return TERN_PENDING;
 *   }
 *   // changing side:
 *   condition = true;
 *   tern_waitq_wake_one(&q);
 *
 * Safe against interrupt handlers that wake (the port's critical section
 * guards the list; wakers are called outside it). */
#ifndef TERN_WAITQ_H
#define TERN_WAITQ_H

#include <stdbool.h>

#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_waiter {
  struct tern_waiter *next;
  tern_waker waker;
  uint8_t queued; /* on a queue */
  uint8_t woken;  /* taken off the queue by a wake, not yet seen */
} tern_waiter;

typedef struct tern_waitq {
  tern_waiter *head;
  tern_waiter *tail;
} tern_waitq;

#define TERN_WAITQ_INIT \
  { NULL, NULL }
#define TERN_WAITER_INIT \
  { NULL, {NULL, NULL}, 0, 0 }

/* First call: queues w with cx's waker and returns PENDING. Later calls
 * while queued refresh the waker and return PENDING. After a wake took w
 * off the queue: returns READY once (and w is reusable). */
tern_poll tern_waitq_poll(tern_waitq *q, tern_waiter *w, tern_cx *cx);

/* Takes w off the queue if it is on it (the waiter gave up). If a wake had
 * already chosen w, that wake is passed on to the next waiter so it is not
 * lost. A w waiting on another queue, or chosen by a wake of another
 * queue, is left as it is (here and in tern_waitq_remove). */
void tern_waitq_cancel(tern_waitq *q, tern_waiter *w);

/* Takes w off the queue if it is on it, without passing a wake on: for a
 * waiter that got what it waited for anyway, or whose wake carried
 * something the caller hands on itself (a mutex's lock). Returns whether a
 * wake had chosen w (the wake is consumed). Calls no waker, so it may be
 * called inside the caller's critical section. */
bool tern_waitq_remove(tern_waitq *q, tern_waiter *w);

/* Wakes the longest-waiting waiter. Returns whether there was one. */
bool tern_waitq_wake_one(tern_waitq *q);

/* Wakes every waiter. Returns how many. */
unsigned tern_waitq_wake_all(tern_waitq *q);

/* Whether nobody is waiting. */
bool tern_waitq_empty(const tern_waitq *q);

/* tern_waitq_empty for a caller already inside the port's critical section
 * (a pool that tests for waiters in the section where it frees). */
static inline bool tern__waitq_empty_locked(const tern_waitq *q) {
  return q->head == NULL;
}

/* Whether w is in no wait: on no queue, and holding no wake it has not
 * seen (fresh, or reusable after READY or a cancel). A poll tests its
 * condition itself only then; a waiter already waiting keeps its place.
 * For the waiter's own task (read outside the critical section). */
static inline bool tern_waiter_idle(const tern_waiter *w) {
  return !w->queued && !w->woken;
}

/* The waker w waits with while it is on a queue, else the empty waker:
 * for an owner that ends the wait from outside (a socket closed, an error)
 * and wakes the waiter so that it sees. */
static inline tern_waker tern_waiter_waker(const tern_waiter *w) {
  tern_waker none = {NULL, NULL};
  return w->queued ? w->waker : none;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_WAITQ_H */
