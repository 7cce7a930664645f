/* A signal: one value handed from a producer (a task or an interrupt
 * handler) to one waiting task, like a mailbox of depth one.
 *
 *   static tern_signal rx_done = TERN_SIGNAL_INIT;
 *
 *   void uart_irq(void) {                     // interrupt handler
 *     tern_signal_send(&rx_done, UART->STATUS);
 *   }
 *
 *   tern_poll waiter(my_state *s, tern_cx *cx) {  // task
 *     TERN_CO_BEGIN(&s->co);
 *     TERN_CO_AWAIT(&s->co, tern_signal_poll_wait(&rx_done, cx, &s->status));
 *     ...
 *
 * The value is a uint32_t, copied in and out: an event code, a status
 * register, a length or a count. It is not a pointer because a send
 * overwrites an unread value, and an overwritten pointer would silently
 * lose what it pointed at; to hand over buffers, use a tern_channel (whose
 * elements may be pointers and are never overwritten). A uint32_t is also
 * the same size on every target, so host tests check what boards run.
 *
 * Only one task may wait on a signal at a time: a second waiter replaces
 * the first's waker (the first is then not woken). Use a tern_channel or a
 * tern_waitq for several consumers.
 *
 * Every function is safe from interrupt handlers except that only a task
 * may wait (tern_signal_poll_wait). State is guarded by the port's critical
 * section; the waiter's waker is called outside it. */
#ifndef TERN_SIGNAL_H
#define TERN_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 16 bytes on a 32-bit target. Caller storage; zero-initialised or
 * TERN_SIGNAL_INIT or tern_signal_init is empty. */
typedef struct tern_signal {
  uint32_t value;
  uint8_t full; /* value is sent and not yet read */
  tern_waker_slot waiter;
} tern_signal;

#define TERN_SIGNAL_INIT \
  { 0, 0, TERN_WAKER_SLOT_INIT }

/* Makes the signal empty with no waiter. Returns 0, or TERN_EINVAL for a
 * NULL signal. */
int tern_signal_init(tern_signal *sig);

/* Stores value and wakes the waiting task, if any. A value sent before the
 * previous one was read replaces it (the older is lost): returns true when
 * that happened, false when the signal was empty. Never waits; safe from
 * interrupt handlers. */
bool tern_signal_send(tern_signal *sig, uint32_t value);

/* READY with the sent value in *value (the signal is empty again), or
 * PENDING with cx's waker stored until the next send. For one task at a
 * time. */
tern_poll tern_signal_poll_wait(tern_signal *sig, tern_cx *cx, uint32_t *value);

/* Takes the value without waiting: 0 with it in *value, or TERN_EAGAIN
 * when nothing was sent. Safe from interrupt handlers. */
int tern_signal_try_take(tern_signal *sig, uint32_t *value);

/* Drops an unread value. A waiting task stays registered and is woken by
 * the next send. Safe from interrupt handlers. */
void tern_signal_reset(tern_signal *sig);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SIGNAL_H */
