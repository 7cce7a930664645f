/* The simulation port: virtual time that jumps straight to the next
 * deadline, fully deterministic, for tests and network simulations that run
 * many stacks in one process. Single-threaded: the critical section is a
 * no-op and nothing but the run loop's own tasks may wake tasks. */
#ifndef TERN_SIM_H
#define TERN_SIM_H

#include <stdint.h>

#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the virtual clock (tests start wherever they like, e.g. near the
 * 32-bit wrap). */
void tern_sim_set_time(tern_time t);

/* Moves the virtual clock forward by ms. */
void tern_sim_advance(uint32_t ms);

/* Times the run loop slept with neither a deadline nor a notification: in
 * a simulation that means nothing can ever happen again (a deadlock). The
 * port aborts the program the first time unless this has been allowed. */
uint32_t tern_sim_stalls(void);
void tern_sim_allow_stalls(int allow);

/* A seeded pseudo-random sequence (xorshift64*) for reproducible faults:
 * the same seed gives the same sequence. */
void tern_sim_seed(uint64_t seed);
uint32_t tern_sim_random(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SIM_H */
