// Runs the README's examples (example.c) by hand.
#include "example.h"

#include <gtest/gtest.h>

#include "sync_testing.h"

namespace {

using tern_test::CountingWaker;

TEST(Example, Signal) {
  example_status_task t = {};
  CountingWaker w;
  tern_cx cx = w.cx();
  EXPECT_EQ(example_status_poll(&t, &cx), TERN_PENDING);
  example_uart_irq(0x1);
  example_uart_irq(0x9);  // overwrites the unread 0x1
  EXPECT_EQ(w.wakes, 1);
  EXPECT_EQ(example_status_poll(&t, &cx), TERN_READY);
  EXPECT_EQ(t.status, 0x9u);
  EXPECT_EQ(t.errors, 1u);
}

TEST(Example, Channel) {
  example_bytes_init();
  example_sum_task t = {};
  t.waiter = TERN_WAITER_INIT;
  CountingWaker w;
  tern_cx cx = w.cx();
  EXPECT_EQ(example_sum_poll(&t, &cx), TERN_PENDING);
  for (int i = 1; i <= 20; i++) {
    example_rx_irq((uint8_t)i);  // 16 fit, 4 are dropped
  }
  EXPECT_EQ(example_bytes_dropped, 4u);
  EXPECT_EQ(w.wakes, 1);
  EXPECT_EQ(example_sum_poll(&t, &cx), TERN_PENDING);  // drained, waits
  EXPECT_EQ(t.sum, 136u);                              // 1 + ... + 16
  tern_channel_close(&example_bytes);
  EXPECT_EQ(w.wakes, 2);
  EXPECT_EQ(example_sum_poll(&t, &cx), TERN_READY);
}

TEST(Example, Mutex) {
  tern_signal done_a = TERN_SIGNAL_INIT, done_b = TERN_SIGNAL_INIT;
  example_bus_user a = {}, b = {};
  a.waiter = b.waiter = TERN_WAITER_INIT;
  a.transfer_done = &done_a;
  b.transfer_done = &done_b;
  CountingWaker wa, wb;
  tern_cx cxa = wa.cx(), cxb = wb.cx();
  EXPECT_EQ(example_bus_user_poll(&a, &cxa), TERN_PENDING);  // holds the bus
  EXPECT_EQ(example_bus_user_poll(&b, &cxb), TERN_PENDING);  // waits for it
  tern_signal_send(&done_b, 2);  // b does not wait for this yet
  EXPECT_EQ(wb.wakes, 0);
  tern_signal_send(&done_a, 1);
  EXPECT_EQ(example_bus_user_poll(&a, &cxa), TERN_READY);
  EXPECT_EQ(wb.wakes, 1);  // the hand-off
  EXPECT_EQ(example_bus_user_poll(&b, &cxb), TERN_READY);
  EXPECT_EQ(a.result, 1u);
  EXPECT_EQ(b.result, 2u);
  EXPECT_FALSE(tern_mutex_is_locked(&example_bus));
}

}  // namespace
