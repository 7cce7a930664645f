/* The contract every async operation in tern keeps.
 *
 * A poll function either completes now (returns TERN_READY and fills its
 * out-parameters) or arranges to be woken and returns TERN_PENDING. The
 * rule that keeps a task from sleeping forever: before returning
 * TERN_PENDING, a poll must have stored the waker of the tern_cx it was
 * given (tern_cx_waker(), tern_waker_slot_register(), or something built on
 * them) somewhere that will call it when progress is possible. Debug builds
 * check this: tern_cx counts the waker's uses and the executor asserts that
 * a task that returned TERN_PENDING used it.
 *
 * Where the condition can change from an interrupt (a UART's receive, a
 * DMA's end), store the waker first and look at the condition after, in
 * that order or inside the critical section that the interrupt's side
 * takes: a wake that comes between a look that found nothing and the
 * store finds no waker, and the task sleeps with its data waiting.
 *
 * A waker is a function and a context, so tern's IO objects work under any
 * executor; tern's own executor makes wakers whose context is the task. */
#ifndef TERN_POLL_H
#define TERN_POLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_poll {
  TERN_PENDING = 0,
  TERN_READY = 1,
} tern_poll;

/* Something to call when a pending operation can make progress. Waking must
 * be idempotent (waking twice before the next poll is the same as once) and
 * safe from interrupt handlers. wake == NULL is the empty waker. */
typedef struct tern_waker {
  void (*wake)(void *ctx);
  void *ctx;
} tern_waker;

/* A deadline queue (tern/timer.h): each executor has one, and a poll's
 * context says whose it is. */
typedef struct tern_timer_queue tern_timer_queue;

/* The context passed to every poll function.
 *
 * Its layout is the same with and without NDEBUG: layer structs embed a
 * tern_cx (an object with a waker of its own), so a library built one way
 * and a program built the other must agree on it. Only the counting and
 * checking of waker_uses is debug-only. */
typedef struct tern_cx {
  tern_waker waker;
  uint32_t waker_uses; /* debug builds: times the waker was taken; see
                          tern_cx_waker() */
  /* The timer queue of whoever polls (the executor's): where the timer
   * polls of tern/timer.h arm their timers. NULL for a poller without one
   * (see tern_sleep_until). */
  tern_timer_queue *timers;
} tern_cx;

/* Makes a context around a waker and the poller's timer queue (NULL: none;
 * the executor passes its own). */
static inline tern_cx tern_cx_make(tern_waker waker, tern_timer_queue *timers) {
  tern_cx cx;
  cx.waker = waker;
  cx.timers = timers;
  cx.waker_uses = 0;
  return cx;
}

/* For an object with a context of its own (own: its waker, given to the
 * devices below it and to its timer): takes the timer queue of the task
 * polling it now, so that the timers it arms with `own` are fired by that
 * task's executor. Call it on every poll; until the first, own has no
 * queue (NULL) and the object must not arm a timer with it. */
static inline void tern_cx_adopt_timers(tern_cx *own, const tern_cx *poller) {
  own->timers = poller->timers;
}

/* Returns the context's waker for the callee to keep, and records (in debug
 * builds) that the poll has arranged to be woken. Every place that stores a
 * waker takes it through here. */
static inline tern_waker tern_cx_waker(tern_cx *cx) {
#ifndef NDEBUG
  cx->waker_uses++;
#endif
  return cx->waker;
}

/* Wakes the polling task again at once: for a poll that gave up the CPU
 * voluntarily (it did some work and wants to let others run). */
static inline void tern_cx_wake_now(tern_cx *cx) {
  tern_waker w = tern_cx_waker(cx);
  if (w.wake != NULL) {
    w.wake(w.ctx);
  }
}

/* Calls a waker if it is not empty. */
static inline void tern_waker_wake(tern_waker w) {
  if (w.wake != NULL) {
    w.wake(w.ctx);
  }
}

static inline bool tern_waker_same(tern_waker a, tern_waker b) {
  return a.wake == b.wake && a.ctx == b.ctx;
}

/* The one waker waiting on one direction of an IO object (like Rust's
 * AtomicWaker). Register replaces the stored waker; wake takes it out and
 * calls it. Both are safe against an interrupt handler that wakes: the
 * swap happens in the port's critical section, the call outside it. */
typedef struct tern_waker_slot {
  tern_waker waker;
} tern_waker_slot;

#define TERN_WAKER_SLOT_INIT \
  {                          \
    { NULL, NULL }           \
  }

/* Stores cx's waker in the slot, replacing any other. */
void tern_waker_slot_register(tern_waker_slot *slot, tern_cx *cx);

/* Takes the stored waker, if any, and calls it. Returns whether one was
 * called. */
bool tern_waker_slot_wake(tern_waker_slot *slot);

/* Forgets the stored waker without calling it (the waiter went away). */
void tern_waker_slot_clear(tern_waker_slot *slot);

/* Whether a waker is stored. */
bool tern_waker_slot_is_set(const tern_waker_slot *slot);

/* Called when a debug check of the poll contract fails (a task returned
 * TERN_PENDING without taking its waker). The default prints msg and aborts
 * on the host and traps on a microcontroller; it is a weak symbol, so a
 * program may define its own. */
void tern_assert_failed(const char *msg);

/* Evaluates expr, a step the caller has made sure cannot fail (a packet
 * edge move whose bound was checked just before, say), and in debug builds
 * calls tern_assert_failed if it did fail all the same. The expression is
 * evaluated in every build: only the check is debug-only. */
#ifndef NDEBUG
#define TERN_MUST(expr) \
  ((expr) ? (void)0     \
          : tern_assert_failed("TERN_MUST(" #expr ") failed: " __FILE__))
#else
#define TERN_MUST(expr) ((void)(expr))
#endif

/* The enclosing struct of a member: embed a tern_task or tern_timer in
 * your own state and get back to it from the member's pointer. */
#define TERN_CONTAINER_OF(ptr, type, member) \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#ifdef __cplusplus
}
#endif

#endif /* TERN_POLL_H */
