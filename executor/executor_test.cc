#include "tern/executor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tern/co.h"
#include "tern/sim.h"
#include "tern/timer.h"

namespace {

std::vector<std::string> g_trace;

// A task that records each poll and finishes after `polls_left` polls,
// waking itself after each (so it is polled once per batch).
struct Looper {
  tern_task task;  // first member: the pool and TERN_CONTAINER_OF need it
  const char *name;
  int polls_left;
};

tern_poll LooperPoll(tern_task *t, tern_cx *cx) {
  Looper *l = TERN_CONTAINER_OF(t, Looper, task);
  g_trace.push_back(l->name);
  if (--l->polls_left <= 0) {
    return TERN_READY;
  }
  tern_cx_wake_now(cx);
  return TERN_PENDING;
}

// A task that waits on a slot; records its polls.
struct Waiter {
  tern_task task;
  tern_waker_slot slot;
  bool go;
  int polls;
};

tern_poll WaiterPoll(tern_task *t, tern_cx *cx) {
  Waiter *w = TERN_CONTAINER_OF(t, Waiter, task);
  w->polls++;
  if (w->go) {
    return TERN_READY;
  }
  tern_waker_slot_register(&w->slot, cx);
  return TERN_PENDING;
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_trace.clear();
    tern_executor_init(&ex);
    tern_sim_set_time(1000);
    tern_sim_allow_stalls(0);
  }
  tern_executor ex;
};

TEST_F(ExecutorTest, TaskHeaderIsSmall) {
  // 16 bytes on a 32-bit target: four words.
  EXPECT_EQ(sizeof(tern_task), 4 * sizeof(void *));
}

TEST_F(ExecutorTest, SpawnedTasksRunInOrderAndFinish) {
  Looper a{{}, "a", 1}, b{{}, "b", 1};
  tern_task_init(&a.task, LooperPoll);
  tern_task_init(&b.task, LooperPoll);
  ASSERT_EQ(tern_spawn(&ex, &a.task), 0);
  ASSERT_EQ(tern_spawn(&ex, &b.task), 0);
  EXPECT_EQ(tern_executor_run_once(&ex), 2u);
  EXPECT_EQ(g_trace, std::vector<std::string>({"a", "b"}));
  EXPECT_TRUE(tern_task_done(&a.task));
  EXPECT_TRUE(tern_task_done(&b.task));
  EXPECT_EQ(tern_executor_run_once(&ex), 0u);
}

TEST_F(ExecutorTest, SpawnRejectsBadArgumentsAndDoubleSpawn) {
  Looper a{{}, "a", 2};
  tern_task_init(&a.task, LooperPoll);
  EXPECT_EQ(tern_spawn(nullptr, &a.task), TERN_EINVAL);
  EXPECT_EQ(tern_spawn(&ex, nullptr), TERN_EINVAL);
  tern_task none;
  tern_task_init(&none, nullptr);
  EXPECT_EQ(tern_spawn(&ex, &none), TERN_EINVAL);
  ASSERT_EQ(tern_spawn(&ex, &a.task), 0);
  EXPECT_EQ(tern_spawn(&ex, &a.task), TERN_EBUSY);
  tern_executor_run(&ex, &a.task);
  // A finished task may be spawned again.
  a.polls_left = 1;
  EXPECT_EQ(tern_spawn(&ex, &a.task), 0);
  tern_executor_run(&ex, &a.task);
  EXPECT_EQ(g_trace.size(), 3u);
}

