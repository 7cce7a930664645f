/* The port: what each platform provides to the core (platforms/<name>/).
 * Exactly one port is linked into a program.
 *
 * Time is a 32-bit count of milliseconds from an arbitrary origin that
 * wraps after 49.7 days; compare instants with tern_time_before() and never
 * with <, so wrapping is harmless for intervals under 24.8 days. */
#ifndef TERN_PORT_H
#define TERN_PORT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t tern_time;

/* Whether instant a comes strictly before b (wrap-safe). */
static inline bool tern_time_before(tern_time a, tern_time b) {
  return (int32_t)(a - b) < 0;
}

/* Milliseconds from a to b, 0 if b is not after a. */
static inline uint32_t tern_time_until(tern_time a, tern_time b) {
  return tern_time_before(a, b) ? (uint32_t)(b - a) : 0;
}

/* Inline critical sections
 * ------------------------
 * Besides these functions, each port provides the header
 * "tern/port_critical.h" with:
 *
 *   static inline tern_irqstate tern__port_critical_enter(void);
 *   static inline void tern__port_critical_exit(tern_irqstate state);
 *       the same section as tern_port_critical_enter/exit (they nest with
 *       each other), inline: PRIMASK on Cortex-M (three instructions),
 *       nothing at all on the single-threaded sim (in debug builds a call
 *       to its functions, which check the nesting), a call to the lock on
 *       the host;
 *   #define TERN__PORT_WAKES_DURING_WAIT 0 or 1
 *       1 if a task can be woken while the run loop is inside
 *       tern_port_wait (the host's wait releases the section while it
 *       sleeps; a Cortex-M wait keeps interrupts masked, the sim's only
 *       moves time), so that the executor calls tern_port_notify only on
 *       ports that need it;
 *   #define TERN__PORT_ONE_CORE 0 or 1
 *       1 if every wake comes from the core that runs the loop (its
 *       interrupts) or from nothing: the executor's acquire/release on a
 *       task's `armed` byte are then compiler fences only (no dmb).
 *
 * The executor's run queue (executor.c), timers, waker slots and wait
 * queue are compiled with that header once per port (tern_port in
 * executor/executor.bzl), and the port's `port` target links that copy, so
 * a wake and a poll make no call into the port. The header is for that copy
 * only: other code calls the functions below, and so builds once for every
 * port. */

/* Opaque state saved by tern_port_critical_enter. */
typedef uint32_t tern_irqstate;

/* Masks whatever may preempt the caller (interrupts on Cortex-M, other
 * threads on the host) and returns the previous state. Nests. */
tern_irqstate tern_port_critical_enter(void);

/* Restores the state tern_port_critical_enter returned. */
void tern_port_critical_exit(tern_irqstate state);

/* The monotonic clock, in milliseconds. */
tern_time tern_port_now(void);

/* Called by the run loop inside a critical section after it found nothing
 * to run: sleeps until an event (an interrupt, a registered file descriptor
 * becoming ready, tern_port_notify) or, when has_deadline, until the clock
 * reaches deadline. Returns inside the critical section. It must not miss
 * an event that arrived after the caller entered the critical section: on
 * Cortex-M, WFI with PRIMASK set wakes on a pending interrupt that is then
 * taken when the caller leaves the section. May return early, spuriously. */
void tern_port_wait(bool has_deadline, tern_time deadline);

/* Ends a tern_port_wait in progress, or makes the next one return at once.
 * Safe from interrupt handlers and other threads. The executor calls it
 * when its run queue goes from empty to non-empty. */
void tern_port_notify(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_PORT_H */
