/* Interrupt-driven nRF51 UART (0x40002000, IRQ 2) on the micro:bit: a
 * tern_stream (tern/hal_uart.h) over caller-provided receive and transmit
 * rings. TX is P0.24 and RX P0.25, the interface chip's serial line.
 *
 *   static uint8_t rx_buf[32], tx_buf[64];      // powers of two
 *   static tern_microbit_uart uart;
 *   tern_microbit_uart_init(&uart, NULL, rx_buf, sizeof rx_buf,
 *                           tx_buf, sizeof tx_buf);
 *   tern_stream s = tern_microbit_uart_stream(&uart);
 *
 * The handler takes each RXDRDY byte into the receive ring (a full ring
 * drops it and counts rx_overruns), feeds the next byte on each TXDRDY,
 * counts ERROR events in rx_errors and wakes the reader or the writer;
 * it calls nothing else.
 *
 * The board's polled console (tern_board_console_write) shares the UART
 * with the stream: see console.c. Both may be used at once without losing
 * a byte; their text interleaves by byte if written at the same time. */
#ifndef TERN_MICROBIT_UART_H
#define TERN_MICROBIT_UART_H

#include <stddef.h>
#include <stdint.h>

#include "tern/cortex_m/byte_ring.h"
#include "tern/hal_uart.h"
#include "tern/poll.h"
#include "tern/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Driver state (caller storage, 72 bytes on 32-bit). Read statistics with
 * tern_microbit_uart_get_stats. */
typedef struct tern_microbit_uart {
  tern_cm_ring rx;
  tern_cm_ring tx;
  tern_waker_slot reader;
  tern_waker_slot writer; /* writing, flushing and closing */
  tern_uart_stats stats;
  volatile uint32_t irqs; /* interrupts handled (for tests) */
  uint8_t closed;
} tern_microbit_uart;

/* Takes the UART: baud rate (1200 .. 1000000, one of the nRF51's listed
 * rates; NULL config: 115200), RXDRDY/TXDRDY/ERROR interrupts, receiver
 * started. Ring sizes are powers of two (2 .. 2^30). Returns 0, or
 * TERN_EINVAL (rate, rings), or TERN_EBUSY (already initialised). */
int tern_microbit_uart_init(tern_microbit_uart *u,
                            const tern_uart_config *config, uint8_t *rx_buf,
                            size_t rx_size, uint8_t *tx_buf, size_t tx_size);

/* The stream: read, write, flush (ring empty and the last byte's TXDRDY
 * seen: it has left the shift register) and close (flush, then writes fail
 * with TERN_ECLOSED; a UART never reaches end of stream). */
tern_stream tern_microbit_uart_stream(tern_microbit_uart *u);

/* A consistent copy of the counters. */
tern_uart_stats tern_microbit_uart_get_stats(const tern_microbit_uart *u);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MICROBIT_UART_H */
