#include "tern/signal.h"

#include "tern/port.h"

int tern_signal_init(tern_signal *sig) {
  if (sig == NULL) {
    return TERN_EINVAL;
  }
  sig->value = 0;
  sig->full = 0;
  sig->waiter.waker.wake = NULL;
  sig->waiter.waker.ctx = NULL;
  return 0;
}

bool tern_signal_send(tern_signal *sig, uint32_t value) {
  tern_irqstate s = tern_port_critical_enter();
  bool overwrote = sig->full != 0;
  sig->value = value;
  sig->full = 1;
  tern_port_critical_exit(s);
  /* If the waiter read the value in between, this wake is spurious, which
   * is harmless; the opposite order could lose it. */
  tern_waker_slot_wake(&sig->waiter);
  return overwrote;
}

tern_poll tern_signal_poll_wait(tern_signal *sig, tern_cx *cx,
                                uint32_t *value) {
  tern_irqstate s = tern_port_critical_enter();
  if (sig->full) {
    *value = sig->value;
    sig->full = 0;
    tern_port_critical_exit(s);
    return TERN_READY;
  }
  /* Registered in the same critical section as the check, so a send from
   * an interrupt cannot fall between them. */
  tern_waker_slot_register(&sig->waiter, cx);
  tern_port_critical_exit(s);
  return TERN_PENDING;
}

int tern_signal_try_take(tern_signal *sig, uint32_t *value) {
  tern_irqstate s = tern_port_critical_enter();
  int r = TERN_EAGAIN;
  if (sig->full) {
    *value = sig->value;
    sig->full = 0;
    r = 0;
  }
  tern_port_critical_exit(s);
  return r;
}

void tern_signal_reset(tern_signal *sig) {
  tern_irqstate s = tern_port_critical_enter();
  sig->full = 0;
  tern_port_critical_exit(s);
}
