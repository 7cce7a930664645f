#include "tern/timer.h"

#include <gtest/gtest.h>

#include "executor/test_waker.h"

#include <vector>

#include "tern/sim.h"

namespace {

class TimerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tern_sim_set_time(0);
  }
  // Every test leaves the queue empty: an armed timer on a dead stack frame
  // would be a bug in the test.
  void TearDown() override {
    tern_time next;
    EXPECT_FALSE(tern_timers_next(&next));
  }
};

TEST_F(TimerTest, ReadyAtTheDeadlineNotBefore) {
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  tern_timer t = TERN_TIMER_INIT;
  EXPECT_EQ(tern_sleep_until(&t, &cx, 100), TERN_PENDING);
  tern_sim_set_time(99);
  EXPECT_EQ(tern_timers_fire(tern_now()), 0u);
  EXPECT_EQ(tern_sleep_until(&t, &cx, 100), TERN_PENDING);
  tern_sim_set_time(100);
  EXPECT_EQ(tern_timers_fire(tern_now()), 1u);
  EXPECT_EQ(c.wakes, 1);
  EXPECT_EQ(tern_sleep_until(&t, &cx, 100), TERN_READY);
}

TEST_F(TimerTest, FiresInDeadlineOrderAndReportsTheEarliest) {
  tern_test::CountingWaker c[4];
  tern_timer t[4] = {TERN_TIMER_INIT, TERN_TIMER_INIT, TERN_TIMER_INIT,
                     TERN_TIMER_INIT};
  const tern_time deadlines[4] = {300, 100, 200, 100};
  for (int i = 0; i < 4; i++) {
    tern_cx cx = c[i].Cx();
    tern_sleep_until(&t[i], &cx, deadlines[i]);
  }
  tern_time next = 0;
  ASSERT_TRUE(tern_timers_next(&next));
  EXPECT_EQ(next, 100u);
  EXPECT_EQ(tern_timers_fire(100), 2u);
  EXPECT_EQ(c[1].wakes + c[3].wakes, 2);
  ASSERT_TRUE(tern_timers_next(&next));
  EXPECT_EQ(next, 200u);
  EXPECT_EQ(tern_timers_fire(1000), 2u);
  EXPECT_FALSE(tern_timers_next(&next));
}

TEST_F(TimerTest, CancelDisarms) {
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  tern_timer a = TERN_TIMER_INIT, b = TERN_TIMER_INIT;
  tern_sleep_for(&a, &cx, 50);
  tern_sleep_for(&b, &cx, 60);
  tern_timer_cancel(&a);
  tern_timer_cancel(&a);  // twice is harmless
  tern_time next = 0;
  ASSERT_TRUE(tern_timers_next(&next));
  EXPECT_EQ(next, 60u);
  EXPECT_EQ(tern_timers_fire(1000), 1u);
  EXPECT_EQ(c.wakes, 1);
}

TEST_F(TimerTest, RepolledWithANewDeadlineMoves) {
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  tern_timer t = TERN_TIMER_INIT;
  tern_sleep_until(&t, &cx, 500);
  tern_sleep_until(&t, &cx, 50);
  EXPECT_EQ(tern_timers_fire(50), 1u);
  EXPECT_EQ(tern_timers_fire(500), 0u);
}

TEST_F(TimerTest, SleepForKeepsItsDeadlineAcrossPolls) {
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  tern_timer t = TERN_TIMER_INIT;
  EXPECT_EQ(tern_sleep_for(&t, &cx, 100), TERN_PENDING);
  tern_sim_advance(60);
  EXPECT_EQ(tern_sleep_for(&t, &cx, 100), TERN_PENDING);  // not reset to 160
  tern_sim_advance(40);
  EXPECT_EQ(tern_sleep_for(&t, &cx, 100), TERN_READY);
  // Finished: the next sleep_for starts afresh.
  EXPECT_EQ(tern_sleep_for(&t, &cx, 100), TERN_PENDING);
  tern_time next = 0;
  ASSERT_TRUE(tern_timers_next(&next));
  EXPECT_EQ(next, 200u);
  tern_timer_cancel(&t);
}

TEST_F(TimerTest, OrderSurvivesTheClockWrapping) {
  tern_sim_set_time(0xffffff00u);
  tern_test::CountingWaker early, late;
  tern_cx ce = early.Cx(), cl = late.Cx();
  tern_timer a = TERN_TIMER_INIT, b = TERN_TIMER_INIT;
  tern_sleep_for(&b, &cl, 0x200);  // deadline 0x100, after the wrap
  tern_sleep_for(&a, &ce, 0x80);   // deadline 0xffffff80
  tern_time next = 0;
  ASSERT_TRUE(tern_timers_next(&next));
  EXPECT_EQ(next, 0xffffff80u);
  EXPECT_EQ(tern_timers_fire(0xffffff80u), 1u);
  EXPECT_EQ(early.wakes, 1);
  EXPECT_EQ(tern_timers_fire(0xffffffffu), 0u);
  EXPECT_EQ(tern_timers_fire(0x100u), 1u);
  EXPECT_EQ(late.wakes, 1);
}

TEST_F(TimerTest, WithTimeoutEitherWay) {
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  tern_timer t = TERN_TIMER_INIT;
  bool expired = true;
  // The operation finishes first: the timer is cancelled.
  EXPECT_EQ(tern_with_timeout(&t, &cx, TERN_PENDING, 100, &expired),
            TERN_PENDING);
  EXPECT_EQ(tern_with_timeout(&t, &cx, TERN_READY, 100, &expired), TERN_READY);
  EXPECT_FALSE(expired);
  tern_time next;
  EXPECT_FALSE(tern_timers_next(&next));
  // The deadline comes first.
  EXPECT_EQ(tern_with_timeout(&t, &cx, TERN_PENDING, 100, &expired),
            TERN_PENDING);
  tern_sim_advance(100);
  EXPECT_EQ(tern_timers_fire(tern_now()), 1u);
  EXPECT_EQ(tern_with_timeout(&t, &cx, TERN_PENDING, 100, &expired),
            TERN_READY);
  EXPECT_TRUE(expired);
}

}  // namespace
