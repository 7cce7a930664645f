/* Transmitter ownership shared by the polled console (console.c) and the
 * interrupt-driven stream (uart.c) on the nRF51's one UART. Internal to
 * //platforms/microbit. */
#ifndef TERN_MICROBIT_UART_TX_H
#define TERN_MICROBIT_UART_TX_H

#include <stdint.h>

/* 1 while a byte written to TXD has not had its TXDRDY event consumed
 * (the stream's handler consumes it; the console leaves it for the next
 * writer). Read and written only with interrupts masked or from the UART
 * handler. */
extern volatile uint8_t tern__nrf51_uart_tx_busy;

#endif /* TERN_MICROBIT_UART_TX_H */
