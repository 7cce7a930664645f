#include "tern/mutex.h"

#include "tern/port.h"

/* Invariant: while locked == 0 the queue is empty, because unlock keeps the
 * mutex locked whenever it hands the lock to a waiter. So an unlocked mutex
 * can be taken at once without overtaking anybody. */

int tern_mutex_init(tern_mutex *m) {
  if (m == NULL) {
    return TERN_EINVAL;
  }
  m->waiters = (tern_waitq)TERN_WAITQ_INIT;
  m->locked = 0;
  return 0;
}

tern_poll tern_mutex_poll_lock(tern_mutex *m, tern_cx *cx,
                               tern_waiter *waiter) {
  tern_irqstate s = tern_port_critical_enter();
  if (!m->locked) {
    m->locked = 1;
    tern_port_critical_exit(s);
    return TERN_READY;
  }
  /* In the same critical section as the check, so an unlock cannot slip
   * between them. READY here means an unlock chose this waiter: the lock
   * was handed over and is ours. tern_waitq_poll calls no waker. */
  tern_poll r = tern_waitq_poll(&m->waiters, waiter, cx);
  tern_port_critical_exit(s);
  return r;
}

int tern_mutex_try_lock(tern_mutex *m) {
  tern_irqstate s = tern_port_critical_enter();
  int r = TERN_EBUSY;
  if (!m->locked) {
    m->locked = 1;
    r = 0;
  }
  tern_port_critical_exit(s);
  return r;
}

int tern_mutex_unlock(tern_mutex *m) {
  for (;;) {
    tern_irqstate s = tern_port_critical_enter();
    if (!m->locked) {
      tern_port_critical_exit(s);
      return TERN_EINVAL;
    }
    if (tern_waitq_empty(&m->waiters)) {
      m->locked = 0;
      tern_port_critical_exit(s);
      return 0;
    }
    tern_port_critical_exit(s);
    /* Outside the critical section, as wakers must be called. The lock
     * stays held meanwhile, so newcomers queue behind. */
    if (tern_waitq_wake_one(&m->waiters)) {
      return 0;
    }
    /* The last waiter cancelled in between: look again. */
  }
}

void tern_mutex_cancel(tern_mutex *m, tern_waiter *waiter) {
  tern_irqstate s = tern_port_critical_enter();
  bool handed = tern_waitq_remove(&m->waiters, waiter);
  tern_port_critical_exit(s);
  if (handed) {
    /* The lock was ours: pass it on as if we had taken and released it.
     * (tern_waitq_cancel would pass the wake on too, but when nobody is
     * left it cannot release the lock.) */
    tern_mutex_unlock(m);
  }
}

bool tern_mutex_is_locked(const tern_mutex *m) {
  tern_irqstate s = tern_port_critical_enter();
  bool locked = m->locked != 0;
  tern_port_critical_exit(s);
  return locked;
}