// tern_block_on of a root it cannot spawn returned at once, running
// nothing and saying nothing: the caller could not tell that from a root
// that ran to the end. It returns tern_spawn's error now.
TEST_F(ExecutorTest, BlockOnSaysWhyItCannotSpawnTheRoot) {
  Looper a{{}, "a", 1};
  tern_task_init(&a.task, LooperPoll);
  EXPECT_EQ(tern_block_on(nullptr, &a.task), TERN_EINVAL);
  EXPECT_EQ(tern_block_on(&ex, nullptr), TERN_EINVAL);
  ASSERT_EQ(tern_spawn(&ex, &a.task), 0);
  EXPECT_EQ(tern_block_on(&ex, &a.task), TERN_EBUSY);
  EXPECT_TRUE(g_trace.empty());
  EXPECT_FALSE(tern_task_done(&a.task));
  tern_executor_run(&ex, &a.task);
  a.polls_left = 1;
  EXPECT_EQ(tern_block_on(&ex, &a.task), 0);  // done, so spawned again
  EXPECT_EQ(g_trace, std::vector<std::string>({"a", "a"}));
}

TEST_F(ExecutorTest, WakeIsIdempotent) {
  Waiter w{};
  tern_task_init(&w.task, WaiterPoll);
  tern_spawn(&ex, &w.task);
  tern_executor_run_once(&ex);
  EXPECT_EQ(w.polls, 1);
  tern_task_wake(&w.task);
  tern_task_wake(&w.task);
  tern_task_wake(&w.task);
  EXPECT_EQ(tern_executor_run_once(&ex), 1u);
  EXPECT_EQ(w.polls, 2);
  EXPECT_EQ(tern_executor_run_once(&ex), 0u);
}

TEST_F(ExecutorTest, WakeOrderIsFifo) {
  Waiter w[3] = {};
  for (auto &x : w) {
    tern_task_init(&x.task, WaiterPoll);
    tern_spawn(&ex, &x.task);
  }
  tern_executor_run_once(&ex);
  // Wake in the order 2, 0, 1 and check the poll order through a trace.
  struct Tracer {
    static tern_poll Poll(tern_task *t, tern_cx *cx) {
      Waiter *x = TERN_CONTAINER_OF(t, Waiter, task);
      g_trace.push_back(std::to_string(x->polls));
      return WaiterPoll(t, cx);
    }
  };
  for (int i = 0; i < 3; i++) {
    w[i].task.poll = Tracer::Poll;
    w[i].polls = 10 * i;
  }
  tern_waker_slot_wake(&w[2].slot);
  tern_waker_slot_wake(&w[0].slot);
  tern_waker_slot_wake(&w[1].slot);
  tern_executor_run_once(&ex);
  EXPECT_EQ(g_trace, std::vector<std::string>({"20", "0", "10"}));
}

TEST_F(ExecutorTest, SelfWakingTaskCannotStarveOthers) {
  Looper hog{{}, "hog", 1000}, a{{}, "a", 3};
  tern_task_init(&hog.task, LooperPoll);
  tern_task_init(&a.task, LooperPoll);
  tern_spawn(&ex, &hog.task);
  tern_spawn(&ex, &a.task);
  for (int i = 0; i < 3; i++) {
    tern_executor_run_once(&ex);
  }
  EXPECT_TRUE(tern_task_done(&a.task));
  EXPECT_EQ(g_trace,
            std::vector<std::string>({"hog", "a", "hog", "a", "hog", "a"}));
}

// A wake that lands while the task is being polled (an interrupt firing
// between the task's check and its return) must cause another poll.
struct Racer {
  tern_task task;
  tern_waker_slot slot;
  int polls;
  bool data;
};

tern_poll RacerPoll(tern_task *t, tern_cx *cx) {
  Racer *r = TERN_CONTAINER_OF(t, Racer, task);
  r->polls++;
  if (r->data) {
    return TERN_READY;
  }
  tern_waker_slot_register(&r->slot, cx);
  if (r->polls == 1) {
    // The "interrupt": data arrives and the slot is woken after the check.
    r->data = true;
    tern_waker_slot_wake(&r->slot);
  }
  return TERN_PENDING;
}

TEST_F(ExecutorTest, NoLostWakeWhenAWakeRacesThePoll) {
  Racer r{};
  tern_task_init(&r.task, RacerPoll);
  tern_block_on(&ex, &r.task);
  EXPECT_TRUE(tern_task_done(&r.task));
  EXPECT_EQ(r.polls, 2);
}

