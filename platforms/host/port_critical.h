/* The host port's critical section for the executor (see tern/port.h,
 * "Inline critical sections"): the same calls as everyone else makes. The
 * section is a futex lock with a per-thread nesting depth
 * (tern/host_port.h), too much code to inline, and on the host a call costs
 * little. */
#ifndef TERN_PORT_CRITICAL_H
#define TERN_PORT_CRITICAL_H

#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tern_port_wait releases the section while it sleeps in epoll_wait, so
 * another thread can wake a task then: the executor notifies the port
 * when the first task is queued during a wait. */
#define TERN__PORT_WAKES_DURING_WAIT 1

/* Wakes may come from threads on other cores: the executor's orderings
 * are real acquire/release. */
#define TERN__PORT_ONE_CORE 0

static inline tern_irqstate tern__port_critical_enter(void) {
  return tern_port_critical_enter();
}

static inline void tern__port_critical_exit(tern_irqstate state) {
  tern_port_critical_exit(state);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_PORT_CRITICAL_H */
