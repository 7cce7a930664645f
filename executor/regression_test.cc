#include <gtest/gtest.h>

#include "tern/executor.h"
#include "tern/sim.h"

namespace {

// A task whose final poll also wakes its own waker (e.g. a select child that
// yielded with tern_cx_wake_now, or an ISR firing the task's stored waker
// while it runs) and then returns READY.
struct SelfWakeThenDone {
  tern_task task;
  int polls;
};

tern_poll SelfWakeThenDonePoll(tern_task *t, tern_cx *cx) {
  SelfWakeThenDone *s = TERN_CONTAINER_OF(t, SelfWakeThenDone, task);
  s->polls++;
  tern_cx_wake_now(cx);
  return TERN_READY;
}

TEST(ExecutorRegression, FinishedTaskIsNotPolledAgain) {
  tern_executor ex;
  tern_executor_init(&ex);
  SelfWakeThenDone s{};
  tern_task_init(&s.task, SelfWakeThenDonePoll);
  ASSERT_EQ(tern_spawn(&ex, &s.task), 0);
  tern_executor_run_once(&ex);
  EXPECT_TRUE(tern_task_done(&s.task));
  tern_executor_run_once(&ex);
  // "READY ends the task": it must not be polled after returning READY.
  EXPECT_EQ(s.polls, 1);
}

// Waits on a flag; records polls.
struct Idle {
  tern_task task;
  int polls;
  bool done;
};
tern_poll IdlePoll(tern_task *t, tern_cx *cx) {
  Idle *s = TERN_CONTAINER_OF(t, Idle, task);
  s->polls++;
  if (s->done)
    return TERN_READY;
  tern_cx_wake_now(cx);  // stays runnable: polled every batch
  return TERN_PENDING;
}

TERN_TASK_POOL_DEFINE(review_pool, SelfWakeThenDone, 1);

TEST(ExecutorRegression, PooledSlotReusedWhileStillQueuedLosesOtherTasks) {
  tern_executor ex;
  tern_executor_init(&ex);
  SelfWakeThenDone proto{};
  proto.task.poll = SelfWakeThenDonePoll;
  tern_task *first = nullptr;
  ASSERT_EQ(tern_spawn_pooled(&ex, &review_pool, &proto, sizeof proto, &first),
            0);
  Idle other{};
  tern_task_init(&other.task, IdlePoll);
  ASSERT_EQ(tern_spawn(&ex, &other.task), 0);
  // Batch 1: the pooled task wakes itself and finishes. The wake queued it
  // again; finishing must take it off the run queue before its slot is
  // free (before the fix the slot was freed with the task still queued,
  // and a new task spawned into it cut the queue).
  tern_executor_run_once(&ex);
  ASSERT_EQ(tern_task_pool_in_use(&review_pool), 0u);
  EXPECT_EQ(TERN_CONTAINER_OF(first, SelfWakeThenDone, task)->polls, 1);
  // The slot is free, so a new pooled task takes it and is spawned.
  tern_task *second = nullptr;
  ASSERT_EQ(tern_spawn_pooled(&ex, &review_pool, &proto, sizeof proto, &second),
            0);
  ASSERT_EQ(first, second);
  int before = other.polls;
  for (int i = 0; i < 4; i++)
    tern_executor_run_once(&ex);
  // `other` is runnable (it wakes itself each poll) and must keep running.
  EXPECT_GT(other.polls, before);
}

}  // namespace
