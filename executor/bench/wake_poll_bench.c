/* Cost of one wake + poll of a trivial task. Each iteration wakes K tasks
 * (argv[2], default 1) and runs one batch; N iterations (argv[1]). Run under
 * callgrind by callgrind_per_iter.sh, which subtracts a run with a
 * different N so that start-up costs cancel out. With K = 1 every wake pays
 * for a whole batch (the worst case); with K = 8 the batch cost is shared,
 * as in a busy system. */
#include <stdlib.h>

#include "tern/executor.h"

static unsigned long polls;

static tern_poll trivial_poll(tern_task *task, tern_cx *cx) {
  (void)task;
  polls++;
  (void)tern_cx_waker(cx); /* a real task stores it somewhere */
  return TERN_PENDING;
}

#define MAX_TASKS 64

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  long k = argc > 2 ? atol(argv[2]) : 1;
  if (k < 1 || k > MAX_TASKS) {
    return 2;
  }
  static tern_executor ex;
  static tern_task tasks[MAX_TASKS];
  tern_executor_init(&ex);
  for (long j = 0; j < k; j++) {
    tern_task_init(&tasks[j], trivial_poll);
    tern_spawn(&ex, &tasks[j]);
  }
  tern_executor_run_once(&ex);
  for (long i = 0; i < n; i++) {
    for (long j = 0; j < k; j++) {
      tern_task_wake(&tasks[j]);
    }
    tern_executor_run_once(&ex);
  }
  return polls == (unsigned long)((n + 1) * k) ? 0 : 1;
}
