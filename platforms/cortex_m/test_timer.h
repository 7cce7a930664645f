/* A second hardware timer for the port's firmware tests: an interrupt
 * source the port does not use, so a test can make an interrupt arrive
 * while the core sleeps, or while interrupts are masked. Each board
 * implements it on a spare timer (//platforms/<board>:test_timer). */
#ifndef TERN_CORTEX_M_TEST_TIMER_H
#define TERN_CORTEX_M_TEST_TIMER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The timer's NVIC interrupt number. */
extern const unsigned tern_test_timer_irq;

/* Enables the timer's interrupt and makes it fire once, `ms` (1..2000)
 * milliseconds from now. */
void tern_test_timer_start(uint32_t ms);

/* Defined by the test: called from the timer's interrupt handler, also
 * when the interrupt was made pending from software. */
void tern_test_timer_fired(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CORTEX_M_TEST_TIMER_H */
