#include "sync_testing.h"

#include <gtest/gtest.h>

#include "tern/port.h"

extern "C" {
tern_irqstate __real_tern_port_critical_enter(void);
void __real_tern_port_critical_exit(tern_irqstate state);
tern_irqstate __wrap_tern_port_critical_enter(void);
void __wrap_tern_port_critical_exit(tern_irqstate state);
}

namespace tern_test {
namespace {

int depth;
int exits;
int countdown;  // exits left before the interrupt; 0: none armed
bool fired;
bool in_isr;
std::function<void()> pending_isr;

void CountingWake(void *ctx) {
  auto *w = static_cast<CountingWaker *>(ctx);
  w->wakes++;
  if (depth != 0) {
    w->wakes_in_critical++;
    ADD_FAILURE() << "waker called inside the critical section";
  }
}

}  // namespace

tern_waker CountingWaker::waker() {
  return tern_waker{CountingWake, this};
}

int CriticalDepth() {
  return depth;
}

int CriticalExits() {
  return exits;
}

void InterruptAfterExits(int n, std::function<void()> isr) {
  countdown = n;
  fired = false;
  pending_isr = std::move(isr);
}

bool InterruptFired() {
  bool f = fired;
  DisarmInterrupt();
  return f;
}

void DisarmInterrupt() {
  countdown = 0;
  pending_isr = nullptr;
}

bool InInterrupt() {
  return in_isr;
}

}  // namespace tern_test

using namespace tern_test;

tern_irqstate __wrap_tern_port_critical_enter(void) {
  depth++;
  return __real_tern_port_critical_enter();
}

void __wrap_tern_port_critical_exit(tern_irqstate state) {
  __real_tern_port_critical_exit(state);
  if (depth <= 0) {
    ADD_FAILURE() << "critical section exited more often than entered";
    return;
  }
  depth--;
  if (depth != 0 || in_isr) {
    return;
  }
  exits++;
  if (countdown > 0 && --countdown == 0) {
    // Interrupts are unmasked again: the pending one is taken now.
    std::function<void()> isr = std::move(pending_isr);
    pending_isr = nullptr;
    fired = true;
    in_isr = true;
    isr();
    in_isr = false;
  }
}
