#include "tern/poll.h"

#include "tern/port.h"
#include "tern/port_critical.h"

#if !defined(__arm__)
#include <stdio.h>
#include <stdlib.h>
#endif

__attribute__((weak)) void tern_assert_failed(const char *msg) {
#if defined(__arm__)
  (void)msg;
  __builtin_trap();
#else
  fprintf(stderr, "tern: %s\n", msg);
  abort();
#endif
}

void tern_waker_slot_register(tern_waker_slot *slot, tern_cx *cx) {
  tern_waker w = tern_cx_waker(cx);
  tern_irqstate s = tern__port_critical_enter();
  slot->waker = w;
  tern__port_critical_exit(s);
}

bool tern_waker_slot_wake(tern_waker_slot *slot) {
  tern_irqstate s = tern__port_critical_enter();
  tern_waker w = slot->waker;
  if (w.wake != NULL) { /* most wakes find it empty: nothing to clear */
    slot->waker.wake = NULL;
    slot->waker.ctx = NULL;
  }
  tern__port_critical_exit(s);
  if (w.wake == NULL) {
    return false;
  }
  w.wake(w.ctx);
  return true;
}

void tern_waker_slot_clear(tern_waker_slot *slot) {
  tern_irqstate s = tern__port_critical_enter();
  slot->waker.wake = NULL;
  slot->waker.ctx = NULL;
  tern__port_critical_exit(s);
}

bool tern_waker_slot_is_set(const tern_waker_slot *slot) {
  tern_irqstate s = tern__port_critical_enter();
  bool set = slot->waker.wake != NULL;
  tern__port_critical_exit(s);
  return set;
}