TEST_F(ExecutorTest, WakesAfterDoneAreIgnored) {
  Looper a{{}, "a", 1};
  tern_task_init(&a.task, LooperPoll);
  tern_block_on(&ex, &a.task);
  tern_task_wake(&a.task);
  EXPECT_EQ(tern_executor_run_once(&ex), 0u);
}

TEST_F(ExecutorTest, RunSleepsInThePortUntilATimer) {
  struct Sleeper {
    tern_task task;
    tern_timer timer;
    tern_co co;
    int wakeups;
  };
  static Sleeper s;
  s = Sleeper{};
  tern_task_init(&s.task, [](tern_task *t, tern_cx *cx) -> tern_poll {
    Sleeper *sl = TERN_CONTAINER_OF(t, Sleeper, task);
    TERN_CO_BEGIN(&sl->co);
    for (sl->wakeups = 0; sl->wakeups < 5; sl->wakeups++) {
      TERN_CO_AWAIT(&sl->co, tern_sleep_for(&sl->timer, cx, 100));
    }
    TERN_CO_END(&sl->co);
  });
  tern_block_on(&ex, &s.task);
  EXPECT_EQ(s.wakeups, 5);
  EXPECT_EQ(tern_now(), 1500u);
  EXPECT_EQ(ex.sleeps, 5u);
}

// A task that sleeps until its deadline once.
struct Sleeper {
  tern_task task;
  tern_timer timer;
  tern_time deadline;
  int polls;
};

tern_poll SleeperPoll(tern_task *t, tern_cx *cx) {
  Sleeper *s = TERN_CONTAINER_OF(t, Sleeper, task);
  s->polls++;
  return tern_sleep_until(&s->timer, cx, s->deadline);
}

// Two executors in one program (one at interrupt priority beside the main
// one, say): each arms its tasks' timers in its own queue, fires only
// those and sleeps only until its own earliest deadline.
TEST_F(ExecutorTest, TwoExecutorsEachFireOnlyTheirOwnTimers) {
  static Sleeper a, b;
  a = Sleeper{};
  b = Sleeper{};
  tern_task_init(&a.task, SleeperPoll);
  tern_task_init(&b.task, SleeperPoll);
  a.deadline = 1100;
  b.deadline = 1050;  // earlier, on the other executor
  tern_executor other;
  tern_executor_init(&other);
  ASSERT_EQ(tern_spawn(&other, &b.task), 0);
  EXPECT_EQ(tern_executor_run_once(&other), 1u);  // b armed in other's queue
  tern_time next = 0;
  ASSERT_TRUE(tern_timer_queue_next(&other.timers, &next));
  EXPECT_EQ(next, 1050u);
  EXPECT_FALSE(tern_timer_queue_next(&ex.timers, &next));

  // ex runs a to the end: it sleeps once, straight to a's deadline (not
  // b's), and leaves b's timer alone although it is long due.
  tern_block_on(&ex, &a.task);
  EXPECT_EQ(tern_now(), 1100u);
  EXPECT_EQ(ex.sleeps, 1u);
  EXPECT_EQ(a.polls, 2);
  EXPECT_EQ(b.polls, 1);
  ASSERT_TRUE(tern_timer_queue_next(&other.timers, &next));
  EXPECT_EQ(next, 1050u);
  EXPECT_FALSE(tern_task_done(&b.task));

  // other fires it on its next batch and polls b to the end.
  EXPECT_EQ(tern_executor_run_once(&other), 1u);
  EXPECT_TRUE(tern_task_done(&b.task));
  EXPECT_EQ(b.polls, 2);
  EXPECT_FALSE(tern_timer_queue_next(&other.timers, &next));
}

struct Pooled {
  tern_task task;
  int id;
  int *finished;
  bool go;
};

