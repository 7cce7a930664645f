/* Firmware test of the port's clock across counter wraps, built with a
 * 300 ms period (//platforms/<board>:port_short_period) so that a second
 * of test time crosses several: the epoch must advance by exactly one
 * period per wrap, whether the wrap is noticed by a read of the clock or
 * by the wrap interrupt, and a deadline beyond the period must be reached
 * through the wrap wakes. The spare test timer is the reference clock. */
#include <stdbool.h>
#include <stdint.h>

#include "tern/board.h"
#include "tern/cortex_m/test_timer.h"
#include "tern/port.h"
#include "test_log.h"

static volatile bool fired;

void tern_test_timer_fired(void) {
  fired = true;
  tern_port_notify();
}

/* Reads the clock in a tight loop for 1 s of the reference timer: it must
 * never go backwards or jump, and must total 1000 ms. */
static void test_busy_reads(void) {
  fired = false;
  tern_time t0 = tern_port_now();
  tern_time last = t0;
  uint32_t max_step = 0;
  bool backwards = false;
  tern_test_timer_start(1000);
  while (!fired) {
    tern_time t = tern_port_now();
    if (tern_time_before(t, last)) {
      backwards = true;
    }
    if (t - last > max_step) {
      max_step = t - last;
    }
    last = t;
  }
  uint32_t elapsed = tern_port_now() - t0;
  test_print_u32("busy: 1000 ms of reference time read as ", elapsed, " ms");
  test_print_u32(", largest step ", max_step, " ms\r\n");
  test_check(!backwards, "busy: the clock never goes backwards");
  test_check(elapsed >= 999 && elapsed <= 1100, "busy: 1000 ms across wraps");
  /* A lost or doubled wrap would be a 300 ms step; smaller ones are the
   * host descheduling QEMU. */
  test_check(max_step < 150, "busy: no jump at a wrap");
}

/* Sleeps in WFI with no deadline while the reference timer runs 1 s: the
 * wrap interrupts keep the epoch (and wake the core, harmlessly). */
static void test_sleep_reads(void) {
  tern_irqstate s = tern_port_critical_enter();
  tern_port_wait(false, 0); /* consumes the notify left by test_busy_reads */
  tern_port_critical_exit(s);
  fired = false;
  tern_time t0 = tern_port_now();
  tern_test_timer_start(1000);
  uint32_t waits = 0;
  s = tern_port_critical_enter();
  while (!fired) {
    waits++;
    tern_port_wait(false, 0);
    tern_port_critical_exit(s);
    s = tern_port_critical_enter();
  }
  tern_port_critical_exit(s);
  uint32_t elapsed = tern_port_now() - t0;
  test_print_u32("sleep: 1000 ms asleep read as ", elapsed, " ms");
  test_print_u32(" over ", waits, " wfi\r\n");
  test_check(elapsed >= 999 && elapsed <= 1100, "sleep: 1000 ms across wraps");
  test_check(waits >= 3 && waits <= 6, "sleep: one wake per wrap");
}

/* A deadline 700 ms ahead, beyond the 300 ms period: no alarm until its
 * period, the wraps wake the loop on the way, and it ends on time. */
static void test_far_deadline(void) {
  tern_irqstate s = tern_port_critical_enter();
  tern_port_wait(false, 0); /* consumes the notify left by test_sleep_reads */
  tern_time t0 = tern_port_now();
  tern_time deadline = t0 + 700;
  uint32_t waits = 0;
  while (tern_time_before(tern_port_now(), deadline)) {
    waits++;
    tern_port_wait(true, deadline);
    tern_port_critical_exit(s);
    s = tern_port_critical_enter();
  }
  tern_time end = tern_port_now();
  tern_port_critical_exit(s);
  test_print_u32("far: deadline +700 ms reached at +", end - t0, " ms");
  test_print_u32(" over ", waits, " wfi\r\n");
  test_check(end - deadline < 100, "far: on time");
  test_check(waits >= 2 && waits <= 5, "far: woken by the wraps on the way");
}

int main(void) {
  tern_board_console_puts("clock wrap test (300 ms period)\r\n");
  test_busy_reads();
  test_sleep_reads();
  test_far_deadline();
  if (test_failures() != 0) {
    test_print_u32("clock wrap test: ", (uint32_t)test_failures(),
                   " failed\r\n");
    return 1;
  }
  tern_board_console_puts("clock wrap test: all passed\r\n");
  return 0;
}
