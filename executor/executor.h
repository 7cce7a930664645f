/* The executor: runs caller-allocated tasks when they are woken.
 *
 * A task is a poll function and a tern_task header embedded in the
 * caller's state struct (get back to the struct with TERN_CONTAINER_OF).
 * The executor never owns task memory. The waker it gives a task's poll
 * puts that task on the run queue: idempotent (the `armed` byte), safe from
 * interrupts (the port's critical section), and it calls tern_port_notify
 * only for the first task queued while the run loop is asleep in the port,
 * on a port where that can happen (the host's, whose wait releases the
 * section); a wake while the loop runs is seen by its check of the queue,
 * which it makes inside the critical section before sleeping.
 *
 * The executor's code is compiled once per port, with that port's
 * critical section inline (tern/port_critical.h): link the port's `port`
 * target, which brings it (see tern/port.h).
 *
 * The run loop takes the whole run queue as one batch and polls each task
 * in it once; tasks woken meanwhile (itself included) wait for the next
 * batch, so a task that keeps waking itself cannot starve the others.
 * Between batches it fires the expired timers of its own timer queue
 * (tern/timer.h), where its tasks' timers are armed; with nothing to run it
 * sleeps in the port until an event or its earliest deadline. Several
 * executors may run in one program, each with its own tasks and timers. */
#ifndef TERN_EXECUTOR_H
#define TERN_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/poll.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_task tern_task;
typedef struct tern_executor tern_executor;

/* Polls the task's work once. READY ends the task. */
typedef tern_poll (*tern_task_fn)(tern_task *task, tern_cx *cx);

/* The task header: 16 bytes on a 32-bit target. Zero-initialise it (or use
 * tern_task_init) before spawning. */
struct tern_task {
  tern_task_fn poll;
  tern_task *next;   /* run-queue link */
  tern_executor *ex; /* set by spawn */
  uint8_t flags;     /* TERN_TASK_*; written from task context only */
  /* 1 while a wake would queue the task: spawned, not done and not queued.
   * Set by the run loop just before the poll, cleared by the wake that
   * queues it and when the task finishes: the one byte a wake tests. */
  uint8_t armed;
};

enum {
  TERN_TASK_DONE = 1u << 0,    /* its poll returned READY */
  TERN_TASK_SPAWNED = 1u << 1, /* belongs to an executor */
  TERN_TASK_POOLED = 1u << 2,  /* storage came from a tern_task_pool */
};

struct tern_executor {
  /* The timers its tasks arm: every poll's cx names this queue, and the
   * run loop fires it and sleeps until its earliest deadline. First, so
   * that its address is the executor's: the cx of every poll takes it with
   * no add (taking the run queue's &head costs one per batch instead). */
  tern_timer_queue timers;
  tern_task *head;  /* run queue, FIFO */
  tern_task **tail; /* &last->next, or &head when the queue is empty */
  uint32_t polls;   /* statistics: polls made */
  uint32_t sleeps;  /* statistics: times the loop slept in the port */
  uint8_t sleeping; /* inside tern_port_wait */
};

/* Prepares an executor with an empty run queue and timer queue. Not for
 * an executor in use: cancel the timers armed in its queue first (debug
 * builds report one left armed when it is next polled; tern/timer.h). */
void tern_executor_init(tern_executor *ex);

/* Prepares a task header with its poll function. */
void tern_task_init(tern_task *task, tern_task_fn poll);

/* Adds a task to the executor and queues it for its first poll.
 * Returns 0, TERN_EBUSY if the task is already spawned and not done, or
 * TERN_EINVAL for a NULL ex or task or a task with no poll function. */
int tern_spawn(tern_executor *ex, tern_task *task);

/* Puts a task on its executor's run queue (what its waker does). */
void tern_task_wake(tern_task *task);

/* The waker for a task. */
tern_waker tern_task_waker(tern_task *task);

/* Whether the task's poll has returned READY. */
bool tern_task_done(const tern_task *task);

/* Polls one batch: every task queued when called, once each, after firing
 * the executor's expired timers. Returns how many tasks were polled; never
 * sleeps. */
