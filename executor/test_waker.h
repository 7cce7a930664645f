// A waker that counts its wakes, for driving polls by hand in tests.
#ifndef TERN_TEST_WAKER_H
#define TERN_TEST_WAKER_H

#include "tern/poll.h"

namespace tern_test {

struct CountingWaker {
  int wakes = 0;

  static void Wake(void *ctx) {
    static_cast<CountingWaker *>(ctx)->wakes++;
  }

  // A fresh context whose waker counts into this object.
  tern_cx Cx() {
    return tern_cx_make(tern_waker{&CountingWaker::Wake, this});
  }

  // Returns the wakes since the last call and resets the count.
  int Take() {
    int n = wakes;
    wakes = 0;
    return n;
  }
};

}  // namespace tern_test

#endif  // TERN_TEST_WAKER_H
