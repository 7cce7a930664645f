/* UART: a serial port is a tern_stream of bytes. A driver (platforms/<board>/)
 * takes a configuration and caller-provided receive and transmit rings and
 * gives back a tern_stream; its interrupt handler moves bytes between the
 * rings and the hardware and wakes the stream's waiters.
 *
 * Semantics on top of tern/stream.h:
 *  - poll_read returns what the receive ring holds (at least one byte) or
 *    waits; bytes that arrive while the ring is full are dropped and
 *    counted in tern_uart_stats.rx_overruns (a UART cannot push back).
 *  - poll_write copies into the transmit ring and returns how much fit, or
 *    waits while it is full; poll_flush waits until the last byte has left
 *    the shift register. A UART never reaches end of stream. */
#ifndef TERN_HAL_UART_H
#define TERN_HAL_UART_H

#include <stdint.h>

#include "tern/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_uart_config {
  uint32_t baud; /* e.g. 115200 */
} tern_uart_config;

typedef struct tern_uart_stats {
  uint32_t rx_bytes;
  uint32_t tx_bytes;
  uint32_t rx_overruns; /* bytes lost: the receive ring was full */
  uint32_t rx_errors;   /* framing, parity or hardware overrun errors */
} tern_uart_stats;

#ifdef __cplusplus
}
#endif

#endif /* TERN_HAL_UART_H */
