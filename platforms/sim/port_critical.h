/* The sim port's critical section, inline (see tern/port.h, "Inline
 * critical sections"). The sim is single-threaded and has no interrupts:
 * nothing can preempt a section, so it compiles to nothing. Debug builds
 * keep a nesting depth and check that sections are left in the reverse
 * order of entry, as the Cortex-M and host ports require. */
#ifndef TERN_PORT_CRITICAL_H
#define TERN_PORT_CRITICAL_H

#include "tern/port.h"

#ifndef NDEBUG
#include <assert.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Nothing can wake a task while the run loop is in tern_port_wait (the
 * wait only moves virtual time), so the executor need not notify. */
#define TERN__PORT_WAKES_DURING_WAIT 0

/* Single-threaded: the executor's orderings need only the compiler's. */
#define TERN__PORT_ONE_CORE 1

/* The nesting depth, kept by debug builds. Declared (and defined by the
 * port) whether or not NDEBUG is, so that code built either way links with
 * a port built either way. */
extern uint32_t tern__sim_critical_depth;

static inline tern_irqstate tern__port_critical_enter(void) {
#ifndef NDEBUG
  return tern__sim_critical_depth++;
#else
  return 0;
#endif
}

static inline void tern__port_critical_exit(tern_irqstate state) {
#ifndef NDEBUG
  assert(tern__sim_critical_depth == state + 1 &&
         "critical sections exited out of order");
  tern__sim_critical_depth = state;
#else
  (void)state;
#endif
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_PORT_CRITICAL_H */
