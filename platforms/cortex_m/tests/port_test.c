/* Firmware test of the Cortex-M port (tern/port.h) on the real interrupt
 * hardware QEMU models: critical sections, the clock across WFI, the
 * alarm, and wakes that race with the decision to sleep. Each step prints
 * its figures; the events are logged in the order they happened and the
 * last line ("order: ...") is checked whole by the qemu_test. */
#include <stdbool.h>
#include <stdint.h>

#include "tern/board.h"
#include "tern/cortex_m/nvic.h"
#include "tern/cortex_m/test_timer.h"
#include "tern/port.h"
#include "test_log.h"

static volatile uint32_t isr_count;
static volatile bool work_ready;

/* What an interrupt-driven driver does: record the event, wake. */
void tern_test_timer_fired(void) {
  isr_count++;
  work_ready = true;
  test_event("isr");
  tern_port_notify();
}

/* A run loop in miniature: sleeps in the port until the interrupt handler
 * has marked work ready, counting the waits (each one a WFI, or a return
 * at once when a notify was pending). */
static uint32_t sleep_until_work(void) {
  uint32_t waits = 0;
  tern_irqstate s = tern_port_critical_enter();
  while (!work_ready) {
    waits++;
    tern_port_wait(false, 0);
    tern_port_critical_exit(s); /* a pending handler runs here */
    s = tern_port_critical_enter();
  }
  tern_port_critical_exit(s);
  return waits;
}

/* (a) Critical sections nest, restore the caller's PRIMASK, and hold an
 * interrupt back until the outermost one ends. */
static void test_critical_sections(void) {
  unsigned irq = tern_test_timer_irq;
  tern_nvic_enable(irq);
  test_check(tern_primask() == 0, "a: interrupts enabled at start");
  tern_irqstate outer = tern_port_critical_enter();
  test_check(outer == 0 && tern_primask() == 1, "a: outer section masks");
  tern_irqstate inner = tern_port_critical_enter();
  test_check(inner == 1 && tern_primask() == 1, "a: inner section nests");
  tern_nvic_set_pending(irq);
  test_event("a:pended");
  test_check(isr_count == 0, "a: handler held while masked");
  tern_port_critical_exit(inner);
  test_check(tern_primask() == 1 && isr_count == 0,
             "a: inner exit keeps the outer mask");
  test_event("a:inner-exit");
  tern_port_critical_exit(outer);
  test_event("a:outer-exit");
  test_check(tern_primask() == 0 && isr_count == 1,
             "a: outer exit unmasks and the handler runs");
  tern_board_console_puts("a: critical sections nest and restore PRIMASK\r\n");
}

/* Consumes a pending notify: the wait must return at once (if the flag
 * were ignored, nothing would ever wake this wait). */
static void consume_notify(void) {
  tern_irqstate s = tern_port_critical_enter();
  tern_port_wait(false, 0);
  tern_port_critical_exit(s);
}

/* (b) The clock keeps counting while the core sleeps in WFI, woken by an
 * interrupt the port knows nothing about (no deadline, no alarm). */
static void test_clock_across_wfi(void) {
  consume_notify(); /* left by (a)'s handler */
  work_ready = false;
  tern_time t0 = tern_port_now();
  tern_test_timer_start(40);
  test_event("b:sleep");
  uint32_t waits = sleep_until_work();
  uint32_t slept = tern_port_now() - t0;
  test_event("b:woke");
  test_print_u32("b: clock advanced ", slept, " ms");
  test_print_u32(" across ", waits, " wfi (interrupt after 40 ms)\r\n");
  test_check(slept >= 39 && slept < 2000, "b: clock advanced in WFI");
  test_check(waits == 1, "b: one WFI, no busy loop");
}

/* (c) The alarm ends a wait at its deadline, not before; a deadline
 * already reached does not sleep. */
