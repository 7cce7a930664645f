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
