/* Interrupt-driven CMSDK APB UART on the MPS2 AN385: a tern_stream
 * (tern/hal_uart.h) over caller-provided receive and transmit rings.
 *
 *   static uint8_t rx_buf[64], tx_buf[64];      // powers of two
 *   static tern_mps2_uart uart;
 *   tern_uart_config cfg = {115200};
 *   tern_mps2_uart_init(&uart, 0, &cfg, rx_buf, sizeof rx_buf,
 *                       tx_buf, sizeof tx_buf);
 *   tern_stream s = tern_mps2_uart_stream(&uart);
 *
 * The receive interrupt moves each byte from the data register into the
 * receive ring (a full ring drops it and counts rx_overruns) and wakes the
 * reader. poll_write copies into the transmit ring and starts the
 * transmitter; each transmit interrupt (the one-byte buffer emptied) feeds
 * the next byte and wakes the writer. Handlers never call user code other
 * than a waker.
 *
 * UART0 is also the board's polled console (tern_board_console_write):
 * both may be used at once. The console writes each byte with interrupts
 * masked, after the buffer has emptied, and the transmit handler feeds the
 * stream only when the buffer is empty, so neither overruns the other and
 * no byte is lost; text written by both at the same time interleaves by
 * byte. */
#ifndef TERN_MPS2_AN385_UART_H
#define TERN_MPS2_AN385_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/cortex_m/byte_ring.h"
#include "tern/hal_uart.h"
#include "tern/poll.h"
#include "tern/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The AN385's UARTs: 0..4 at 0x40004000, 0x40005000, 0x40006000,
 * 0x40007000, 0x40009000; RX/TX interrupts 0/1, 2/3, 4/5, 18/19, 20/21.
 * QEMU connects its n-th -serial to UART n. */
#define TERN_MPS2_UART_COUNT 5

/* One UART's driver state (caller storage, 76 bytes on 32-bit). Fields are
 * the driver's; read statistics with tern_mps2_uart_get_stats. */
typedef struct tern_mps2_uart {
  uintptr_t base;
  tern_cm_ring rx;
  tern_cm_ring tx;
  tern_waker_slot reader;
  tern_waker_slot writer; /* writing, flushing and closing */
  tern_uart_stats stats;
  volatile uint32_t irqs; /* RX and TX interrupts handled (for tests) */
  uint8_t index;
  volatile uint8_t tx_active; /* a stream byte awaits its TX interrupt */
  uint8_t closed;
} tern_mps2_uart;

/* Takes UART `index` (0..4): sets the baud rate (25 MHz / baud, at least
 * 16), enables receive and transmit with their interrupts, and moves a
 * byte already waiting in the receive buffer into the ring. rx_size and
 * tx_size are powers of two (2 .. 2^30). Returns 0, or TERN_EINVAL (bad
 * index, baud, ring), or TERN_EBUSY (a stream already owns the UART).
 * A NULL config means 115200 baud. */
int tern_mps2_uart_init(tern_mps2_uart *u, unsigned index,
                        const tern_uart_config *config, uint8_t *rx_buf,
                        size_t rx_size, uint8_t *tx_buf, size_t tx_size);

/* The stream: read, write, flush (the ring and the data buffer are empty;
 * the CMSDK UART has no shift-register status) and close (flush, then
 * writes fail with TERN_ECLOSED; a UART never reaches end of stream). */
tern_stream tern_mps2_uart_stream(tern_mps2_uart *u);

/* A consistent copy of the counters. */
tern_uart_stats tern_mps2_uart_get_stats(const tern_mps2_uart *u);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MPS2_AN385_UART_H */
