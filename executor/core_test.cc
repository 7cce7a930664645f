#include <gtest/gtest.h>

#include "executor/test_waker.h"

#include "tern/co.h"
#include "tern/poll.h"
#include "tern/waitq.h"

namespace {

TEST(WakerSlot, RegisterReplacesWakeTakes) {
  tern_test::CountingWaker a, b;
  tern_waker_slot slot = TERN_WAKER_SLOT_INIT;
  EXPECT_FALSE(tern_waker_slot_is_set(&slot));
  EXPECT_FALSE(tern_waker_slot_wake(&slot));

  tern_cx cxa = a.Cx(), cxb = b.Cx();
  tern_waker_slot_register(&slot, &cxa);
  tern_waker_slot_register(&slot, &cxb);  // replaces a
  EXPECT_TRUE(tern_waker_slot_wake(&slot));
  EXPECT_EQ(a.wakes, 0);
  EXPECT_EQ(b.wakes, 1);
  EXPECT_FALSE(tern_waker_slot_wake(&slot));  // taken
  EXPECT_EQ(b.wakes, 1);

  tern_waker_slot_register(&slot, &cxa);
  tern_waker_slot_clear(&slot);
  EXPECT_FALSE(tern_waker_slot_wake(&slot));
  EXPECT_EQ(a.wakes, 0);
}

#ifndef NDEBUG
TEST(Cx, CountsWakerUses) {
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  EXPECT_EQ(cx.waker_uses, 0u);
  tern_waker_slot slot = TERN_WAKER_SLOT_INIT;
  tern_waker_slot_register(&slot, &cx);
  EXPECT_EQ(cx.waker_uses, 1u);
  tern_cx_wake_now(&cx);
  EXPECT_EQ(cx.waker_uses, 2u);
  EXPECT_EQ(c.wakes, 1);
}
#endif

// A coroutine that awaits a "ready flag" three times in a loop, yields
// once, and records where it has been.
struct CoState {
  tern_co co = 0;
  int i = 0;
  bool ready = false;
  std::vector<int> trace;
};

tern_poll WaitFlag(CoState *s, tern_cx *cx) {
  if (s->ready) {
    s->ready = false;
    return TERN_READY;
  }
  tern_cx_waker(cx);
  return TERN_PENDING;
}

tern_poll RunCo(CoState *s, tern_cx *cx) {
  TERN_CO_BEGIN(&s->co);
  s->trace.push_back(-1);
  for (s->i = 0; s->i < 3; s->i++) {
    TERN_CO_AWAIT(&s->co, WaitFlag(s, cx));
    s->trace.push_back(s->i);
  }
  TERN_CO_YIELD(&s->co, cx);
  s->trace.push_back(99);
  TERN_CO_END(&s->co);
}

TEST(Co, ResumesWhereItLeftOff) {
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  CoState s;
  EXPECT_EQ(RunCo(&s, &cx), TERN_PENDING);
  EXPECT_EQ(RunCo(&s, &cx), TERN_PENDING);  // not ready: no progress
  EXPECT_EQ(s.trace, std::vector<int>({-1}));
  for (int i = 0; i < 3; i++) {
    s.ready = true;
    EXPECT_EQ(RunCo(&s, &cx), TERN_PENDING);
  }
  EXPECT_EQ(s.trace, std::vector<int>({-1, 0, 1, 2}));
  EXPECT_EQ(c.wakes, 1);  // the yield woke itself
  EXPECT_EQ(RunCo(&s, &cx), TERN_READY);
  EXPECT_EQ(s.trace, std::vector<int>({-1, 0, 1, 2, 99}));
  EXPECT_EQ(RunCo(&s, &cx), TERN_READY);  // stays done, no rerun
  EXPECT_EQ(s.trace.size(), 5u);
  EXPECT_EQ(s.co, TERN_CO_DONE);
}

TEST(Co, ReturnEndsEarlyAndResetRestarts) {
  struct S {
    tern_co co = 0;
    int runs = 0;
  } s;
  auto fn = [](S *st, tern_cx *cx) -> tern_poll {
    TERN_CO_BEGIN(&st->co);
    st->runs++;
    if (st->runs < 10) {
      TERN_CO_RETURN(&st->co);
    }
    TERN_CO_YIELD(&st->co, cx);
    TERN_CO_END(&st->co);
  };
  tern_test::CountingWaker c;
  tern_cx cx = c.Cx();
  EXPECT_EQ(fn(&s, &cx), TERN_READY);
  EXPECT_EQ(fn(&s, &cx), TERN_READY);
  EXPECT_EQ(s.runs, 1);
  TERN_CO_RESET(&s.co);
  EXPECT_EQ(fn(&s, &cx), TERN_READY);
  EXPECT_EQ(s.runs, 2);
}

TEST(WaitQueue, WakesInFifoOrder) {
  tern_test::CountingWaker c[3];
  tern_waiter w[3] = {TERN_WAITER_INIT, TERN_WAITER_INIT, TERN_WAITER_INIT};
  tern_waitq q = TERN_WAITQ_INIT;
  for (int i = 0; i < 3; i++) {
    tern_cx cx = c[i].Cx();
    EXPECT_EQ(tern_waitq_poll(&q, &w[i], &cx), TERN_PENDING);
  }
  EXPECT_TRUE(tern_waitq_wake_one(&q));
  EXPECT_EQ(c[0].wakes, 1);
  EXPECT_EQ(c[1].wakes, 0);
  tern_cx cx0 = c[0].Cx();
  EXPECT_EQ(tern_waitq_poll(&q, &w[0], &cx0), TERN_READY);
  EXPECT_EQ(tern_waitq_wake_all(&q), 2u);
  EXPECT_EQ(c[1].wakes, 1);
  EXPECT_EQ(c[2].wakes, 1);
  EXPECT_TRUE(tern_waitq_empty(&q));
  EXPECT_FALSE(tern_waitq_wake_one(&q));
}

// What layers above the executor read of a wait instead of its fields
// (the packet pool, IP's room wait, a UDP socket's close): idle, then
// queued with its waker, then woken and not yet seen, then idle again.
TEST(WaitQueue, WaiterStateThroughItsAccessors) {
  tern_test::CountingWaker a;
  tern_waiter w = TERN_WAITER_INIT;
  tern_waitq q = TERN_WAITQ_INIT;
  EXPECT_TRUE(tern_waiter_idle(&w));
  EXPECT_TRUE(tern__waitq_empty_locked(&q));
  EXPECT_EQ(tern_waiter_waker(&w).wake, nullptr);
  tern_cx cx = a.Cx();
  EXPECT_EQ(tern_waitq_poll(&q, &w, &cx), TERN_PENDING);
  EXPECT_FALSE(tern_waiter_idle(&w));
  EXPECT_FALSE(tern__waitq_empty_locked(&q));
  tern_waker_wake(tern_waiter_waker(&w));  // wakes, leaves it queued
  EXPECT_EQ(a.Take(), 1);
  EXPECT_FALSE(tern__waitq_empty_locked(&q));
  EXPECT_TRUE(tern_waitq_wake_one(&q));
  EXPECT_EQ(a.Take(), 1);
  EXPECT_FALSE(tern_waiter_idle(&w));              // the wake is not seen yet
  EXPECT_EQ(tern_waiter_waker(&w).wake, nullptr);  // off the queue
  EXPECT_TRUE(tern__waitq_empty_locked(&q));
  EXPECT_EQ(tern_waitq_poll(&q, &w, &cx), TERN_READY);
  EXPECT_TRUE(tern_waiter_idle(&w));
}

TEST(WaitQueue, RepollRefreshesWakerWithoutRequeue) {
  tern_test::CountingWaker a, b;
  tern_waiter w = TERN_WAITER_INIT;
  tern_waitq q = TERN_WAITQ_INIT;
  tern_cx cxa = a.Cx(), cxb = b.Cx();
  EXPECT_EQ(tern_waitq_poll(&q, &w, &cxa), TERN_PENDING);
  EXPECT_EQ(tern_waitq_poll(&q, &w, &cxb), TERN_PENDING);
  EXPECT_EQ(tern_waitq_wake_all(&q), 1u);  // queued once
  EXPECT_EQ(a.wakes, 0);
  EXPECT_EQ(b.wakes, 1);
}

TEST(WaitQueue, CancelPassesAChosenWakeOn) {
  tern_test::CountingWaker c[2];
  tern_waiter w[2] = {TERN_WAITER_INIT, TERN_WAITER_INIT};
  tern_waitq q = TERN_WAITQ_INIT;
  for (int i = 0; i < 2; i++) {
    tern_cx cx = c[i].Cx();
    tern_waitq_poll(&q, &w[i], &cx);
  }
  // The wake chose w[0], but its owner gives up before seeing it.
  tern_waitq_wake_one(&q);
  tern_waitq_cancel(&q, &w[0]);
  EXPECT_EQ(c[1].wakes, 1);
  tern_cx cx1 = c[1].Cx();
  EXPECT_EQ(tern_waitq_poll(&q, &w[1], &cx1), TERN_READY);
}

TEST(WaitQueue, CancelWhileQueuedUnlinks) {
  tern_test::CountingWaker c[3];
  tern_waiter w[3] = {TERN_WAITER_INIT, TERN_WAITER_INIT, TERN_WAITER_INIT};
  tern_waitq q = TERN_WAITQ_INIT;
  for (int i = 0; i < 3; i++) {
    tern_cx cx = c[i].Cx();
    tern_waitq_poll(&q, &w[i], &cx);
  }
  tern_waitq_cancel(&q, &w[2]);  // the tail
  tern_waitq_cancel(&q, &w[0]);  // the head
  EXPECT_EQ(tern_waitq_wake_all(&q), 1u);
  EXPECT_EQ(c[0].wakes + c[2].wakes, 0);
  EXPECT_EQ(c[1].wakes, 1);
  // The queue is reusable after the tail was removed.
  tern_cx cx0 = c[0].Cx();
  tern_waitq_poll(&q, &w[0], &cx0);
  EXPECT_TRUE(tern_waitq_wake_one(&q));
  EXPECT_EQ(c[0].wakes, 1);
}

// A cancel that names a queue the waiter is not on (a channel's
// cancel_recv for a waiting sender, another pool's cancel_alloc) leaves it
// alone. Before, it cleared the waiter's link, flag and waker all the
// same: the waiters behind it fell off the queue it was on, never woken,
// and its next poll linked it into that queue a second time.
TEST(WaitQueue, CancelOnAnotherQueueLeavesTheWaiterWhereItIs) {
  tern_test::CountingWaker c[2];
  tern_waiter w[2] = {TERN_WAITER_INIT, TERN_WAITER_INIT};
  tern_waitq q = TERN_WAITQ_INIT, other = TERN_WAITQ_INIT;
  tern_cx cx0 = c[0].Cx(), cx1 = c[1].Cx();
  EXPECT_EQ(tern_waitq_poll(&q, &w[0], &cx0), TERN_PENDING);
  EXPECT_EQ(tern_waitq_poll(&q, &w[1], &cx1), TERN_PENDING);
  tern_waitq_cancel(&other, &w[0]);
  EXPECT_FALSE(tern_waitq_remove(&other, &w[0]));
  EXPECT_TRUE(tern_waitq_empty(&other));
  EXPECT_EQ(tern_waitq_poll(&q, &w[0], &cx0), TERN_PENDING);  // no relink
  EXPECT_EQ(tern_waitq_wake_all(&q), 2u);
  EXPECT_EQ(c[0].wakes, 1);
  EXPECT_EQ(c[1].wakes, 1);
  EXPECT_TRUE(tern_waitq_empty(&q));
  EXPECT_EQ(tern_waitq_poll(&q, &w[0], &cx0), TERN_READY);
  EXPECT_EQ(tern_waitq_poll(&q, &w[1], &cx1), TERN_READY);
}

// The same for a waiter that a wake on its own queue has chosen and that
// has not polled yet: a cancel or remove naming another queue leaves the
// wake with it. Before, the other queue took it (cancel woke a waiter
// there, remove reported a wake, which a mutex reads as its lock handed
// over), and the waiter's own poll then waited for a wake already spent.
TEST(WaitQueue, CancelOnAnotherQueueLeavesAWakeThatChoseTheWaiter) {
  tern_test::CountingWaker c[2];
  tern_waiter w[2] = {TERN_WAITER_INIT, TERN_WAITER_INIT};
  tern_waitq q = TERN_WAITQ_INIT, other = TERN_WAITQ_INIT;
  tern_cx cx0 = c[0].Cx(), cx1 = c[1].Cx();
  EXPECT_EQ(tern_waitq_poll(&q, &w[0], &cx0), TERN_PENDING);
  EXPECT_EQ(tern_waitq_poll(&other, &w[1], &cx1), TERN_PENDING);
  EXPECT_TRUE(tern_waitq_wake_one(&q));
  EXPECT_EQ(c[0].Take(), 1);
  tern_waitq_cancel(&other, &w[0]);
  EXPECT_FALSE(tern_waitq_remove(&other, &w[0]));
  EXPECT_EQ(c[1].wakes, 0);
  EXPECT_FALSE(tern_waitq_empty(&other));
  EXPECT_EQ(tern_waitq_poll(&q, &w[0], &cx0), TERN_READY);
  // Its own queue still consumes it.
  EXPECT_EQ(tern_waitq_poll(&q, &w[0], &cx0), TERN_PENDING);
  EXPECT_TRUE(tern_waitq_wake_one(&q));
  EXPECT_TRUE(tern_waitq_remove(&q, &w[0]));
  tern_waitq_cancel(&other, &w[1]);
  EXPECT_TRUE(tern_waitq_empty(&other));
}

// A waker that, when called, polls its waiter to READY and queues it again
// at once (a task that waits again straight away).
struct Requeuer {
  tern_waitq *q;
  tern_waiter w = TERN_WAITER_INIT;
  int wakes = 0;
  static void Wake(void *ctx) {
    auto *r = static_cast<Requeuer *>(ctx);
    r->wakes++;
    tern_cx cx = tern_cx_make(tern_waker{&Requeuer::Wake, r}, nullptr);
    EXPECT_EQ(tern_waitq_poll(r->q, &r->w, &cx), TERN_READY);
    EXPECT_EQ(tern_waitq_poll(r->q, &r->w, &cx), TERN_PENDING);
  }
};

// wake_all wakes those waiting when it is called, once each: a waiter that
// queues again from inside its waker waits for the next wake.
TEST(WaitQueue, WakeAllWithAWakerThatQueuesAgain) {
  tern_waitq q = TERN_WAITQ_INIT;
  Requeuer a;
  a.q = &q;
  tern_test::CountingWaker b;
  tern_waiter wb = TERN_WAITER_INIT;
  tern_cx cxa = tern_cx_make(tern_waker{&Requeuer::Wake, &a}, nullptr);
  tern_cx cxb = b.Cx();
  EXPECT_EQ(tern_waitq_poll(&q, &a.w, &cxa), TERN_PENDING);
  EXPECT_EQ(tern_waitq_poll(&q, &wb, &cxb), TERN_PENDING);
  EXPECT_EQ(tern_waitq_wake_all(&q), 2u);
  EXPECT_EQ(a.wakes, 1);
  EXPECT_EQ(b.wakes, 1);
  EXPECT_FALSE(tern_waitq_empty(&q));  // a, queued again
  tern_waitq_cancel(&q, &a.w);
  EXPECT_TRUE(tern_waitq_empty(&q));
  tern_waitq_cancel(&q, &wb);  // chosen, and nobody left to pass it to
  EXPECT_EQ(a.wakes, 1);
}

// A chosen wake is passed on once, however often the waiter cancels, and a
// cancelled waiter that had not been chosen passes nothing on.
TEST(WaitQueue, CancelPassesOnExactlyOnce) {
  tern_waitq q = TERN_WAITQ_INIT;
  tern_test::CountingWaker c[3];
  tern_waiter w[3] = {TERN_WAITER_INIT, TERN_WAITER_INIT, TERN_WAITER_INIT};
  for (int i = 0; i < 3; i++) {
    tern_cx cx = c[i].Cx();
    tern_waitq_poll(&q, &w[i], &cx);
  }
  tern_waitq_wake_one(&q);
  tern_waitq_cancel(&q, &w[0]);
  tern_waitq_cancel(&q, &w[0]);
  EXPECT_EQ(c[1].wakes, 1);
  EXPECT_EQ(c[2].wakes, 0);
  tern_waitq_cancel(&q, &w[2]);  // not chosen: nothing to pass on
  tern_waitq_cancel(&q, &w[1]);  // chosen: nobody left
  EXPECT_TRUE(tern_waitq_empty(&q));
  EXPECT_EQ(c[0].wakes, 1);  // the wake it gave up
  EXPECT_EQ(c[2].wakes, 0);
}

}  // namespace
