#include "tern/timer.h"

/* The deadline queue: a singly linked list ordered by deadline (equal
 * deadlines in arming order). Insertion is O(n) in the armed timers, which
 * on a microcontroller are a handful; firing and finding the earliest are
 * O(1). Used from task context only (the run loop and polls), so it needs
 * no critical section. */
tern_timer *tern__timer_queue;

tern_time tern_now(void) {
  return tern_port_now();
}

static void unlink_timer(tern_timer *t) {
  tern_timer **link = &tern__timer_queue;
  while (*link != NULL && *link != t) {
    link = &(*link)->next;
  }
  if (*link == t) {
    *link = t->next;
  }
  t->next = NULL;
  t->armed = 0;
}

static void insert_timer(tern_timer *t) {
  tern_timer **link = &tern__timer_queue;
  while (*link != NULL && !tern_time_before(t->deadline, (*link)->deadline)) {
    link = &(*link)->next;
  }
  t->next = *link;
  *link = t;
  t->armed = 1;
}

tern_poll tern_sleep_until(tern_timer *t, tern_cx *cx, tern_time deadline) {
  if (!tern_time_before(tern_port_now(), deadline)) {
    if (t->armed) {
      unlink_timer(t);
    }
    t->started = 0;
    return TERN_READY;
  }
  t->waker = tern_cx_waker(cx);
  if (t->armed && t->deadline != deadline) {
    unlink_timer(t);
  }
  if (!t->armed) {
    t->deadline = deadline;
    insert_timer(t);
  }
  return TERN_PENDING;
}

tern_poll tern_sleep_for(tern_timer *t, tern_cx *cx, uint32_t ms) {
  if (!t->started) {
    t->deadline = tern_port_now() + ms;
    t->started = 1;
  }
  return tern_sleep_until(t, cx, t->deadline);
}

void tern_timer_cancel(tern_timer *t) {
  if (t->armed) {
    unlink_timer(t);
  }
  t->started = 0;
}

tern_poll tern_with_timeout(tern_timer *t, tern_cx *cx, tern_poll inner,
                            uint32_t ms, bool *expired) {
  if (inner == TERN_READY) {
    tern_timer_cancel(t);
    *expired = false;
    return TERN_READY;
  }
  if (tern_sleep_for(t, cx, ms) == TERN_READY) {
    *expired = true;
    return TERN_READY;
  }
  return TERN_PENDING;
}

unsigned tern_timers_fire(tern_time now) {
  unsigned fired = 0;
  while (tern__timer_queue != NULL &&
         !tern_time_before(now, tern__timer_queue->deadline)) {
    tern_timer *t = tern__timer_queue;
    tern__timer_queue = t->next;
    t->next = NULL;
    t->armed = 0;
    tern_waker_wake(t->waker);
    fired++;
  }
  return fired;
}

bool tern_timers_next(tern_time *deadline) {
  if (tern__timer_queue == NULL) {
    return false;
  }
  *deadline = tern__timer_queue->deadline;
  return true;
}
