#include "tern/mutex.h"

#include <gtest/gtest.h>

#include <vector>

#include "sync_testing.h"

namespace {

using tern_test::CountingWaker;

// A task that wants the mutex: its waker, context and queue node.
struct Locker {
  CountingWaker w;
  tern_cx cx = w.cx();
  tern_waiter waiter = TERN_WAITER_INIT;
  tern_poll Poll(tern_mutex *m) {
    return tern_mutex_poll_lock(m, &cx, &waiter);
  }
};

// Init refuses a NULL mutex (docs/design.md: inits check their object);
// it returned nothing and wrote through the pointer.
TEST(Mutex, InitRefusesANullMutex) {
  EXPECT_EQ(tern_mutex_init(nullptr), TERN_EINVAL);
  tern_mutex m;
  m.locked = 1;
  EXPECT_EQ(tern_mutex_init(&m), 0);
  EXPECT_FALSE(tern_mutex_is_locked(&m));
}

TEST(Mutex, TryLockAndUnlock) {
  tern_mutex m = TERN_MUTEX_INIT;
  EXPECT_FALSE(tern_mutex_is_locked(&m));
  EXPECT_EQ(tern_mutex_try_lock(&m), 0);
  EXPECT_TRUE(tern_mutex_is_locked(&m));
  EXPECT_EQ(tern_mutex_try_lock(&m), TERN_EBUSY);
  EXPECT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_FALSE(tern_mutex_is_locked(&m));
  EXPECT_EQ(tern_mutex_unlock(&m), TERN_EINVAL);
}

TEST(Mutex, FreeMutexIsTakenAtOnce) {
  tern_mutex m;
  tern_mutex_init(&m);
  Locker a;
  EXPECT_EQ(a.Poll(&m), TERN_READY);
  EXPECT_TRUE(tern_mutex_is_locked(&m));
  EXPECT_EQ(tern_mutex_unlock(&m), 0);
  // The same waiter works again.
  EXPECT_EQ(a.Poll(&m), TERN_READY);
  EXPECT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_EQ(a.w.wakes, 0);
}

// Each unlock hands the lock to the longest waiter and wakes only it; a
// task that was not waiting cannot take the lock in between.
TEST(Mutex, UnlockHandsOffInArrivalOrder) {
  tern_mutex m = TERN_MUTEX_INIT;
  ASSERT_EQ(tern_mutex_try_lock(&m), 0);
  Locker l[4];
  for (auto &x : l) {
    EXPECT_EQ(x.Poll(&m), TERN_PENDING);
  }
  // Polling again keeps one's place.
  EXPECT_EQ(l[0].Poll(&m), TERN_PENDING);
  std::vector<int> order;
  for (int round = 0; round < 4; round++) {
    ASSERT_EQ(tern_mutex_unlock(&m), 0);
    EXPECT_TRUE(tern_mutex_is_locked(&m));
    // No barging: the lock is handed over, not free.
    EXPECT_EQ(tern_mutex_try_lock(&m), TERN_EBUSY);
    int woken = -1;
    for (int i = 0; i < 4; i++) {
      if (l[i].w.wakes == 1 && l[i].Poll(&m) == TERN_READY) {
        EXPECT_EQ(woken, -1) << "two owners";
        woken = i;
        l[i].w.wakes = 2;  // done
      }
    }
    order.push_back(woken);
    // Everyone else is still waiting and was not woken.
    for (int i = round + 1; i < 4; i++) {
      EXPECT_EQ(l[i].w.wakes, 0);
    }
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  ASSERT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_FALSE(tern_mutex_is_locked(&m));
}

// A late arrival queues behind waiters even while the lock is being handed
// over (woken, not yet polled).
TEST(Mutex, NewcomerQueuesBehindAHandOff) {
  tern_mutex m = TERN_MUTEX_INIT;
  Locker a, b, c;
  ASSERT_EQ(a.Poll(&m), TERN_READY);
  ASSERT_EQ(b.Poll(&m), TERN_PENDING);
  ASSERT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_EQ(b.w.wakes, 1);
  EXPECT_EQ(c.Poll(&m), TERN_PENDING);  // b has it, though b has not run
  EXPECT_EQ(b.Poll(&m), TERN_READY);
  ASSERT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_EQ(c.w.wakes, 1);
  EXPECT_EQ(c.Poll(&m), TERN_READY);
}

// The woken waiter gives up before taking the lock: the lock goes to the
// next waiter, who is woken.
TEST(Mutex, CancelAfterHandOffPassesTheLockOn) {
  tern_mutex m = TERN_MUTEX_INIT;
  Locker a, b, c;
  ASSERT_EQ(a.Poll(&m), TERN_READY);
  ASSERT_EQ(b.Poll(&m), TERN_PENDING);
  ASSERT_EQ(c.Poll(&m), TERN_PENDING);
  ASSERT_EQ(tern_mutex_unlock(&m), 0);
  ASSERT_EQ(b.w.wakes, 1);
  ASSERT_EQ(c.w.wakes, 0);
  tern_mutex_cancel(&m, &b.waiter);
  EXPECT_EQ(c.w.wakes, 1);
  EXPECT_EQ(c.Poll(&m), TERN_READY);
  EXPECT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_FALSE(tern_mutex_is_locked(&m));
  // b's waiter is clean: a fresh lock through it works.
  EXPECT_EQ(b.Poll(&m), TERN_READY);
  EXPECT_EQ(b.w.wakes, 1);
}

// With nobody left to take it, a cancelled hand-off releases the lock
// instead of losing it.
TEST(Mutex, CancelAfterHandOffToTheLastWaiterUnlocks) {
  tern_mutex m = TERN_MUTEX_INIT;
  Locker a, b;
  ASSERT_EQ(a.Poll(&m), TERN_READY);
  ASSERT_EQ(b.Poll(&m), TERN_PENDING);
  ASSERT_EQ(tern_mutex_unlock(&m), 0);
  tern_mutex_cancel(&m, &b.waiter);
  EXPECT_FALSE(tern_mutex_is_locked(&m));
  EXPECT_EQ(tern_mutex_try_lock(&m), 0);
}

// A waiter still in the queue leaves without waking or owning anything.
TEST(Mutex, CancelWhileQueued) {
  tern_mutex m = TERN_MUTEX_INIT;
  Locker a, b, c;
  ASSERT_EQ(a.Poll(&m), TERN_READY);
  ASSERT_EQ(b.Poll(&m), TERN_PENDING);
  ASSERT_EQ(c.Poll(&m), TERN_PENDING);
  tern_mutex_cancel(&m, &b.waiter);
  EXPECT_EQ(c.w.wakes, 0);
  EXPECT_TRUE(tern_mutex_is_locked(&m));
  ASSERT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_EQ(b.w.wakes, 0);
  EXPECT_EQ(c.w.wakes, 1);
  EXPECT_EQ(c.Poll(&m), TERN_READY);
  ASSERT_EQ(tern_mutex_unlock(&m), 0);
  EXPECT_FALSE(tern_mutex_is_locked(&m));
  // Cancelling a waiter that is not waiting is a no-op.
  tern_mutex_cancel(&m, &b.waiter);
  EXPECT_FALSE(tern_mutex_is_locked(&m));
}

// The last waiter cancels at the moment an unlock is about to hand it the
// lock (simulated as an interruption at each unmasking inside unlock, as
// another thread would do on the host): the lock is released, not lost.
TEST(Mutex, CancelRacingUnlockNeverStrandsTheLock) {
  for (int n = 1; n <= 6; n++) {
    SCOPED_TRACE(n);
    tern_mutex m = TERN_MUTEX_INIT;
    Locker a, b;
    ASSERT_EQ(a.Poll(&m), TERN_READY);
    ASSERT_EQ(b.Poll(&m), TERN_PENDING);
    tern_test::InterruptAfterExits(n,
                                   [&] { tern_mutex_cancel(&m, &b.waiter); });
    ASSERT_EQ(tern_mutex_unlock(&m), 0);
    if (!tern_test::InterruptFired()) {
      tern_mutex_cancel(&m, &b.waiter);
    }
    EXPECT_FALSE(tern_mutex_is_locked(&m));
    EXPECT_EQ(tern_mutex_try_lock(&m), 0);
  }
}

#ifndef NDEBUG
// The poll contract: PENDING only after taking the context's waker.
TEST(Mutex, PendingTakesTheWaker) {
  tern_mutex m = TERN_MUTEX_INIT;
  Locker a, b;
  ASSERT_EQ(a.Poll(&m), TERN_READY);
  ASSERT_EQ(b.Poll(&m), TERN_PENDING);
  EXPECT_GT(b.cx.waker_uses, 0u);
}
#endif

}  // namespace
