// A waker that counts its wakes, with a timer queue of its own, for tests
// that drive polls by hand.
#ifndef TERN_TEST_WAKER_H
#define TERN_TEST_WAKER_H

#include <chrono>

#include "tern/poll.h"
#include "tern/timer.h"

namespace tern_test {

struct CountingWaker {
  int wakes = 0;
  // Where the timers of polls made with Cx() are armed; nothing fires it
  // but the test (FireTimers), as an executor's run loop would.
  tern_timer_queue timers = TERN_TIMER_QUEUE_INIT;

  static void Wake(void *ctx) {
    static_cast<CountingWaker *>(ctx)->wakes++;
  }

  // A fresh context whose waker counts into this object and whose timers
  // go to this object's queue.
  tern_cx Cx() {
    return tern_cx_make(tern_waker{&CountingWaker::Wake, this}, &timers);
  }

  // A context whose waker counts into this object and whose timers go to
  // `q` (several wakers sharing one queue, or none: nullptr).
  tern_cx Cx(tern_timer_queue *q) {
    return tern_cx_make(tern_waker{&CountingWaker::Wake, this}, q);
  }

  // Fires the timers of the queue due at `now`; returns how many fired.
  unsigned FireTimers(tern_time now) {
    return tern_timer_queue_fire(&timers, now);
  }

  // Returns the wakes since the last call and resets the count.
  int Take() {
    int n = wakes;
    wakes = 0;
    return n;
  }
};

// Calls pump(ms) (which lets wakes come: an epoll wait, a device's
// interrupt) in slices of at most step ms until w has been woken or ms
// have passed. Returns whether it was woken.
template <typename Pump>
bool PumpUntilWoken(const CountingWaker &w, int ms, int step, Pump pump) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (w.wakes == 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    end - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      return false;
    }
    pump(static_cast<int>(left < step ? left : step));
  }
  return true;
}

}  // namespace tern_test

#endif  // TERN_TEST_WAKER_H
