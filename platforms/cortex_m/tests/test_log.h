/* Console helpers for the port's firmware tests: numbers without printf,
 * a log of events in the order they happened (thread code and interrupt
 * handlers alike), and checks that count failures. */
#ifndef TERN_CORTEX_M_TESTS_TEST_LOG_H
#define TERN_CORTEX_M_TESTS_TEST_LOG_H

#include <stdbool.h>
#include <stdint.h>

/* Writes s, then v in decimal, then rest. */
void test_print_u32(const char *s, uint32_t v, const char *rest);

/* Appends an event name to the order log (safe from interrupt handlers). */
void test_event(const char *name);

/* Prints "order: <events separated by spaces>". */
void test_print_order(void);

/* Counts a failure, printing "FAIL: what", unless ok. */
void test_check(bool ok, const char *what);

/* Number of failed checks so far. */
int test_failures(void);

#endif /* TERN_CORTEX_M_TESTS_TEST_LOG_H */
