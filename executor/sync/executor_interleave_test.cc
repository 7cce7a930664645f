#include <gtest/gtest.h>

#include "executor/sync/sync_testing.h"
#include "tern/executor.h"
#include "tern/port.h"

namespace {

// The run loop under sync_testing's simulated interrupts: an "interrupt"
// after the k-th critical-section exit (for every k the run reaches) sets
// a flag and wakes task A, the way a driver's handler does, while A waits
// for the flag and B keeps waking itself. It lives here for sync_testing's
// hook on the port's critical section. Whatever exit the wake follows
// (taking the run queue, queueing B, A's or B's finish, the waker slot's
// own sections), A is polled after it and finishes, is never polled once
// done, and a pooled A gives its slot back.

struct TaskA {
  tern_task task;
};

tern_waker_slot g_slot = TERN_WAKER_SLOT_INIT;
bool g_flag;
bool g_a_done;
int g_polls_after_done;
int g_b_left;

tern_poll APoll(tern_task *, tern_cx *cx) {
  if (g_a_done) {
    g_polls_after_done++;
  }
  tern_waker_slot_register(&g_slot, cx);  // register, then look
  if (g_flag) {
    g_a_done = true;
    return TERN_READY;
  }
  // More of the poll's work, with a section of its own (a driver's ring
  // read): an interrupt after it comes once A has looked, and only the
  // run loop's arming before the poll keeps that wake.
  tern_port_critical_exit(tern_port_critical_enter());
  return TERN_PENDING;
}

tern_poll BPoll(tern_task *, tern_cx *cx) {
  if (g_b_left-- > 0) {
    tern_cx_wake_now(cx);
    return TERN_PENDING;
  }
  return TERN_READY;
}

TERN_TASK_POOL_DEFINE(g_pool, TaskA, 1);

enum Wake { kBySlot, kByTask };

// Returns whether the interrupt came during the run.
bool RunCase(int k, bool pooled, Wake how) {
  g_slot = TERN_WAKER_SLOT_INIT;
  g_flag = false;
  g_a_done = false;
  g_polls_after_done = 0;
  g_b_left = 3;
  tern_executor ex;
  tern_executor_init(&ex);
  static TaskA a;
  static tern_task b;
  tern_task_init(&a.task, APoll);
  tern_task_init(&b, BPoll);
  tern_task *ap = &a.task;
  if (pooled) {
    EXPECT_EQ(tern_spawn_pooled(&ex, &g_pool, &a, sizeof a, &ap), 0);
  } else {
    EXPECT_EQ(tern_spawn(&ex, &a.task), 0);
  }
  EXPECT_EQ(tern_spawn(&ex, &b), 0);
  tern_test::InterruptAfterExits(k, [&] {
    g_flag = true;
    if (how == kByTask) {
      tern_task_wake(ap);
    } else {
      tern_waker_slot_wake(&g_slot);
    }
  });
  for (int i = 0; i < 12; i++) {
    tern_executor_run_once(&ex);
  }
  bool fired = tern_test::InterruptFired();
  if (fired) {
    // The batch after the wake polls A.
    tern_executor_run_once(&ex);
    EXPECT_TRUE(g_a_done) << "k=" << k << " pooled=" << pooled;
  } else {  // k beyond this run: end A so the next case starts clean
    g_flag = true;
    tern_waker_slot_wake(&g_slot);
    tern_executor_run_once(&ex);
  }
  EXPECT_TRUE(g_a_done);
  EXPECT_EQ(g_polls_after_done, 0) << "k=" << k;
  EXPECT_EQ(tern_task_pool_in_use(&g_pool), 0u) << "k=" << k;
  EXPECT_EQ(tern_executor_run_once(&ex), 0u) << "k=" << k;
  return fired;
}

TEST(ExecutorInterleave, AnInterruptWakeAfterAnyCriticalExitIsNotLost) {
  for (bool pooled : {false, true}) {
    for (Wake how : {kBySlot, kByTask}) {
      int k = 1;
      while (RunCase(k, pooled, how)) {
        k++;
      }
      EXPECT_GT(k, 10);  // the run reached that many exits
    }
  }
}

}  // namespace