tern_poll PooledPoll(tern_task *t, tern_cx *cx) {
  Pooled *p = TERN_CONTAINER_OF(t, Pooled, task);
  if (!p->go) {
    tern_cx_waker(cx);  // woken by the test through the task pointer
    return TERN_PENDING;
  }
  (*p->finished)++;
  return TERN_READY;
}

TERN_TASK_POOL_DEFINE(test_pool, Pooled, 2);

TEST_F(ExecutorTest, PoolExhaustsAndRecovers) {
  int finished = 0;
  Pooled init{{}, 0, &finished, false};
  init.task.poll = PooledPoll;
  tern_task *t[3] = {};
  ASSERT_EQ(tern_spawn_pooled(&ex, &test_pool, &init, sizeof init, &t[0]), 0);
  ASSERT_EQ(tern_spawn_pooled(&ex, &test_pool, &init, sizeof init, &t[1]), 0);
  EXPECT_NE(t[0], t[1]);
  EXPECT_EQ(tern_task_pool_in_use(&test_pool), 2u);
  EXPECT_EQ(tern_spawn_pooled(&ex, &test_pool, &init, sizeof init, &t[2]),
            TERN_ENOMEM);
  tern_executor_run_once(&ex);
  EXPECT_EQ(finished, 0);

  TERN_CONTAINER_OF(t[0], Pooled, task)->go = true;
  tern_task_wake(t[0]);
  tern_executor_run_once(&ex);
  EXPECT_EQ(finished, 1);
  EXPECT_EQ(tern_task_pool_in_use(&test_pool), 1u);
  ASSERT_EQ(tern_spawn_pooled(&ex, &test_pool, &init, sizeof init, &t[2]), 0);
  EXPECT_EQ(t[2], t[0]);  // the freed slot is reused

  char big[TERN_TASK_POOL_SLOT_SIZE(Pooled)] = {};
  EXPECT_EQ(tern_spawn_pooled(&ex, &test_pool, big, sizeof big, nullptr),
            TERN_EINVAL);
  EXPECT_EQ(tern_spawn_pooled(&ex, &test_pool, big, 2, nullptr), TERN_EINVAL);
  // A size so large that the slot header plus it wraps to a small number
  // is refused too. Before, that sum passed the fit check, and with a
  // free slot the copy of SIZE_MAX - 6 bytes ran over the whole memory
  // (here the pool is full, so it came back TERN_ENOMEM, past the check).
  EXPECT_EQ(tern_spawn_pooled(&ex, &test_pool, big,
                              SIZE_MAX - (TERN_TASK_POOL_HDR - 2), nullptr),
            TERN_EINVAL);
}

// join/select over two children that become ready on flags.
struct Flag {
  bool ready;
  int polls;
};

tern_poll FlagPoll(void *state, tern_cx *cx) {
  Flag *f = static_cast<Flag *>(state);
  f->polls++;
  if (f->ready) {
    return TERN_READY;
  }
  tern_cx_waker(cx);
  return TERN_PENDING;
}

TEST_F(ExecutorTest, JoinWaitsForAllAndStopsPollingFinishedChildren) {
  Flag a{false, 0}, b{false, 0};
  tern_future kids[2] = {{FlagPoll, &a}, {FlagPoll, &b}};
  uint32_t done = 0;
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  EXPECT_EQ(tern_join(kids, 2, &done, &cx), TERN_PENDING);
  a.ready = true;
  EXPECT_EQ(tern_join(kids, 2, &done, &cx), TERN_PENDING);
  EXPECT_EQ(done, 1u);
  b.ready = true;
  EXPECT_EQ(tern_join(kids, 2, &done, &cx), TERN_READY);
  EXPECT_EQ(a.polls, 2);  // not polled after it finished
  EXPECT_EQ(b.polls, 3);
}

