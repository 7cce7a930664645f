#include "tern/executor.h"

#include <string.h>

#include "tern/port.h"
#include "tern/port_critical.h"

/* `armed` orders a task's link against the wakes that may queue it (see
 * poll_task). Where wakes come from other cores (the host) that takes
 * acquire/release; where they come from an interrupt on this core, or
 * from nothing (Cortex-M, sim), the compiler's order is enough, and a
 * fence instruction (dmb on Cortex-M) would only cost. */
#if TERN__PORT_ONE_CORE
#define ARMED_LOAD_ACQUIRE(p)                                \
  __extension__({                                            \
    uint8_t armed_ = __atomic_load_n((p), __ATOMIC_RELAXED); \
    __atomic_signal_fence(__ATOMIC_ACQUIRE);                 \
    armed_;                                                  \
  })
#define ARMED_STORE_RELEASE(p, v)                 \
  do {                                            \
    __atomic_signal_fence(__ATOMIC_RELEASE);      \
    __atomic_store_n((p), (v), __ATOMIC_RELAXED); \
  } while (0)
#else
#define ARMED_LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ARMED_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

static void task_wake_fn(void *ctx) {
  tern_task_wake((tern_task *)ctx);
}

tern_waker tern_task_waker(tern_task *task) {
  tern_waker w = {task_wake_fn, task};
  return w;
}

void tern_executor_init(tern_executor *ex) {
  memset(ex, 0, sizeof *ex); /* the timer queue too: zeroed, it is empty */
  ex->tail = &ex->head;
}

void tern_task_init(tern_task *task, tern_task_fn poll) {
  memset(task, 0, sizeof *task);
  task->poll = poll;
}

/* Appends an armed task to the run queue, in the critical section.
 * Returns whether the port must be notified: only on a port where wakes can
 * come during tern_port_wait, for the first task queued during one. */
static bool enqueue(tern_executor *ex, tern_task *task) {
  __atomic_store_n(&task->armed, 0, __ATOMIC_RELAXED);
  task->next = NULL;
  *ex->tail = task;
  ex->tail = &task->next;
  if (TERN__PORT_WAKES_DURING_WAIT && ex->sleeping) {
    ex->sleeping = 0;
    return true;
  }
  return false;
}

int tern_spawn(tern_executor *ex, tern_task *task) {
  if (ex == NULL || task == NULL || task->poll == NULL) {
    return TERN_EINVAL;
  }
  tern_irqstate s = tern__port_critical_enter();
  if ((task->flags & (TERN_TASK_SPAWNED | TERN_TASK_DONE)) ==
      TERN_TASK_SPAWNED) {
    tern__port_critical_exit(s);
    return TERN_EBUSY;
  }
  /* Not spawned, or done: either way on no run queue (finish() takes a
   * done task off), so it is queued exactly once. */
  task->ex = ex;
  task->flags = (uint8_t)((task->flags & TERN_TASK_POOLED) | TERN_TASK_SPAWNED);
  bool notify = enqueue(ex, task);
  tern__port_critical_exit(s);
  if (notify) {
    tern_port_notify();
  }
  return 0;
}

void tern_task_wake(tern_task *task) {
  tern_irqstate s = tern__port_critical_enter();
  /* Queued, done or not spawned: nothing to do. Acquire pairs with the
   * run loop's release when it armed the task, so its read of the task's
   * link comes before our write. */
  bool notify =
      ARMED_LOAD_ACQUIRE(&task->armed) ? enqueue(task->ex, task) : false;
  tern__port_critical_exit(s);
  if (notify) {
    tern_port_notify();
  }
}

bool tern_task_done(const tern_task *task) {
  return (task->flags & TERN_TASK_DONE) != 0;
}

/* Where a pooled task's slot keeps its pool: the slot's first bytes,
 * TERN_TASK_POOL_HDR before the task, so aligned as the task is (a
 * tern_task holds pointers). */
static tern_task_pool **slot_pool(const tern_task *task) {
  return (tern_task_pool **)(void *)((uintptr_t)task - TERN_TASK_POOL_HDR);
}

static void pool_release(tern_task *task) {
  tern_task_pool *pool = *slot_pool(task);
  uint8_t *slot = (uint8_t *)task - TERN_TASK_POOL_HDR;
  size_t i = (size_t)(slot - pool->slots) / pool->slot_size;
  tern_irqstate s = tern__port_critical_enter();
  pool->used[i / 32] &= ~(1u << (i % 32));
  tern__port_critical_exit(s);
}

