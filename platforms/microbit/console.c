/* Polled console on the nRF51 UART (TX on P0.24, the micro:bit's USB
 * serial line). The interrupt-driven stream (//platforms/microbit:uart,
 * tern/microbit/uart.h) uses the same UART and may run at the same time:
 * both take turns through tern__nrf51_uart_tx_busy (uart_tx.h). The
 * console writes each byte with interrupts masked, after the byte in
 * flight (its own or the stream's) has left, and leaves its own TXDRDY
 * event set, so the stream's handler sees the transmitter free again and
 * carries on. No byte is lost; text from both at once interleaves by
 * byte. */
#include <stdint.h>

#include "tern/board.h"
#include "tern/cortex_m/nvic.h"
#include "tern/cortex_m/semihosting.h"
#include "uart_tx.h"

#define UART_BASE 0x40002000u
#define REG(off) (*(volatile uint32_t *)(UART_BASE + (off)))
#define UART_STARTTX REG(0x008)
#define UART_TXDRDY REG(0x11c)
#define UART_ENABLE REG(0x500)
#define UART_PSELTXD REG(0x50c)
#define UART_PSELRXD REG(0x514)
#define UART_TXD REG(0x51c)
#define UART_BAUDRATE REG(0x524)

enum { BAUD_115200 = 0x01d7e000, PIN_TX = 24, PIN_RX = 25, ENABLE_UART = 4 };

void tern_board_init(void) {
  UART_PSELTXD = PIN_TX;
  UART_PSELRXD = PIN_RX;
  UART_BAUDRATE = BAUD_115200;
  UART_ENABLE = ENABLE_UART;
  UART_STARTTX = 1;
}

volatile uint8_t tern__nrf51_uart_tx_busy;

void tern_board_console_write(const void *buf, size_t len) {
  const uint8_t *p = buf;
  for (size_t i = 0; i < len; i++) {
    uint32_t primask = tern_cm_irq_mask();
    if (tern__nrf51_uart_tx_busy) {
      while (UART_TXDRDY == 0) {
      }
    }
    UART_TXDRDY = 0;
    UART_TXD = p[i];
    tern__nrf51_uart_tx_busy = 1;
    /* Wait for this byte, so that what was written is out when the call
     * returns, and keep its event for the next writer. */
    while (UART_TXDRDY == 0) {
    }
    tern_cm_irq_restore(primask);
  }
}

void tern_board_exit(int code) {
  tern_semihosting_exit(code);
}
