// Test helper: runs a poll function (a C++ lambda) as the root task of a
// real executor on the host port until it is READY or a deadline passes.
#ifndef TERN_HOST_RUN_TASK_TEST_UTIL_H
#define TERN_HOST_RUN_TASK_TEST_UTIL_H

#include <functional>

#include "tern/executor.h"
#include "tern/poll.h"
#include "tern/timer.h"

namespace tern_test {

struct FnTask {
  tern_task task;  // first, so a tern_task* is a FnTask*
  tern_timer timer;
  tern_time deadline;
  bool timed_out;
  int polls;
  std::function<tern_poll(tern_cx *)> *fn;
};

inline tern_poll FnTaskPoll(tern_task *t, tern_cx *cx) {
  FnTask *f = reinterpret_cast<FnTask *>(t);
  f->polls++;
  if ((*f->fn)(cx) == TERN_READY) {
    tern_timer_cancel(&f->timer);
    return TERN_READY;
  }
  if (tern_sleep_until(&f->timer, cx, f->deadline) == TERN_READY) {
    f->timed_out = true;
    return TERN_READY;
  }
  return TERN_PENDING;
}

// Runs fn until it returns READY. Returns false if ms passed first. If
// polls is not NULL it receives how many times fn was polled.
inline bool RunTask(std::function<tern_poll(tern_cx *)> fn, uint32_t ms = 5000,
                    int *polls = nullptr) {
  tern_executor ex;
  tern_executor_init(&ex);
  FnTask f = {};
  tern_task_init(&f.task, FnTaskPoll);
  f.timer = TERN_TIMER_INIT;
  f.deadline = tern_now() + ms;
  f.fn = &fn;
  tern_block_on(&ex, &f.task);
  if (polls != nullptr) {
    *polls = f.polls;
  }
  return !f.timed_out;
}

}  // namespace tern_test

#endif  // TERN_HOST_RUN_TASK_TEST_UTIL_H
