#include "tern/timer.h"

/* A queue is a singly linked list ordered by deadline (equal deadlines in
 * arming order). Insertion is O(n) in the queue's armed timers, which on a
 * microcontroller are a handful; firing and finding the earliest are
 * O(1). Each queue is used from its executor's task context only, so it
 * needs no critical section. */

void tern_timer_queue_init(tern_timer_queue *q) {
  q->head = NULL;
}

static void unlink_timer(tern_timer *t) {
  tern_timer **link = &t->queue->head;
  while (*link != NULL && *link != t) {
    link = &(*link)->next;
  }
  if (*link == t) {
    *link = t->next;
  }
  t->next = NULL;
  t->queue = NULL;
}

#ifndef NDEBUG
/* Debug builds: t, about to be linked into q, must not be in it already.
 * It is when its storage was reset while it was armed (TERN_TIMER_INIT
 * or a memset over the state of a tern_select branch that lost, reused
 * without tern_timer_cancel): the reset cleared its queue pointer and its
 * link (so whatever followed it in q is lost already), and linking it a
 * second time would make q a loop. Reported, then taken out so that q
 * stays a list. */
static void check_not_linked(tern_timer_queue *q, tern_timer *t) {
  for (tern_timer **link = &q->head; *link != NULL; link = &(*link)->next) {
    if (*link == t) {
      tern_assert_failed(
          "timer armed while still in its queue: its storage "
          "was reset while armed (cancel it first)");
      *link = t->next;
      return;
    }
  }
}

/* Debug builds: t, armed in q for the deadline being polled, must be
 * linked in q. It is not when q was emptied while t was armed (its
 * executor re-initialised, or the queue reset, without cancelling t):
 * left so, t would never be linked again for this deadline, and its task
 * would sleep for ever. Reported, then marked disarmed to be armed again. */
static void check_linked(tern_timer_queue *q, tern_timer *t) {
  for (tern_timer *i = q->head; i != NULL; i = i->next) {
    if (i == t) {
      return;
    }
  }
  tern_assert_failed(
      "timer armed in a queue that does not hold it: the queue (its "
      "executor) was reset while it was armed (cancel it first)");
  t->next = NULL;
  t->queue = NULL;
}
#endif

/* Ordered by the time from now to each deadline (negative for one passed
 * but not fired yet), not by tern_time_before between two deadlines: a
 * passed deadline and one TERN_SLEEP_MAX_MS ahead lie 2^31 ms or more
 * apart, which it reads backwards, and the overdue timer would wait behind
 * the long one. */
static void insert_timer(tern_timer_queue *q, tern_timer *t, tern_time now) {
#ifndef NDEBUG
  check_not_linked(q, t);
#endif
  tern_timer **link = &q->head;
  int32_t ahead = (int32_t)(t->deadline - now);
  while (*link != NULL && (int32_t)((*link)->deadline - now) <= ahead) {
    link = &(*link)->next;
  }
  t->next = *link;
  *link = t;
  t->queue = q;
}

/* cx has no timer queue: see tern_sleep_until in timer.h. */
static tern_poll no_queue(tern_timer *t, tern_cx *cx) {
#ifndef NDEBUG
  tern_assert_failed("timer polled with a context that has no timer queue");
#endif
  tern_timer_cancel(t);
  tern_cx_wake_now(cx);
  return TERN_PENDING;
}

tern_poll tern_sleep_until(tern_timer *t, tern_cx *cx, tern_time deadline) {
  /* Ends a sleep_for in progress, whatever comes of this poll: a later
   * sleep_for starts afresh rather than keep this deadline as its own.
   * (tern_sleep_for marks its own sleep started again after the call.) */
  t->started = 0;
  tern_time now = tern_port_now();
  /* Passed, or 2^31 ms or more ahead (which the wrapping clock cannot
   * tell from the past). Not !tern_time_before(now, deadline): exactly
   * 2^31 ahead reads as before in both directions, and such a timer, at
   * the head of the queue with its time from now INT32_MIN, would not
   * fire and would hold back every timer behind it. */
  if ((int32_t)(deadline - now) <= 0) {
    tern_timer_cancel(t);
    return TERN_READY;
  }
  tern_timer_queue *q = cx->timers;
  if (q == NULL) {
    t->deadline = deadline; /* where sleep_for finds it */
    return no_queue(t, cx);
  }
  t->waker = tern_cx_waker(cx);
  /* Armed for another deadline, or in another queue (the poller moved to
   * another executor): taken out and put in again. */
  if (t->queue != NULL && (t->queue != q || t->deadline != deadline)) {
    unlink_timer(t);
  }
#ifndef NDEBUG
  else if (t->queue != NULL) {
    check_linked(q, t);
  }
#endif
  if (t->queue == NULL) {
    t->deadline = deadline;
    insert_timer(q, t, now);
  }
  return TERN_PENDING;
}

tern_poll tern_sleep_for(tern_timer *t, tern_cx *cx, uint32_t ms) {
  /* The new deadline is handed to sleep_until, not written into the timer
   * here: a timer still armed by tern_sleep_until for another deadline
   * sits at that deadline's place in its queue, and sleep_until moves it
   * only when it sees the two differ. */
  tern_time deadline = t->deadline;
  if (!t->started) {
    /* Further than 2^31 - 1 ms ahead, a deadline on the wrapping clock
     * reads as one in the past. */
    if (ms > TERN_SLEEP_MAX_MS) {
      ms = TERN_SLEEP_MAX_MS;
    }
    deadline = tern_port_now() + ms;
  }
  tern_poll r = tern_sleep_until(t, cx, deadline);
  t->started = (uint8_t)(r == TERN_PENDING); /* completion resets it */
  return r;
}

void tern_timer_cancel(tern_timer *t) {
  if (t->queue != NULL) {
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

unsigned tern_timer_queue_fire(tern_timer_queue *q, tern_time now) {
  unsigned fired = 0;
  tern_timer *t;
  while ((t = q->head) != NULL && !tern_time_before(now, t->deadline)) {
    q->head = t->next;
    t->next = NULL;
    t->queue = NULL;
    tern_waker_wake(t->waker);
    fired++;
  }
  return fired;
}

bool tern_timer_queue_next(const tern_timer_queue *q, tern_time *deadline) {
  if (q->head == NULL) {
    return false;
  }
  *deadline = q->head->deadline;
  return true;
}
