/* The board's UART stream for the shared UART firmware test
 * (uart_test.c); each board implements it over its driver in
 * //platforms/<board>/tests:test_uart. */
#ifndef TERN_CORTEX_M_TESTS_TEST_UART_H
#define TERN_CORTEX_M_TESTS_TEST_UART_H

#include <stddef.h>
#include <stdint.h>

#include "tern/hal_uart.h"
#include "tern/stream.h"

/* Opens the UART that is QEMU's serial 0 as a stream over the rings, at
 * 115200 baud; 0 or a tern_err. */
int test_uart_open(tern_stream *out, uint8_t *rx, size_t rx_size, uint8_t *tx,
                   size_t tx_size);

/* The driver's counters, and the interrupts it handled. */
tern_uart_stats test_uart_stats(void);
uint32_t test_uart_irqs(void);

#endif /* TERN_CORTEX_M_TESTS_TEST_UART_H */
