// The executor as compiled for the host port (its critical section is the
// port's mutex): tasks woken from other threads, including while the run
// loop sleeps in epoll_wait, where only the executor's tern_port_notify
// can end the sleep. A lost wake shows as a task that reaches its
// safety-net deadline instead of finishing.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/poll.h"
#include "tern/port.h"
#include "tern/timer.h"

namespace {

constexpr uint32_t kDeadlineMs = 10000;

// A task that waits in a waker slot until a shared counter reaches
// `target`, acknowledging each value it sees. A timer ends it at
// `deadline` (timed_out) if a wake was lost.
struct Waiter {
  tern_task task;  // first, so a tern_task* is a Waiter*
  tern_timer timer;
  tern_time deadline;
  tern_waker_slot slot;
  const std::atomic<int> *published;
  std::atomic<int> acked;
  int target;
  int polls;
  bool timed_out;
};

tern_poll WaiterPoll(tern_task *t, tern_cx *cx) {
  Waiter *w = reinterpret_cast<Waiter *>(t);
  w->polls++;
  // Register before reading: a publish after the read finds the waker.
  tern_waker_slot_register(&w->slot, cx);
  int seen = w->published->load();
  w->acked.store(seen);
  if (seen >= w->target) {
    tern_timer_cancel(&w->timer);
    return TERN_READY;
  }
  if (tern_sleep_until(&w->timer, cx, w->deadline) == TERN_READY) {
    w->timed_out = true;
    return TERN_READY;
  }
  return TERN_PENDING;
}

void InitWaiter(Waiter *w, const std::atomic<int> *published, int target) {
  tern_task_init(&w->task, WaiterPoll);
  w->timer = TERN_TIMER_INIT;
  w->deadline = tern_now() + kDeadlineMs;
  w->slot = TERN_WAKER_SLOT_INIT;
  w->published = published;
  w->acked.store(-1);
  w->target = target;
  w->polls = 0;
  w->timed_out = false;
}

// Ping-pong: another thread publishes the next value only after the task
// acknowledged the last one, then wakes it. The loop has usually gone to
// sleep in epoll_wait by then, so most rounds need the notification.
TEST(HostExecutorTest, WakesFromAnotherThreadEndTheLoopsSleep) {
  constexpr int kRounds = 2000;
  std::atomic<int> published{0};
  static Waiter w;
  InitWaiter(&w, &published, kRounds);
  std::thread producer([&] {
    for (int i = 1; i <= kRounds; i++) {
      while (w.acked.load() != i - 1) {
        std::this_thread::yield();
      }
      published.store(i);
      tern_waker_slot_wake(&w.slot);
    }
  });
  tern_executor ex;
  tern_executor_init(&ex);
  tern_block_on(&ex, &w.task);
  producer.join();
  EXPECT_FALSE(w.timed_out);
  EXPECT_EQ(w.acked.load(), kRounds);
  EXPECT_EQ(w.polls, kRounds + 1);  // one poll per wake, none lost
  EXPECT_GT(ex.sleeps, 0u);         // the loop did sleep between rounds
}

// Several threads wake several tasks at once, directly through the task
// wakers, while the tasks are being polled: the queue stays consistent
// and every task sees the last value.
TEST(HostExecutorTest, ConcurrentWakesFromManyThreadsLoseNone) {
  constexpr int kTasks = 4;
  constexpr int kThreads = 3;
  constexpr int kRounds = 3000;
  std::atomic<int> published{0};
  static Waiter ws[kTasks];
  tern_executor ex;
  tern_executor_init(&ex);
  for (int i = 0; i < kTasks; i++) {
    InitWaiter(&ws[i], &published, kRounds);
    ASSERT_EQ(tern_spawn(&ex, &ws[i].task), 0);
  }
  std::atomic<int> next{1};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      for (;;) {
        int v = next.fetch_add(1);
        if (v > kRounds) {
          return;
        }
        // Publish in order (the counter only grows), then wake everyone.
        int cur = published.load();
        while (cur < v && !published.compare_exchange_weak(cur, v)) {
        }
        for (Waiter &w : ws) {
          tern_task_wake(&w.task);
        }
      }
    });
  }
  // A task that finishes does so only once it has seen kRounds.
  for (int i = 0; i < kTasks; i++) {
    tern_executor_run(&ex, &ws[i].task);
  }
  for (std::thread &t : threads) {
    t.join();
  }
  for (const Waiter &w : ws) {
    EXPECT_FALSE(w.timed_out);
    EXPECT_EQ(w.acked.load(), kRounds);
  }
}

// A task that sleeps kSleeps times for `ms` each and checks that no sleep
// ended early.
struct Ticker {
  tern_task task;  // first, so a tern_task* is a Ticker*
  tern_co co;
  tern_timer timer;
  uint32_t ms;
  tern_time slept_at;
  int ticks;
  int early;
};

constexpr int kSleeps = 25;

