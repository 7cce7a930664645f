// Test support for the sync primitives: counting wakers, the critical
// section's depth, and simulated interrupts.
#ifndef TERN_SYNC_TESTING_H
#define TERN_SYNC_TESTING_H

#include <functional>

#include "tern/poll.h"

namespace tern_test {

// A waker that counts its calls and records calls made inside the port's
// critical section (which the primitives must never do).
struct CountingWaker {
  int wakes = 0;
  int wakes_in_critical = 0;
  tern_waker waker();
  tern_cx cx() {
    return tern_cx_make(waker(), nullptr);  // the primitives arm no timers
  }
};

// How deeply nested the port's critical section is now (0: outside).
int CriticalDepth();

// Outermost critical-section exits so far: the points where a pending
// interrupt would be taken on a Cortex-M.
int CriticalExits();

// Runs `isr` as a simulated interrupt handler just after the n-th
// outermost critical-section exit from now (n >= 1), once. Critical
// sections inside the handler do not count.
void InterruptAfterExits(int n, std::function<void()> isr);

// Whether the interrupt armed above has run; disarms it if not.
bool InterruptFired();
void DisarmInterrupt();

// Whether the code running now is the simulated interrupt handler.
bool InInterrupt();

}  // namespace tern_test

#endif  // TERN_SYNC_TESTING_H