// *done has 32 bits: 32 children are joined, a 33rd is a bug refused in
// every build (before, the join ignored the 33rd and returned READY
// without ever polling it).
TEST_F(ExecutorTest, JoinTakesThirtyTwoChildrenAndRefusesMore) {
  std::vector<Flag> flags(TERN_JOIN_MAX + 1, Flag{true, 0});
  std::vector<tern_future> kids;
  for (Flag &f : flags) {
    kids.push_back(tern_future{FlagPoll, &f});
  }
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  uint32_t done = 0;
  EXPECT_EQ(tern_join(kids.data(), TERN_JOIN_MAX, &done, &cx), TERN_READY);
  EXPECT_EQ(done, 0xffffffffu);
  EXPECT_EQ(flags[TERN_JOIN_MAX - 1].polls, 1);
  done = 0;
  EXPECT_DEATH(tern_join(kids.data(), kids.size(), &done, &cx),
               "more than TERN_JOIN_MAX");
}

TEST_F(ExecutorTest, SelectReturnsTheFirstReady) {
  Flag a{false, 0}, b{false, 0};
  tern_future kids[2] = {{FlagPoll, &a}, {FlagPoll, &b}};
  size_t which = 99;
  tern_cx cx = tern_cx_make(tern_waker{nullptr, nullptr}, nullptr);
  EXPECT_EQ(tern_select(kids, 2, &which, &cx), TERN_PENDING);
  b.ready = true;
  EXPECT_EQ(tern_select(kids, 2, &which, &cx), TERN_READY);
  EXPECT_EQ(which, 1u);
  a.ready = true;
  EXPECT_EQ(tern_select(kids, 2, &which, &cx), TERN_READY);
  EXPECT_EQ(which, 0u);
}

// A task that wakes itself (twice, through its cx and by name) in every
// poll, and finishes in its second.
struct SelfWaker {
  tern_task task;
  int polls;
};

tern_poll SelfWakerPoll(tern_task *t, tern_cx *cx) {
  SelfWaker *s = TERN_CONTAINER_OF(t, SelfWaker, task);
  s->polls++;
  tern_cx_wake_now(cx);
  tern_task_wake(t);
  return s->polls == 2 ? TERN_READY : TERN_PENDING;
}

// Woken during its last poll, a task is not polled again; a wake after it
// finished queues nothing; spawned again, it runs again, once per batch.
TEST_F(ExecutorTest, WokenInItsLastPollThenSpawnedAgain) {
  SelfWaker a{{}, 0}, b{{}, 0};
  tern_task_init(&a.task, SelfWakerPoll);
  tern_task_init(&b.task, SelfWakerPoll);
  ASSERT_EQ(tern_spawn(&ex, &a.task), 0);
  ASSERT_EQ(tern_spawn(&ex, &b.task), 0);
  EXPECT_EQ(tern_spawn(&ex, &a.task), TERN_EBUSY);
  EXPECT_EQ(tern_executor_run_once(&ex), 2u);
  EXPECT_EQ(tern_executor_run_once(&ex), 2u);
  EXPECT_EQ(tern_executor_run_once(&ex), 0u);
  tern_task_wake(&a.task);
  EXPECT_EQ(tern_executor_run_once(&ex), 0u);
  a.polls = 0;
  ASSERT_EQ(tern_spawn(&ex, &a.task), 0);
  EXPECT_EQ(tern_executor_run_once(&ex), 1u);
  EXPECT_EQ(tern_executor_run_once(&ex), 1u);
  EXPECT_EQ(tern_executor_run_once(&ex), 0u);
  EXPECT_TRUE(tern_task_done(&a.task));
  EXPECT_EQ(a.polls, 2);
  EXPECT_EQ(b.polls, 2);
}

#ifndef NDEBUG
tern_poll ForgetfulPoll(tern_task *, tern_cx *) {
  return TERN_PENDING;
}

TEST_F(ExecutorTest, DebugBuildCatchesPendingWithoutWaker) {
  tern_task t;
  tern_task_init(&t, ForgetfulPoll);
  tern_spawn(&ex, &t);
  EXPECT_DEATH(tern_executor_run_once(&ex), "without storing its waker");
}
#endif

}  // namespace