static void test_alarm(void) {
  consume_notify(); /* left by (b)'s handler */
  tern_time t0 = tern_port_now();
  tern_time deadline = t0 + 50;
  uint32_t waits = 0;
  tern_time first = 0;
  tern_irqstate s = tern_port_critical_enter();
  test_event("c:sleep");
  while (tern_time_before(tern_port_now(), deadline)) {
    tern_port_wait(true, deadline);
    if (waits++ == 0) {
      first = tern_port_now();
    }
    tern_port_critical_exit(s);
    s = tern_port_critical_enter();
  }
  tern_port_critical_exit(s);
  test_event("c:woke");
  test_print_u32("c: alarm for +50 ms woke the first wait at +", first - t0,
                 " ms");
  test_print_u32(" after ", waits, " wfi\r\n");
  test_check(!tern_time_before(first, deadline), "c: not before the deadline");
  test_check(first - deadline < 1000, "c: at the deadline");
  test_check(waits == 1, "c: one WFI");

  /* Nothing but the alarm could end this wait: it must not sleep. */
  s = tern_port_critical_enter();
  tern_port_wait(true, tern_port_now());
  tern_port_wait(true, tern_port_now() - 5);
  tern_port_critical_exit(s);
  test_event("c:past");
  tern_board_console_puts("c: a deadline already reached returns at once\r\n");
}

/* Waits with a 1 s safety deadline; returns how long it slept. */
static uint32_t timed_wait(void) {
  tern_time t0 = tern_port_now();
  tern_port_wait(true, t0 + 1000);
  return tern_port_now() - t0;
}

/* (d) Wakes are not lost: a notify from thread code, a notify from a
 * handler that ran before the critical section, and an interrupt that
 * arrives after the run loop decided to sleep and before its WFI. */
static void test_wakes(void) {
  /* No notify is pending: (c) consumed (b)'s and had no handler. */
  tern_irqstate s = tern_port_critical_enter();
  tern_port_notify();
  uint32_t slept = timed_wait();
  tern_port_critical_exit(s);
  test_event("d:thread-notify");
  test_print_u32("d: notify from thread code: wait returned after ", slept,
                 " ms\r\n");
  test_check(slept < 500, "d: a notify before the wait ends it");

  uint32_t seen = isr_count;
  tern_test_timer_start(5);
  while (isr_count == seen) {
  }
  s = tern_port_critical_enter();
  slept = timed_wait();
  tern_port_critical_exit(s);
  test_event("d:isr-before");
  test_print_u32(
      "d: notify from a handler before the section: wait returned "
      "after ",
      slept, " ms\r\n");
  test_check(slept < 500, "d: a handler's notify before the wait ends it");

  /* The race: the handler's interrupt arrives between the run loop's
   * decision to sleep (work_ready read as false, interrupts masked) and
   * its WFI. Its handler cannot run yet; the pending interrupt must keep
   * WFI from sleeping, or only the 1 s safety deadline would end it. */
  work_ready = false;
  s = tern_port_critical_enter();
  if (!work_ready) {
    test_event("d:decided");
    tern_test_timer_start(2);
    tern_time give_up = tern_port_now() + 1000;
    while (!tern_nvic_is_pending(tern_test_timer_irq) &&
           tern_time_before(tern_port_now(), give_up)) {
    }
    test_check(tern_nvic_is_pending(tern_test_timer_irq),
               "d: interrupt pending before the wait");
    test_event("d:pending");
    slept = timed_wait();
    test_event("d:returned");
  }
  tern_port_critical_exit(s);
  test_event(work_ready ? "d:work-seen" : "d:work-lost");
  test_print_u32("d: interrupt pending before WFI: wait returned after ", slept,
                 " ms\r\n");
  test_check(slept < 500, "d: a pending interrupt ends the wait");
  test_check(work_ready, "d: the handler ran after the section");
}

int main(void) {
  tern_board_console_puts("port test\r\n");
  test_critical_sections();
  test_clock_across_wfi();
  test_alarm();
  test_wakes();
  test_print_order();
  if (test_failures() != 0) {
    test_print_u32("port test: ", (uint32_t)test_failures(), " failed\r\n");
    return 1;
  }
  tern_board_console_puts("port test: all passed\r\n");
  return 0;
}