#ifndef NDEBUG
/* Debug builds, when a pooled task finishes: a timer still linked in the
 * queue from inside its slot (a tern_select branch's that lost and was
 * never cancelled) would stay there in storage the next spawn overwrites.
 * Reported, then unlinked here rather than by tern_timer_cancel: a timer
 * whose state was reset while armed is still linked but has no queue
 * pointer, and cancel would leave it in. Only the executor's own queue is
 * searched. */
static void check_slot_has_no_armed_timer(tern_executor *ex,
                                          const tern_task *task) {
  const uint8_t *slot = (const uint8_t *)task - TERN_TASK_POOL_HDR;
  const tern_task_pool *pool = *slot_pool(task);
  uintptr_t lo = (uintptr_t)slot, hi = lo + pool->slot_size;
  tern_timer **link = &ex->timers.head;
  while (*link != NULL) {
    tern_timer *t = *link;
    if ((uintptr_t)t >= lo && (uintptr_t)t < hi) {
      tern_assert_failed(
          "pooled task finished with a timer still armed in "
          "its state (cancel it first)");
      *link = t->next;
      t->next = NULL;
      t->queue = NULL;
      t->started = 0;
    } else {
      link = &t->next;
    }
  }
}
#endif

/* Marks a task done and disarms it. A wake during its last poll may have
 * queued it again: it is taken off the run queue here (rare, so the search
 * is fine), which keeps a finished task from being polled again and lets a
 * pooled slot be released at once. In the critical section, so no wake
 * slips between. */
static void finish(tern_executor *ex, tern_task *task) {
  tern_irqstate s = tern__port_critical_enter();
  task->flags |= TERN_TASK_DONE;
  if (!__atomic_load_n(&task->armed, __ATOMIC_RELAXED)) {
    /* Queued during its poll (the loop armed it just before). */
    tern_task **link = &ex->head;
    while (*link != NULL && *link != task) {
      link = &(*link)->next;
    }
    if (*link == task) {
      *link = task->next;
      if (ex->tail == &task->next) {
        ex->tail = link;
      }
    }
    task->next = NULL;
  }
  __atomic_store_n(&task->armed, 0, __ATOMIC_RELAXED);
  tern__port_critical_exit(s);
  if (task->flags & TERN_TASK_POOLED) {
#ifndef NDEBUG
    check_slot_has_no_armed_timer(ex, task);
#endif
    pool_release(task);
  }
}

#ifndef NDEBUG
static void check_waker_used(const tern_cx *cx) {
  if (cx->waker_uses == 0) {
    tern_assert_failed("task returned TERN_PENDING without storing its waker");
  }
}
#endif

/* Polls one task taken from the run queue. Its link has been read: arming
 * it (one byte store, ordered after that read) lets a wake during the poll
 * queue it for the next batch, so no wake is lost and none needs a
 * critical section here. */
static inline void poll_task(tern_executor *ex, tern_task *task) {
  ARMED_STORE_RELEASE(&task->armed, 1);
  /* tern_cx_make but for waker_uses, which only a debug build reads: one
   * store fewer on every poll of a release build. */
  tern_cx cx;
  cx.waker = tern_task_waker(task);
  cx.timers = &ex->timers;
#ifndef NDEBUG
  cx.waker_uses = 0;
#endif
  if (task->poll(task, &cx) == TERN_READY) {
    finish(ex, task);
  }
#ifndef NDEBUG
  else {
    check_waker_used(&cx);
  }
#endif
}

/* A batch of two or more tasks. While a task is queued no wake touches it,
 * so its link is read before it is armed. */
__attribute__((noinline)) static size_t poll_batch(tern_executor *ex,
                                                   tern_task *task) {
  size_t polled = 0;
  do {
    tern_task *next = task->next;
    poll_task(ex, task);
    polled++;
    task = next;
  } while (task != NULL);
  ex->polls += (uint32_t)polled;
  return polled;
}

size_t tern_executor_run_once(tern_executor *ex) {
  if (ex->timers.head != NULL) {
    tern_timer_queue_fire(&ex->timers, tern_port_now());
  }

  tern_irqstate s = tern__port_critical_enter();
  tern_task *task = ex->head;
  ex->head = NULL;
  ex->tail = &ex->head;
  tern__port_critical_exit(s);

  if (task == NULL) {
    return 0;
  }
  if (task->next != NULL) {
    return poll_batch(ex, task);
  }
  /* A task alone in its batch, the common case of a lightly loaded loop:
   * no link to follow and no count to keep across the poll. */
  poll_task(ex, task);
  ex->polls++;
  return 1;
}

