/* The examples shown in README.md: compiled for the host and the boards,
 * and run by example_test.cc. */
#ifndef TERN_SYNC_EXAMPLE_H
#define TERN_SYNC_EXAMPLE_H

#include <stdint.h>

#include "tern/channel.h"
#include "tern/co.h"
#include "tern/mutex.h"
#include "tern/signal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Signal: an interrupt handler reports a status word to a task. */
extern tern_signal example_rx_done;
void example_uart_irq(uint32_t status);

typedef struct {
  tern_co co;
  uint32_t status; /* lives across the await */
  uint32_t errors;
} example_status_task;
tern_poll example_status_poll(example_status_task *s, tern_cx *cx);

/* Channel: an interrupt handler queues received bytes; a task sums them
 * until the channel is closed. */
extern tern_channel example_bytes;
extern uint32_t example_bytes_dropped;
void example_bytes_init(void);
void example_rx_irq(uint8_t byte);

typedef struct {
  tern_co co;
  tern_waiter waiter;
  uint8_t byte;
  int err;
  uint32_t sum;
} example_sum_task;
tern_poll example_sum_poll(example_sum_task *s, tern_cx *cx);

/* Mutex: tasks take turns on a shared bus, holding it across an await. */
extern tern_mutex example_bus;

typedef struct {
  tern_co co;
  tern_waiter waiter;
  tern_signal *transfer_done; /* completed by the bus's interrupt */
  uint32_t result;
} example_bus_user;
tern_poll example_bus_user_poll(example_bus_user *s, tern_cx *cx);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SYNC_EXAMPLE_H */