tern_poll TickerPoll(tern_task *t, tern_cx *cx) {
  Ticker *k = reinterpret_cast<Ticker *>(t);
  TERN_CO_BEGIN(&k->co);
  for (k->ticks = 0; k->ticks < kSleeps; k->ticks++) {
    k->slept_at = tern_now();
    TERN_CO_AWAIT(&k->co, tern_sleep_for(&k->timer, cx, k->ms));
    if (tern_time_before(tern_now(), k->slept_at + k->ms)) {
      k->early++;
    }
  }
  TERN_CO_END(&k->co);
}

// Two executors, each run by its own thread, each with tasks sleeping on
// timers: each loop fires only its own timer queue and sleeps in the port
// until its own earliest deadline. With one timer queue per program the
// two threads would share its list unlocked (run it under --config=tsan).
TEST(HostExecutorTest, TwoExecutorsOnTwoThreadsEachRunTheirOwnTimers) {
  constexpr int kTasks = 3;
  struct Loop {
    tern_executor ex;
    Ticker tickers[kTasks];
  };
  static Loop loops[2];
  auto run = [](Loop *l, uint32_t first_ms) {
    tern_executor_init(&l->ex);
    for (int i = 0; i < kTasks; i++) {
      Ticker *k = &l->tickers[i];
      *k = Ticker{};
      tern_task_init(&k->task, TickerPoll);
      k->timer = TERN_TIMER_INIT;
      k->ms = first_ms + static_cast<uint32_t>(i);
      ASSERT_EQ(tern_spawn(&l->ex, &k->task), 0);
    }
    for (Ticker &k : l->tickers) {
      tern_executor_run(&l->ex, &k.task);
    }
  };
  std::thread a(run, &loops[0], 1);
  std::thread b(run, &loops[1], 2);
  a.join();
  b.join();
  for (const Loop &l : loops) {
    for (const Ticker &k : l.tickers) {
      EXPECT_EQ(k.ticks, kSleeps);
      EXPECT_EQ(k.early, 0);
    }
    tern_time next;
    EXPECT_FALSE(tern_timer_queue_next(&l.ex.timers, &next));
    EXPECT_GT(l.ex.sleeps, 0u);  // it slept for its own deadlines
  }
}

// Two executors on two threads, both asleep in tern_port_wait at once, and
// a third thread that wakes a task of one, then of the other, in turn,
// each time waiting for that task's acknowledgement. A notification meant
// for one loop must end that loop's sleep: if the other loop's wait takes
// it, the task stalls until its safety deadline (timed_out) instead.
TEST(HostExecutorTest, CrossThreadWakesReachTheLoopTheyAreFor) {
  constexpr int kRounds = 300;
  constexpr uint32_t kSafetyMs = 3000;
  struct Loop {
    tern_executor ex;
    std::atomic<int> published{0};
    Waiter w;
    std::atomic<bool> done{false};
  };
  static Loop loops[2];
  std::atomic<int> started{0};
  auto run = [&](Loop *l) {
    tern_executor_init(&l->ex);
    InitWaiter(&l->w, &l->published, kRounds);
    started.fetch_add(1);
    tern_block_on(&l->ex, &l->w.task);
    l->done.store(true);
  };
  std::thread a(run, &loops[0]);
  std::thread b(run, &loops[1]);
  while (started.load() != 2) {
    std::this_thread::yield();
  }
  int stalls = 0;
  for (int i = 1; i <= kRounds && stalls == 0; i++) {
    for (Loop &l : loops) {
      // Let the loop acknowledge the last value and go back to sleep.
      while (l.w.acked.load() != i - 1 && !l.done.load()) {
        std::this_thread::yield();
      }
      l.published.store(i);
      tern_waker_slot_wake(&l.w.slot);
      // Wait for this loop's acknowledgement, at most kSafetyMs: a loop
      // whose notification another loop drained sleeps until then.
      tern_time until = tern_now() + kSafetyMs;
      while (l.w.acked.load() != i && !l.done.load()) {
        if (!tern_time_before(tern_now(), until)) {
          stalls++;
          break;
        }
        std::this_thread::yield();
      }
    }
  }
  // End both loops whatever happened: publish the last value and wake,
  // notifying again until each has finished (after a stall a single
  // notification may be taken by the wrong loop again).
  for (Loop &l : loops) {
    l.published.store(kRounds);
    tern_waker_slot_wake(&l.w.slot);
    while (!l.done.load()) {
      tern_port_notify();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  a.join();
  b.join();
  EXPECT_EQ(stalls, 0) << "a wake from another thread did not end the "
                          "sleep of the loop it was for";
  for (const Loop &l : loops) {
    EXPECT_FALSE(l.w.timed_out);
    EXPECT_EQ(l.w.acked.load(), kRounds);
    EXPECT_GT(l.ex.sleeps, 0u);
  }
}

}  // namespace
