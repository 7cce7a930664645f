/* The async core on a Cortex-M board, end to end: tern's executor, timers
 * and bounded channels on this port, with the CPU asleep in WFI between
 * events and a hardware interrupt waking a task.
 *
 *   producer --ch1--> relay (+100) --ch2--> consumer <--signal-- timer ISR
 *
 * The producer sends 1..4, one every 40 ms (a timer each time), then closes
 * ch1; the relay forwards each value plus 100 and closes ch2 when ch1 is;
 * the consumer prints what arrives, then arms the spare hardware timer and
 * waits for its interrupt handler's signal. Every step is logged in the
 * order it happened, and the test matches the whole "order:" line; the
 * executor's statistics show that it slept rather than spun. */
#include <stdbool.h>
#include <stdint.h>

#include "tern/board.h"
#include "tern/channel.h"
#include "tern/co.h"
#include "tern/cortex_m/test_timer.h"
#include "tern/executor.h"
#include "tern/port.h"
#include "tern/signal.h"
#include "tern/timer.h"
#include "test_log.h"

enum { SEND_EVERY_MS = 40, COUNT = 4, IRQ_AFTER_MS = 10 };

static uint32_t ch1_slots[1];
static uint32_t ch2_slots[1];
static tern_channel ch1;
static tern_channel ch2;
static tern_signal irq_signal = TERN_SIGNAL_INIT;
static tern_time start;
static bool late_or_early;

/* Logs "<prefix><v>" as one event. */
static void event_u32(const char *prefix, uint32_t v) {
  char name[16];
  size_t n = 0;
  while (prefix[n] != '\0' && n < 8) {
    name[n] = prefix[n];
    n++;
  }
  char digits[10];
  size_t d = 0;
  do {
    digits[d++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0 && d < sizeof digits);
  while (d > 0 && n < sizeof name - 1) {
    name[n++] = digits[--d];
  }
  name[n] = '\0';
  test_event(name);
}

void tern_test_timer_fired(void) {
  test_event("isr");
  tern_signal_send(&irq_signal, 42);
}

typedef struct {
  tern_task task;
  tern_co co;
  tern_timer timer;
  tern_waiter waiter;
  uint32_t i;
  int err;
} producer_state;

static tern_poll producer(tern_task *task, tern_cx *cx) {
  producer_state *s = TERN_CONTAINER_OF(task, producer_state, task);
  TERN_CO_BEGIN(&s->co);
  for (s->i = 1; s->i <= COUNT; s->i++) {
    TERN_CO_AWAIT(&s->co, tern_sleep_for(&s->timer, cx, SEND_EVERY_MS));
    /* The timer must not fire early; QEMU may run it a little late. */
    uint32_t at = tern_now() - start;
    if (at < s->i * SEND_EVERY_MS || at > s->i * SEND_EVERY_MS + 500) {
      late_or_early = true;
    }
    event_u32("P:", s->i);
    TERN_CO_AWAIT(&s->co,
                  tern_channel_poll_send(&ch1, cx, &s->waiter, &s->i, &s->err));
    test_check(s->err == 0, "producer: send");
  }
  tern_channel_close(&ch1);
  test_event("P:closed");
  TERN_CO_END(&s->co);
}

typedef struct {
  tern_task task;
  tern_co co;
  tern_waiter waiter;
  uint32_t v;
  int err;
} relay_state;

static tern_poll relay(tern_task *task, tern_cx *cx) {
  relay_state *s = TERN_CONTAINER_OF(task, relay_state, task);
  TERN_CO_BEGIN(&s->co);
  for (;;) {
    TERN_CO_AWAIT(&s->co,
                  tern_channel_poll_recv(&ch1, cx, &s->waiter, &s->v, &s->err));
    if (s->err != 0) {
      break;
    }
    s->v += 100;
    event_u32("R:", s->v);
    TERN_CO_AWAIT(&s->co,
                  tern_channel_poll_send(&ch2, cx, &s->waiter, &s->v, &s->err));
    test_check(s->err == 0, "relay: send");
  }
  test_check(s->err == TERN_ECLOSED, "relay: ch1 closed");
  tern_channel_close(&ch2);
  test_event("R:closed");
  TERN_CO_END(&s->co);
}

typedef struct {
  tern_task task;
  tern_co co;
  tern_waiter waiter;
  uint32_t v;
  int err;
} consumer_state;

static tern_poll consumer(tern_task *task, tern_cx *cx) {
  consumer_state *s = TERN_CONTAINER_OF(task, consumer_state, task);
  TERN_CO_BEGIN(&s->co);
  for (;;) {
    TERN_CO_AWAIT(&s->co,
                  tern_channel_poll_recv(&ch2, cx, &s->waiter, &s->v, &s->err));
    if (s->err != 0) {
      break;
    }
    event_u32("C:", s->v);
  }
  test_check(s->err == TERN_ECLOSED, "consumer: ch2 closed");
  test_event("C:closed");
  tern_test_timer_start(IRQ_AFTER_MS);
  test_event("C:armed");
  TERN_CO_AWAIT(&s->co, tern_signal_poll_wait(&irq_signal, cx, &s->v));
  event_u32("C:irq=", s->v);
  TERN_CO_END(&s->co);
}

static tern_executor ex;
static producer_state p;
static relay_state r;
static consumer_state c;

int main(void) {
  tern_board_console_puts("async test\r\n");
  tern_channel_init(&ch1, ch1_slots, sizeof ch1_slots, sizeof ch1_slots[0]);
  tern_channel_init(&ch2, ch2_slots, sizeof ch2_slots, sizeof ch2_slots[0]);
  tern_executor_init(&ex);
  tern_task_init(&p.task, producer);
  tern_task_init(&r.task, relay);
  tern_task_init(&c.task, consumer);
  p.waiter = (tern_waiter)TERN_WAITER_INIT;
  r.waiter = (tern_waiter)TERN_WAITER_INIT;
  c.waiter = (tern_waiter)TERN_WAITER_INIT;
  start = tern_now();
  tern_spawn(&ex, &p.task);
  tern_spawn(&ex, &r.task);
  tern_spawn(&ex, &c.task);
  tern_executor_run(&ex, &c.task);
  uint32_t elapsed = tern_now() - start;

  test_print_order();
  test_print_u32("async test: ", elapsed, " ms, ");
  test_print_u32("", ex.polls, " polls, ");
  test_print_u32("", ex.sleeps, " sleeps in WFI\r\n");
  test_check(tern_task_done(&p.task) && tern_task_done(&r.task),
             "every task finished");
  test_check(!late_or_early, "timers fired at their deadlines");
  /* Four timer deadlines and the interrupt: at least five sleeps, and
   * with nothing to do in between, few polls (a busy loop would make
   * thousands). */
  test_check(ex.sleeps >= 5, "slept between events");
  test_check(ex.polls <= 40, "no busy polling");
  if (test_failures() != 0) {
    test_print_u32("async test: ", (uint32_t)test_failures(), " failed\r\n");
    return 1;
  }
  tern_board_console_puts("async test: all passed\r\n");
  return 0;
}
