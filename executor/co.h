/* Coroutine macros: write an async function as straight-line code.
 *
 *   typedef struct {
 *     tern_co co;       // the resume point: zero-initialise it
 *     tern_timer timer; // everything that lives across an await
 *     int i;
 *   } blink_state;
 *
 *   tern_poll blink(blink_state *s, tern_cx *cx) {
 *     TERN_CO_BEGIN(&s->co);
 *     for (s->i = 0; s->i < 3; s->i++) {
 *       led_toggle();
 *       TERN_CO_AWAIT(&s->co, tern_sleep_for(&s->timer, cx, 500));
 *     }
 *     TERN_CO_END(&s->co);
 *   }
 *
 * Rules (the macros are a switch over the resume point):
 *  1. Locals do not survive an await: keep every value that lives across
 *     one in the state struct.
 *  2. No switch statement may enclose an await in the same function: its
 *     case labels would capture the resume points. Use if/else there.
 *  3. At most one await per source line.
 * Each await expression is evaluated again on every poll until it returns
 * TERN_READY, so it must be a poll function call (or an expression of
 * one); side effects before it belong on an earlier line. */
#ifndef TERN_CO_H
#define TERN_CO_H

#include <stdint.h>

#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The resume point: 0 to start, the line of the last await, or DONE. */
typedef uint16_t tern_co;

#define TERN_CO_DONE ((tern_co)0xffff)

#define TERN_CO_BEGIN(co) \
  switch (*(co)) {        \
    case 0:

/* Polls expr until it returns TERN_READY, returning TERN_PENDING from the
 * enclosing function meanwhile. */
#define TERN_CO_AWAIT(co, expr)     \
  do {                              \
    *(co) = (tern_co)__LINE__;      \
    __attribute__((fallthrough));   \
    case __LINE__:                  \
      if ((expr) == TERN_PENDING) { \
        return TERN_PENDING;        \
      }                             \
  } while (0)

/* Gives up the CPU once: wakes itself and returns TERN_PENDING, resuming
 * after this point on the next poll. */
#define TERN_CO_YIELD(co, cx)  \
  do {                         \
    *(co) = (tern_co)__LINE__; \
    tern_cx_wake_now(cx);      \
    return TERN_PENDING;       \
    case __LINE__:;            \
  } while (0)

/* Finishes: the function returns TERN_READY now and on every later poll. */
#define TERN_CO_RETURN(co) \
  do {                     \
    *(co) = TERN_CO_DONE;  \
    return TERN_READY;     \
  } while (0)

#define TERN_CO_END(co)         \
  __attribute__((fallthrough)); \
  case TERN_CO_DONE: break;     \
    }                           \
    *(co) = TERN_CO_DONE;       \
    return TERN_READY

/* Restarts the coroutine from the top on its next poll. */
#define TERN_CO_RESET(co) (*(co) = 0)

#ifdef __cplusplus
}
#endif

#endif /* TERN_CO_H */
