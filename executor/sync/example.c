#include "example.h"

/* [signal] */
tern_signal example_rx_done = TERN_SIGNAL_INIT;

void example_uart_irq(uint32_t status) { /* interrupt handler */
  tern_signal_send(&example_rx_done, status);
}

tern_poll example_status_poll(example_status_task *s, tern_cx *cx) {
  TERN_CO_BEGIN(&s->co);
  TERN_CO_AWAIT(&s->co,
                tern_signal_poll_wait(&example_rx_done, cx, &s->status));
  if (s->status & 0x8u) {
    s->errors++;
  }
  TERN_CO_END(&s->co);
}
/* [signal] */

/* [channel] */
static uint8_t byte_slots[16]; /* capacity 16 */
tern_channel example_bytes;
uint32_t example_bytes_dropped;

void example_bytes_init(void) {
  (void)tern_channel_init(&example_bytes, byte_slots, sizeof byte_slots,
                          sizeof byte_slots[0]);
}

void example_rx_irq(uint8_t byte) { /* interrupt handler: never waits */
  if (tern_channel_try_send(&example_bytes, &byte) != 0) {
    example_bytes_dropped++;
  }
}

tern_poll example_sum_poll(example_sum_task *s, tern_cx *cx) {
  TERN_CO_BEGIN(&s->co);
  for (;;) {
    TERN_CO_AWAIT(&s->co, tern_channel_poll_recv(&example_bytes, cx, &s->waiter,
                                                 &s->byte, &s->err));
    if (s->err == TERN_ECLOSED) {
      break;
    }
    s->sum += s->byte;
  }
  TERN_CO_END(&s->co);
}
/* [channel] */

/* [mutex] */
tern_mutex example_bus = TERN_MUTEX_INIT;

tern_poll example_bus_user_poll(example_bus_user *s, tern_cx *cx) {
  TERN_CO_BEGIN(&s->co);
  TERN_CO_AWAIT(&s->co, tern_mutex_poll_lock(&example_bus, cx, &s->waiter));
  /* The bus is ours until unlock, across awaits too. */
  TERN_CO_AWAIT(&s->co,
                tern_signal_poll_wait(s->transfer_done, cx, &s->result));
  tern_mutex_unlock(&example_bus);
  TERN_CO_END(&s->co);
}
/* [mutex] */
