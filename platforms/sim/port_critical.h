/* The sim port's critical section, inline (see tern/port.h, "Inline
 * critical sections"). The sim is single-threaded and has no interrupts:
 * nothing can preempt a section, so a release build compiles it to
 * nothing. Debug builds (every test) call the port's functions instead,
 * which keep a nesting depth and check that sections are left in the
 * reverse order of entry, as the Cortex-M and host ports require; and
 * tests that wrap those functions (ld --wrap, executor/sync) see every
 * section, the executor's and the waker slots' among them. */
#ifndef TERN_PORT_CRITICAL_H
#define TERN_PORT_CRITICAL_H

#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Nothing can wake a task while the run loop is in tern_port_wait (the
 * wait only moves virtual time), so the executor need not notify. */
#define TERN__PORT_WAKES_DURING_WAIT 0

/* Single-threaded: the executor's orderings need only the compiler's. */
#define TERN__PORT_ONE_CORE 1

/* The nesting depth, kept by debug builds' tern_port_critical_enter/exit
 * (port.c). Declared (and defined by the port) whether or not NDEBUG is,
 * so that code built either way links with a port built either way. */
extern uint32_t tern__sim_critical_depth;

static inline tern_irqstate tern__port_critical_enter(void) {
#ifndef NDEBUG
  return tern_port_critical_enter();
#else
  return 0;
#endif
}

static inline void tern__port_critical_exit(tern_irqstate state) {
#ifndef NDEBUG
  tern_port_critical_exit(state);
#else
  (void)state;
#endif
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_PORT_CRITICAL_H */
