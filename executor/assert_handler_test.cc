// What the executor does after a failed check when the program's own
// tern_assert_failed returns (a handler that logs and goes on): the
// release behaviour behind each check. This binary's handler records the
// message and returns (it overrides the weak default in poll.c, so these
// cases cannot live beside death tests).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tern/executor.h"

namespace {

std::vector<std::string> g_assert_failures;

}  // namespace

extern "C" void tern_assert_failed(const char *msg) {
  g_assert_failures.push_back(msg);
}

namespace {

struct Child {
  int polls = 0;
};

tern_poll ChildPoll(void *state, tern_cx *cx) {
  static_cast<Child *>(state)->polls++;
  (void)tern_cx_waker(cx);
  return TERN_READY;
}

// More than TERN_JOIN_MAX children: the check fires, and the join is READY
// at once with *done 0 and no child polled, so the task ends and its
// caller can tell (a real join of n children is READY with all n bits
// set). Before, it was PENDING without storing a waker: the task slept
// for ever.
TEST(AssertHandlerReturns, JoinOfTooManyChildrenIsReadyWithNoneDone) {
  g_assert_failures.clear();
  std::vector<Child> children(TERN_JOIN_MAX + 1);
  std::vector<tern_future> kids;
  for (Child &c : children) {
    kids.push_back(tern_future{ChildPoll, &c});
  }
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  uint32_t done = 0x5a;
  EXPECT_EQ(tern_join(kids.data(), kids.size(), &done, &cx), TERN_READY);
  EXPECT_EQ(done, 0u);
  ASSERT_EQ(g_assert_failures.size(), 1u);
  EXPECT_NE(g_assert_failures[0].find("more than TERN_JOIN_MAX"),
            std::string::npos);
  for (const Child &c : children) {
    EXPECT_EQ(c.polls, 0);
  }
}

// A select of no children could never be READY, and PENDING would store
// no waker: the task would sleep for ever. The check fires and the select
// is READY at once with *which 0, an index no child has, so the caller can
// tell.
TEST(AssertHandlerReturns, SelectOfNoChildrenIsReadyWithNoIndex) {
  g_assert_failures.clear();
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  size_t which = 7;
  EXPECT_EQ(tern_select(nullptr, 0, &which, &cx), TERN_READY);
  EXPECT_EQ(which, 0u);
  ASSERT_EQ(g_assert_failures.size(), 1u);
  EXPECT_NE(g_assert_failures[0].find("no children"), std::string::npos);
}

#ifndef NDEBUG
// A pooled task that ends on a select whose losing branch, a sleep, was
// never cancelled: its slot goes back to the pool with the timer still
// linked in the executor's queue, where the next spawn would overwrite
// it. Debug builds report it when the task finishes and cancel the timer.
struct SleepyPooled {
  tern_task task;  // first member: the pool needs it
  tern_timer t;
  bool other_done;
};

tern_poll SleepBranchPoll(void *state, tern_cx *cx) {
  return tern_sleep_for(&static_cast<SleepyPooled *>(state)->t, cx, 1000);
}

tern_poll OtherBranchPoll(void *state, tern_cx *cx) {
  (void)tern_cx_waker(cx);
  return static_cast<SleepyPooled *>(state)->other_done ? TERN_READY
                                                        : TERN_PENDING;
}

tern_poll SleepyPooledPoll(tern_task *task, tern_cx *cx) {
  SleepyPooled *s = TERN_CONTAINER_OF(task, SleepyPooled, task);
  tern_future kids[2] = {{SleepBranchPoll, s}, {OtherBranchPoll, s}};
  size_t which;
  return tern_select(kids, 2, &which, cx);
}

TERN_TASK_POOL_DEFINE(sleepy_pool, SleepyPooled, 1);

TEST(AssertHandlerReturns, APooledTaskEndingWithATimerArmedIsReported) {
  g_assert_failures.clear();
  tern_executor ex;
  tern_executor_init(&ex);
  SleepyPooled init{};
  init.task.poll = SleepyPooledPoll;
  init.t = TERN_TIMER_INIT;
  init.other_done = true;
  tern_task *task = nullptr;
  ASSERT_EQ(tern_spawn_pooled(&ex, &sleepy_pool, &init, sizeof init, &task), 0);
  EXPECT_EQ(tern_executor_run_once(&ex), 1u);
  EXPECT_TRUE(tern_task_done(task));
  ASSERT_EQ(g_assert_failures.size(), 1u);
  EXPECT_NE(g_assert_failures[0].find("timer still armed"), std::string::npos);
  tern_time next = 0;
  EXPECT_FALSE(tern_timer_queue_next(&ex.timers, &next));  // cancelled
  EXPECT_EQ(tern_task_pool_in_use(&sleepy_pool), 0u);
}

// The same select, but the task resets the losing branch's state for a
// next round (TERN_TIMER_INIT, no cancel) and then finishes: the timer is
// still linked in the queue, with its queue pointer cleared. The check
// reports it and must take it out all the same; before, it called
// tern_timer_cancel, which finds no queue in the reset timer and does
// nothing, so the slot went back to the pool still linked in the queue.
tern_poll ResetThenFinishPoll(tern_task *task, tern_cx *cx) {
  SleepyPooled *s = TERN_CONTAINER_OF(task, SleepyPooled, task);
  tern_future kids[2] = {{SleepBranchPoll, s}, {OtherBranchPoll, s}};
  size_t which;
  if (tern_select(kids, 2, &which, cx) == TERN_PENDING) {
    return TERN_PENDING;
  }
  s->t = TERN_TIMER_INIT;  // the next round's fresh state; there is none
  return TERN_READY;
}

TERN_TASK_POOL_DEFINE(reset_pool, SleepyPooled, 1);

TEST(AssertHandlerReturns, APooledTaskEndingWithAResetTimerStillLinked) {
  g_assert_failures.clear();
  tern_executor ex;
  tern_executor_init(&ex);
  SleepyPooled init{};
  init.task.poll = ResetThenFinishPoll;
  init.t = TERN_TIMER_INIT;
  init.other_done = true;
  tern_task *task = nullptr;
  ASSERT_EQ(tern_spawn_pooled(&ex, &reset_pool, &init, sizeof init, &task), 0);
  EXPECT_EQ(tern_executor_run_once(&ex), 1u);
  EXPECT_TRUE(tern_task_done(task));
  ASSERT_EQ(g_assert_failures.size(), 1u);
  EXPECT_NE(g_assert_failures[0].find("timer still armed"), std::string::npos);
  tern_time next = 0;
  EXPECT_FALSE(tern_timer_queue_next(&ex.timers, &next));  // taken out
  EXPECT_EQ(tern_task_pool_in_use(&reset_pool), 0u);
}
#endif

}  // namespace
