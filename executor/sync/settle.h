/* Private to executor/sync: one wait-queue operation the core's tern_waitq
 * does not offer yet (see README.md, "Wait queue"). */
#ifndef TERN_SYNC_SETTLE_H
#define TERN_SYNC_SETTLE_H

#include <stdbool.h>

#include "tern/waitq.h"

/* The waiter got what it waited for, or gives up and must not pass a wake
 * on: takes w off q if it is still queued, and consumes a wake that had
 * already chosen it. Returns whether such a wake had chosen w (for the
 * mutex, that wake carried the lock). Never calls a waker, so it may be
 * called inside the caller's critical section, where it must be called so
 * that the check and the removal are one step. */
static inline bool tern__sync_settle(tern_waitq *q, tern_waiter *w) {
  if (w->woken) {
    w->woken = 0;
    return true;
  }
  if (w->queued) {
    /* Not woken, so tern_waitq_cancel only unlinks (no pass-on, no waker
     * called); its own critical section nests inside the caller's. */
    tern_waitq_cancel(q, w);
  }
  return false;
}

#endif /* TERN_SYNC_SETTLE_H */
