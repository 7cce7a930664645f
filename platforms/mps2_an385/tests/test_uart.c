/* The shared UART test's stream on this board: UART0, QEMU's serial 0,
 * which the polled console shares. */
#include "test_uart.h"

#include "tern/mps2_an385/uart.h"

static tern_mps2_uart uart;

int test_uart_open(tern_stream *out, uint8_t *rx, size_t rx_size, uint8_t *tx,
                   size_t tx_size) {
  tern_uart_config cfg = {115200};
  int err = tern_mps2_uart_init(&uart, 0, &cfg, rx, rx_size, tx, tx_size);
  *out = tern_mps2_uart_stream(&uart);
  return err;
}

tern_uart_stats test_uart_stats(void) {
  return tern_mps2_uart_get_stats(&uart);
}

uint32_t test_uart_irqs(void) {
  return uart.irqs;
}
