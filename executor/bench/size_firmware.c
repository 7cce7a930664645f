/* The smallest program that uses the executor, timers and a waker slot:
 * what the size report measures for the async core on each board
 * (bazel run -c opt //executor/bench:size_fw_microbit_size). A task waits
 * on a waker slot that a second task wakes after a timer, three times. */
#include "tern/board.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/timer.h"

typedef struct {
  tern_task task;
  tern_co co;
  tern_waker_slot slot;
  int rounds;
  int ready;
} waiter_state;

typedef struct {
  tern_task task;
  tern_co co;
  tern_timer timer;
  waiter_state *peer;
} ticker_state;

static tern_poll waiter_poll(tern_task *t, tern_cx *cx) {
  waiter_state *s = TERN_CONTAINER_OF(t, waiter_state, task);
  while (s->rounds < 3) {
    if (!s->ready) {
      tern_waker_slot_register(&s->slot, cx);
      return TERN_PENDING;
    }
    s->ready = 0;
    s->rounds++;
  }
  return TERN_READY;
}

static tern_poll ticker_poll(tern_task *t, tern_cx *cx) {
  ticker_state *s = TERN_CONTAINER_OF(t, ticker_state, task);
  TERN_CO_BEGIN(&s->co);
  while (s->peer->rounds < 3) {
    TERN_CO_AWAIT(&s->co, tern_sleep_for(&s->timer, cx, 10));
    s->peer->ready = 1;
    tern_waker_slot_wake(&s->peer->slot);
  }
  TERN_CO_END(&s->co);
}

static tern_executor ex;
static waiter_state waiter;
static ticker_state ticker;

int main(void) {
  tern_executor_init(&ex);
  tern_task_init(&waiter.task, waiter_poll);
  tern_task_init(&ticker.task, ticker_poll);
  ticker.peer = &waiter;
  tern_spawn(&ex, &ticker.task);
  tern_block_on(&ex, &waiter.task);
  tern_board_console_puts("size_fw: done\r\n");
  return 0;
}
