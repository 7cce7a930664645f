#include "tern/waitq.h"

#include "tern/port.h"
#include "tern/port_critical.h"

tern_poll tern_waitq_poll(tern_waitq *q, tern_waiter *w, tern_cx *cx) {
  tern_waker waker = tern_cx_waker(cx);
  tern_irqstate s = tern__port_critical_enter();
  if (w->woken) {
    w->woken = 0;
    tern__port_critical_exit(s);
    return TERN_READY;
  }
  w->waker = waker;
  if (!w->queued) {
    w->queued = 1;
    w->next = NULL;
    if (q->tail != NULL) {
      q->tail->next = w;
    } else {
      q->head = w;
    }
    q->tail = w;
  }
  tern__port_critical_exit(s);
  return TERN_PENDING;
}

/* Off a queue, a waiter's link is free: while a wake has chosen it, it
 * names the queue that woke it (compared, never followed), so that a
 * cancel naming another queue leaves the wake alone. */
#define WOKEN_BY(q) ((tern_waiter *)(void *)(q))

/* Unlinks the head; called in the critical section. */
static tern_waiter *pop_head(tern_waitq *q) {
  tern_waiter *w = q->head;
  if (w != NULL) {
    q->head = w->next;
    if (q->head == NULL) {
      q->tail = NULL;
    }
    w->next = WOKEN_BY(q);
    w->queued = 0;
    w->woken = 1;
  }
  return w;
}

/* Unlinks w if queued and resets it; called in the critical section.
 * Returns whether a wake had chosen w. A w queued on another queue (the
 * caller named the wrong one) is left as it is: clearing its link would
 * drop the waiters behind it there, and its next poll would link it in
 * twice. So is a w that another queue's wake chose: taking that wake
 * would pass it on here (or hand on a lock it does not carry) and leave
 * w's own poll waiting. (A queued waiter holds no wake: READY clears it
 * first.) */
static bool detach(tern_waitq *q, tern_waiter *w) {
  if (w->queued) {
    tern_waiter **link = &q->head;
    tern_waiter *prev = NULL;
    while (*link != NULL && *link != w) {
      prev = *link;
      link = &(*link)->next;
    }
    if (*link == NULL) {
      return false;
    }
    *link = w->next;
    if (q->tail == w) {
      q->tail = prev;
    }
    w->queued = 0;
    w->next = NULL;
  } else if (w->next != WOKEN_BY(q)) {
    return false; /* idle, or woken by another queue */
  }
  bool woken = w->woken != 0;
  w->woken = 0;
  w->waker.wake = NULL;
  w->waker.ctx = NULL;
  return woken;
}

bool tern_waitq_remove(tern_waitq *q, tern_waiter *w) {
  tern_irqstate s = tern__port_critical_enter();
  bool woken = detach(q, w);
  tern__port_critical_exit(s);
  return woken;
}

void tern_waitq_cancel(tern_waitq *q, tern_waiter *w) {
  if (tern_waitq_remove(q, w)) {
    tern_waitq_wake_one(q); /* the wake that chose w, passed on */
  }
}

bool tern_waitq_wake_one(tern_waitq *q) {
  tern_irqstate s = tern__port_critical_enter();
  tern_waiter *w = pop_head(q);
  if (w == NULL) { /* most calls: each packet sent wakes a room queue */
    tern__port_critical_exit(s);
    return false;
  }
  tern_waker waker = w->waker;
  tern__port_critical_exit(s);
  tern_waker_wake(waker);
  return true;
}

unsigned tern_waitq_wake_all(tern_waitq *q) {
  /* Only those waiting now: a waiter that queues again while we wake (from
   * another thread, say) waits for the next wake. */
  unsigned waiting = 0;
  tern_irqstate s = tern__port_critical_enter();
  for (tern_waiter *w = q->head; w != NULL; w = w->next) {
    waiting++;
  }
  tern__port_critical_exit(s);
  unsigned n = 0;
  while (n < waiting && tern_waitq_wake_one(q)) {
    n++;
  }
  return n;
}

bool tern_waitq_empty(const tern_waitq *q) {
  tern_irqstate s = tern__port_critical_enter();
  bool empty = q->head == NULL;
  tern__port_critical_exit(s);
  return empty;
}
