/* Polled console on the MPS2's CMSDK APB UART0. The interrupt-driven
 * stream (//platforms/mps2_an385:uart, tern/mps2_an385/uart.h) may use
 * UART0 at the same time: each console byte is written with interrupts
 * masked once the one-byte TX buffer is empty, so the stream's handler
 * cannot write between the check and the write, and the stream's handler
 * only writes into an empty buffer. */
#include <stdint.h>

#include "tern/board.h"
#include "tern/cortex_m/nvic.h"
#include "tern/cortex_m/semihosting.h"

#define UART_BASE 0x40004000u
#define REG(off) (*(volatile uint32_t *)(UART_BASE + (off)))
#define UART_DATA REG(0x000)
#define UART_STATE REG(0x004)
#define UART_CTRL REG(0x008)
#define UART_BAUDDIV REG(0x010)

enum { STATE_TX_FULL = 1u << 0, CTRL_TX_EN = 1u << 0, CTRL_RX_EN = 1u << 1 };

void tern_board_init(void) {
  UART_BAUDDIV = 217; /* 25 MHz / 115200 */
  UART_CTRL = CTRL_TX_EN | CTRL_RX_EN;
}

void tern_board_console_write(const void *buf, size_t len) {
  const uint8_t *p = buf;
  for (size_t i = 0; i < len; i++) {
    uint32_t primask = tern_cm_irq_mask();
    while (UART_STATE & STATE_TX_FULL) {
    }
    UART_DATA = p[i];
    tern_cm_irq_restore(primask);
  }
}

void tern_board_exit(int code) {
  tern_semihosting_exit(code);
}
