#include "tern/signal.h"

#include <gtest/gtest.h>

#include "sync_testing.h"

namespace {

using tern_test::CountingWaker;

// Init refuses a NULL signal (docs/design.md: inits check their object);
// it returned nothing and wrote through the pointer.
TEST(Signal, InitRefusesANullSignal) {
  EXPECT_EQ(tern_signal_init(nullptr), TERN_EINVAL);
  tern_signal sig;
  EXPECT_EQ(tern_signal_init(&sig), 0);
  EXPECT_FALSE(tern_signal_send(&sig, 7));
}

TEST(Signal, ValueSentBeforeTheWaitIsReadAtOnce) {
  tern_signal sig = TERN_SIGNAL_INIT;
  CountingWaker w;
  tern_cx cx = w.cx();
  EXPECT_FALSE(tern_signal_send(&sig, 42));
  uint32_t v = 0;
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_READY);
  EXPECT_EQ(v, 42u);
  // Read once: the next wait waits.
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_PENDING);
  EXPECT_EQ(w.wakes, 0);
}

TEST(Signal, SendWakesTheWaiterOnce) {
  tern_signal sig;
  tern_signal_init(&sig);
  CountingWaker w;
  tern_cx cx = w.cx();
  uint32_t v = 0;
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_PENDING);
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_PENDING);
  EXPECT_EQ(w.wakes, 0);
  tern_signal_send(&sig, 7);
  EXPECT_EQ(w.wakes, 1);
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_READY);
  EXPECT_EQ(v, 7u);
  // The wake was taken: a second send with nobody waiting wakes nobody.
  tern_signal_send(&sig, 8);
  EXPECT_EQ(w.wakes, 1);
}

TEST(Signal, SendOverwritesAnUnreadValue) {
  tern_signal sig = TERN_SIGNAL_INIT;
  CountingWaker w;
  tern_cx cx = w.cx();
  EXPECT_FALSE(tern_signal_send(&sig, 1));
  EXPECT_TRUE(tern_signal_send(&sig, 2));
  EXPECT_TRUE(tern_signal_send(&sig, 0xdeadbeef));
  uint32_t v = 0;
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_READY);
  EXPECT_EQ(v, 0xdeadbeefu);
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_PENDING);
  EXPECT_FALSE(tern_signal_send(&sig, 3));
}

TEST(Signal, ResetDropsTheValueButKeepsTheWaiter) {
  tern_signal sig = TERN_SIGNAL_INIT;
  CountingWaker w;
  tern_cx cx = w.cx();
  uint32_t v = 0;
  tern_signal_send(&sig, 5);
  tern_signal_reset(&sig);
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_PENDING);
  tern_signal_reset(&sig);  // with the task waiting
  EXPECT_EQ(w.wakes, 0);
  tern_signal_send(&sig, 6);
  EXPECT_EQ(w.wakes, 1);
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_READY);
  EXPECT_EQ(v, 6u);
}

TEST(Signal, TryTake) {
  tern_signal sig = TERN_SIGNAL_INIT;
  uint32_t v = 0;
  EXPECT_EQ(tern_signal_try_take(&sig, &v), TERN_EAGAIN);
  tern_signal_send(&sig, 9);
  EXPECT_EQ(tern_signal_try_take(&sig, &v), 0);
  EXPECT_EQ(v, 9u);
  EXPECT_EQ(tern_signal_try_take(&sig, &v), TERN_EAGAIN);
}

// One waiter at a time: a second waiter replaces the first's waker.
TEST(Signal, LatestWaiterIsTheOneWoken) {
  tern_signal sig = TERN_SIGNAL_INIT;
  CountingWaker a, b;
  tern_cx cxa = a.cx(), cxb = b.cx();
  uint32_t v = 0;
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cxa, &v), TERN_PENDING);
  EXPECT_EQ(tern_signal_poll_wait(&sig, &cxb, &v), TERN_PENDING);
  tern_signal_send(&sig, 1);
  EXPECT_EQ(a.wakes, 0);
  EXPECT_EQ(b.wakes, 1);
}

// The harness sees the library's critical sections (ld --wrap works).
TEST(Signal, HarnessSeesCriticalSections) {
  tern_signal sig = TERN_SIGNAL_INIT;
  int before = tern_test::CriticalExits();
  tern_signal_send(&sig, 1);
  EXPECT_GT(tern_test::CriticalExits(), before);
  EXPECT_EQ(tern_test::CriticalDepth(), 0);
}

// An interrupt handler sends at every point of a wait where interrupts are
// unmasked: the waiter either reads the value at once or is woken for it.
void SendFromAnInterruptAt(int n, bool waited_before);

TEST(Signal, SendFromAnInterruptIsNeverLost) {
  for (int n = 1; n <= 8; n++) {
    for (int waited_before = 0; waited_before < 2; waited_before++) {
      SCOPED_TRACE(testing::Message()
                   << "exit " << n << " waited_before " << waited_before);
      SendFromAnInterruptAt(n, waited_before != 0);
    }
  }
}

void SendFromAnInterruptAt(int n, bool waited_before) {
  tern_signal sig = TERN_SIGNAL_INIT;
  CountingWaker w;
  tern_cx cx = w.cx();
  uint32_t v = 0;
  if (waited_before) {
    ASSERT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_PENDING);
  }
  tern_test::InterruptAfterExits(n, [&] {
    EXPECT_EQ(tern_test::CriticalDepth(), 0);
    tern_signal_send(&sig, 100u + (uint32_t)n);
  });
  tern_poll r = tern_signal_poll_wait(&sig, &cx, &v);
  if (!tern_test::InterruptFired()) {
    // Past the wait's last unmasking: the interrupt comes after it.
    tern_signal_send(&sig, 100u + (uint32_t)n);
  }
  if (r == TERN_PENDING) {
    EXPECT_EQ(w.wakes, 1);
    ASSERT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_READY);
  }
  EXPECT_EQ(v, 100u + (uint32_t)n);
  EXPECT_EQ(w.wakes_in_critical, 0);
}

#ifndef NDEBUG
// The poll contract: PENDING only after taking the context's waker.
TEST(Signal, PendingTakesTheWaker) {
  tern_signal sig = TERN_SIGNAL_INIT;
  CountingWaker w;
  tern_cx cx = w.cx();
  uint32_t v;
  ASSERT_EQ(tern_signal_poll_wait(&sig, &cx, &v), TERN_PENDING);
  EXPECT_GT(cx.waker_uses, 0u);
}
#endif

}  // namespace
