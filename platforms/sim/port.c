#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "tern/port.h"
#include "tern/port_critical.h"
#include "tern/sim.h"

static tern_time sim_now;
static bool sim_notified;
static uint32_t sim_stalls;
static int sim_stalls_allowed;
static uint64_t sim_rng = 0x9e3779b97f4a7c15u;

/* Always defined, though only debug builds count (port_critical.h). */
uint32_t tern__sim_critical_depth;

tern_irqstate tern_port_critical_enter(void) {
#ifndef NDEBUG
  return tern__sim_critical_depth++;
#else
  return 0;
#endif
}

void tern_port_critical_exit(tern_irqstate state) {
#ifndef NDEBUG
  assert(tern__sim_critical_depth == state + 1 &&
         "critical sections exited out of order");
  tern__sim_critical_depth = state;
#else
  (void)state;
#endif
}

tern_time tern_port_now(void) {
  return sim_now;
}

void tern_port_wait(bool has_deadline, tern_time deadline) {
  if (sim_notified) {
    sim_notified = false;
    return;
  }
  if (has_deadline) {
    if (tern_time_before(sim_now, deadline)) {
      sim_now = deadline;
    }
    return;
  }
  sim_stalls++;
  if (!sim_stalls_allowed) {
    fprintf(stderr, "tern sim: nothing to run and no timer armed at t=%u ms\n",
            (unsigned)sim_now);
    abort();
  }
}

void tern_port_notify(void) {
  sim_notified = true;
}

void tern_sim_set_time(tern_time t) {
  sim_now = t;
}

void tern_sim_advance(uint32_t ms) {
  sim_now += ms;
}

uint32_t tern_sim_stalls(void) {
  return sim_stalls;
}

void tern_sim_allow_stalls(int allow) {
  sim_stalls_allowed = allow;
}

void tern_sim_seed(uint64_t seed) {
  sim_rng = seed != 0 ? seed : 0x9e3779b97f4a7c15u;
}

uint32_t tern_sim_random(void) {
  sim_rng ^= sim_rng >> 12;
  sim_rng ^= sim_rng << 25;
  sim_rng ^= sim_rng >> 27;
  return (uint32_t)((sim_rng * 0x2545f4914f6cdd1du) >> 32);
}
