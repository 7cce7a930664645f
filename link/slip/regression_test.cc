#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "executor/test_waker.h"
#include "tern/pkt.h"
#include "tern/slip.h"

namespace {

using tern_test::CountingWaker;

// A UART with a small TX ring. When the ring is full, poll_write stores the
// waker (as platforms/mps2_an385/uart.c does); with irq_now set, the TX
// interrupt drains the ring and calls the stored waker right away, before
// poll_write's caller has regained control.
struct IrqUart {
  size_t limit = 8;
  size_t written = 0;
  bool irq_now = false;
  tern_waker tx{nullptr, nullptr};
  void Irq(size_t more) {  // the TX interrupt: ring drained, writer woken
    limit += more;
    tern_waker w = tx;
    tx = tern_waker{nullptr, nullptr};
    tern_waker_wake(w);
  }
};
tern_poll URead(void *, tern_cx *cx, void *, size_t, ptrdiff_t *) {
  (void)tern_cx_waker(cx);
  return TERN_PENDING;
}
tern_poll UWrite(void *self, tern_cx *cx, const void *, size_t len,
                 ptrdiff_t *n) {
  IrqUart *u = static_cast<IrqUart *>(self);
  if (u->written >= u->limit) {
    u->tx = tern_cx_waker(cx);
    if (u->irq_now) {
      u->Irq(1000);
    }
    return TERN_PENDING;
  }
  if (len > u->limit - u->written)
    len = u->limit - u->written;
  u->written += len;
  *n = static_cast<ptrdiff_t>(len);
  return TERN_READY;
}
tern_poll UFlush(void *, tern_cx *, int *err) {
  *err = 0;
  return TERN_READY;
}
const tern_stream_ops kOps = {URead, UWrite, UFlush, UFlush};

TERN_PKT_POOL_DEFINE(rx_pool, 2, 1006);
TERN_PKT_POOL_DEFINE(tx_pool, 2, 1006);

TEST(SlipRegression, WakeFromStreamBetweenPendingAndRegisterIsLost) {
  IrqUart uart;
  static tern_slip slip;
  static uint8_t txbuf[8];
  ASSERT_EQ(tern_slip_init(&slip, tern_stream{&kOps, &uart}, &rx_pool, txbuf,
                           sizeof txbuf, 0),
            0);
  tern_netdev dev = tern_slip_netdev(&slip);
  tern_pkt *p = tern_pkt_pool_try_alloc(&tx_pool);
  memset(tern_pkt_put(p, 40), 0x45, 40);
  // A send-only task (no task polls poll_recv).
  CountingWaker sender;
  tern_cx cx = sender.Cx();
  int err = 1;
  ASSERT_EQ(tern_netdev_poll_send(&dev, &cx, p, &err), TERN_READY);
  ASSERT_EQ(uart.written, 8u);  // ring full, adapter's waker stored
  // The TX interrupt: 8 more bytes fit; the sender is woken (slot emptied).
  uart.Irq(8);
  ASSERT_EQ(sender.Take(), 1);
  // The sender flushes: 8 bytes go out, the ring is full again, and this
  // time the interrupt fires right after the UART stored the waker.
  uart.irq_now = true;
  ASSERT_EQ(tern_slip_poll_flush(&slip, &cx, &err), TERN_PENDING);
  ASSERT_EQ(uart.written, 16u);
  // The UART has room and woke the adapter: the flusher must be woken, or
  // it sleeps forever with 26 encoded bytes unsent.
  EXPECT_GE(sender.Take(), 1);
  tern_slip_shutdown(&slip);
}

}  // namespace