void tern_executor_run(tern_executor *ex, tern_task *until) {
  for (;;) {
    tern_executor_run_once(ex);
    if (until != NULL && tern_task_done(until)) {
      return;
    }
    tern_irqstate s = tern__port_critical_enter();
    if (ex->head == NULL) {
      /* The timer queue is in deadline order: its first is the earliest. */
      const tern_timer *first = ex->timers.head;
      if (first == NULL || tern_time_before(tern_port_now(), first->deadline)) {
        ex->sleeps++;
        ex->sleeping = 1;
        tern_port_wait(first != NULL, first != NULL ? first->deadline : 0);
        ex->sleeping = 0;
      }
    }
    tern__port_critical_exit(s);
  }
}

int tern_block_on(tern_executor *ex, tern_task *root) {
  int err = tern_spawn(ex, root);
  if (err == 0) {
    tern_executor_run(ex, root);
  }
  return err;
}

int tern_spawn_pooled(tern_executor *ex, tern_task_pool *pool,
                      const void *state, size_t size, tern_task **out) {
  /* size against the room after the header, not header + size against
   * the slot: that sum wraps for a size near SIZE_MAX. (A slot is at least
   * the header and a tern_task, TERN_TASK_POOL_SLOT_SIZE.) */
  if (pool == NULL || state == NULL || size < sizeof(tern_task) ||
      size > pool->slot_size - TERN_TASK_POOL_HDR) {
    return TERN_EINVAL;
  }
  size_t i;
  tern_irqstate s = tern__port_critical_enter();
  for (i = 0; i < pool->count; i++) {
    if ((pool->used[i / 32] & (1u << (i % 32))) == 0) {
      pool->used[i / 32] |= 1u << (i % 32);
      break;
    }
  }
  tern__port_critical_exit(s);
  if (i == pool->count) {
    return TERN_ENOMEM;
  }
  uint8_t *slot = pool->slots + i * pool->slot_size;
  tern_task *task = (tern_task *)(void *)(slot + TERN_TASK_POOL_HDR);
  *slot_pool(task) = pool;
  memcpy(task, state, size);
  task->flags = TERN_TASK_POOLED;
  task->armed = 0;
  task->next = NULL;
  int rc = tern_spawn(ex, task);
  if (rc != 0) {
    pool_release(task);
    return rc;
  }
  if (out != NULL) {
    *out = task;
  }
  return 0;
}

size_t tern_task_pool_in_use(const tern_task_pool *pool) {
  size_t n = 0;
  for (size_t i = 0; i < pool->count; i++) {
    n += (pool->used[i / 32] >> (i % 32)) & 1u;
  }
  return n;
}

tern_poll tern_join(tern_future *children, size_t n, uint32_t *done,
                    tern_cx *cx) {
  /* *done has a bit per child: more children than that is a bug, refused
   * in every build (the default handler aborts or traps). If a program's
   * own handler returns, the join ends at once with no child polled and
   * *done 0, which no join of n children ends with: PENDING here would
   * have stored no waker, and the task would sleep for ever. */
  if (n > TERN_JOIN_MAX) {
    tern_assert_failed("tern_join: more than TERN_JOIN_MAX (32) children");
    *done = 0;
    return TERN_READY;
  }
  for (size_t i = 0; i < n; i++) {
    if ((*done & (1u << i)) == 0 &&
        children[i].poll(children[i].state, cx) == TERN_READY) {
      *done |= 1u << i;
    }
  }
  uint32_t all = n >= 32 ? 0xffffffffu : (1u << n) - 1u;
  return (*done & all) == all ? TERN_READY : TERN_PENDING;
}

tern_poll tern_select(tern_future *children, size_t n, size_t *which,
                      tern_cx *cx) {
  /* No child could ever be READY, and PENDING would store no waker: a bug,
   * refused as tern_join's; a handler that returns gets READY with *which
   * 0, an index no child has. */
  if (n == 0) {
    tern_assert_failed("tern_select: no children");
    *which = 0;
    return TERN_READY;
  }
  for (size_t i = 0; i < n; i++) {
    if (children[i].poll(children[i].state, cx) == TERN_READY) {
      *which = i;
      return TERN_READY;
    }
  }
  return TERN_PENDING;
}
