/* The Cortex-M port's critical section, inline (see tern/port.h, "Inline
 * critical sections"): PRIMASK. Enter reads PRIMASK and executes `cpsid i`;
 * exit writes the saved value back, so sections nest and an interrupt that
 * became pending inside one is taken right after the outermost exit.
 * Three instructions, where a call would cost a branch, a return and the
 * argument moves. */
#ifndef TERN_PORT_CRITICAL_H
#define TERN_PORT_CRITICAL_H

#include "tern/cortex_m/nvic.h"
#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tern_port_wait runs with PRIMASK set: no handler can run, and so none
 * can wake a task, until the run loop has left the wait. A wake that
 * comes while the loop is about to sleep is seen by its check of the
 * queue; one that comes during the WFI keeps it from sleeping (port.c). */
#define TERN__PORT_WAKES_DURING_WAIT 0

/* One core: a wake comes from an interrupt on the core that runs the loop,
 * which sees that core's stores in program order. The executor's orderings
 * then need only the compiler's (no dmb). */
#define TERN__PORT_ONE_CORE 1

static inline tern_irqstate tern__port_critical_enter(void) {
  return tern_cm_irq_mask();
}

static inline void tern__port_critical_exit(tern_irqstate state) {
  tern_cm_irq_restore(state);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_PORT_CRITICAL_H */