size_t tern_executor_run_once(tern_executor *ex);

/* Runs until `until` is done (NULL: forever), sleeping in the port when
 * nothing is ready. */
void tern_executor_run(tern_executor *ex, tern_task *until);

/* Spawns root on ex and runs until it is done. Returns 0 then, or, with
 * nothing run, tern_spawn's error: TERN_EINVAL (ex or root NULL, no poll
 * function) or TERN_EBUSY (root is spawned already and not done). */
int tern_block_on(tern_executor *ex, tern_task *root);

/* A fixed pool of task slots for tasks spawned at run time: the slot is
 * returned to the pool when its task finishes. Each slot holds a pointer
 * back to the pool (TERN_TASK_POOL_HDR bytes) and then the task's state.
 * TERN_TASK_POOL_DEFINE declares the storage; `used` has a bit per slot. */
typedef struct tern_task_pool {
  uint8_t *slots;
  size_t slot_size;
  size_t count;
  uint32_t *used;
} tern_task_pool;

#define TERN_TASK_POOL_HDR 8u
#define TERN_TASK_POOL_SLOT_SIZE(T) \
  ((TERN_TASK_POOL_HDR + sizeof(T) + 7u) & ~(size_t)7u)

/* Declares static storage and a pool of N slots, each big enough for a
 * state struct of type T (whose first member is a tern_task). */
#define TERN_TASK_POOL_DEFINE(name, T, N)                                  \
  static uint8_t name##_slots[(N)*TERN_TASK_POOL_SLOT_SIZE(T)]             \
      __attribute__((aligned(8)));                                         \
  static uint32_t name##_used[((N) + 31) / 32];                            \
  static tern_task_pool name = {name##_slots, TERN_TASK_POOL_SLOT_SIZE(T), \
                                (N), name##_used}

/* Copies `size` bytes of initial state (starting with its tern_task, whose
 * poll is set) into a free slot and spawns it. Returns 0, TERN_ENOMEM when
 * every slot is in use, or TERN_EINVAL when the state does not fit a slot.
 * The slot is released when the task's poll returns READY. If `out` is not
 * NULL it receives the spawned task (valid until it finishes). */
int tern_spawn_pooled(tern_executor *ex, tern_task_pool *pool,
                      const void *state, size_t size, tern_task **out);

/* Slots of the pool in use now. */
size_t tern_task_pool_in_use(const tern_task_pool *pool);

/* Internal concurrency inside one task: a child is a poll function with
 * its state; all children share the task's waker, so any wake re-polls
 * every child that is not yet done. */
typedef tern_poll (*tern_poll_fn)(void *state, tern_cx *cx);

typedef struct tern_future {
  tern_poll_fn poll;
  void *state;
} tern_future;

/* The most children tern_join takes: one bit each in its *done. */
#define TERN_JOIN_MAX 32u

/* Polls every child whose bit in *done is clear, setting the bit when it
 * completes; READY once all n are done. Clear *done first. n must be at
 * most TERN_JOIN_MAX: more is a bug, and calls tern_assert_failed in
 * every build (if a handler of the program's own returns, the join is
 * READY at once with *done 0 and no child polled: an error the caller
 * tells from a join that completed, whose n bits are all set). */
tern_poll tern_join(tern_future *children, size_t n, uint32_t *done,
                    tern_cx *cx);

/* Polls the children in order; READY as soon as one is, with its index in
 * *which. The others are simply not polled again (drop their state or
 * cancel them as their API says: a losing branch's timer stays armed until
 * tern_timer_cancel or its deadline, and debug builds report one whose
 * storage is reset while armed, or left armed in a pooled task that
 * finishes; tern/timer.h). n must be at least 1: 0 is a bug, and
 * calls tern_assert_failed in every build (if a handler of the program's
 * own returns, the select is READY at once with *which 0, which no child
 * has). */
tern_poll tern_select(tern_future *children, size_t n, size_t *which,
                      tern_cx *cx);

#ifdef __cplusplus
}
#endif

#endif /* TERN_EXECUTOR_H */
