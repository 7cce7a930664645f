/* nRF51 UART stream driver (see uart.h).
 *
 * Registers (nRF51 Series Reference Manual, UART): tasks STARTRX 0x000,
 * STARTTX 0x008; events RXDRDY 0x108, TXDRDY 0x11C, ERROR 0x124; INTENSET
 * 0x304 (bit 2 RXDRDY, 7 TXDRDY, 9 ERROR); ERRORSRC 0x480 (write 1s to
 * clear); ENABLE 0x500; RXD 0x518; TXD 0x51C; BAUDRATE 0x524. The
 * interrupt line is high while an enabled event is set, so the handler
 * clears each event it handles. RXD is a FIFO (6 bytes on silicon): clear
 * RXDRDY before reading RXD, and the event comes back if more wait. */
#include "tern/microbit/uart.h"

#include "tern/cortex_m/nvic.h"
#include "tern/err.h"
#include "tern/port.h"
#include "uart_tx.h"

#define UART_BASE 0x40002000u
#define REG(off) (*(volatile uint32_t *)(UART_BASE + (off)))
#define TASKS_STARTRX REG(0x000)
#define TASKS_STARTTX REG(0x008)
#define EVENTS_RXDRDY REG(0x108)
#define EVENTS_TXDRDY REG(0x11c)
#define EVENTS_ERROR REG(0x124)
#define INTENSET REG(0x304)
#define ERRORSRC REG(0x480)
#define RXD REG(0x518)
#define TXD REG(0x51c)
#define BAUDRATE REG(0x524)

enum {
  UART_IRQ = 2,
  INT_RXDRDY = 1u << 2,
  INT_TXDRDY = 1u << 7,
  INT_ERROR = 1u << 9,
};

static tern_microbit_uart *instance;

/* The BAUDRATE register values of the reference manual. */
static const struct {
  uint32_t baud;
  uint32_t reg;
} rates[] = {
    {1200, 0x0004f000u},    {2400, 0x0009d000u},   {4800, 0x0013b000u},
    {9600, 0x00275000u},    {14400, 0x003b0000u},  {19200, 0x004ea000u},
    {28800, 0x0075f000u},   {38400, 0x009d5000u},  {57600, 0x00ebf000u},
    {76800, 0x013a9000u},   {115200, 0x01d7e000u}, {230400, 0x03afb000u},
    {250000, 0x04000000u},  {460800, 0x075f7000u}, {921600, 0x0ebedfa4u},
    {1000000, 0x10000000u},
};

/* Writes the next ring byte if the transmitter is free (its last byte's
 * TXDRDY has come, which this consumes). One byte per call: the next
 * TXDRDY interrupt calls it again (under QEMU the event comes at once,
 * and the interrupt still paces the ring). Handler context (or masked). */
static void tx_feed(tern_microbit_uart *u) {
  if (tern__nrf51_uart_tx_busy) {
    if (EVENTS_TXDRDY == 0) {
      return; /* a byte is in flight: its TXDRDY continues */
    }
    EVENTS_TXDRDY = 0;
    tern__nrf51_uart_tx_busy = 0;
  }
  uint8_t b;
  if (!tern_cm_ring_get(&u->tx, &b)) {
    return;
  }
  EVENTS_TXDRDY = 0;
  TXD = b;
  tern__nrf51_uart_tx_busy = 1;
  u->stats.tx_bytes++;
}

void tern_irq2_handler(void) {
  tern_microbit_uart *u = instance;
  if (u == NULL) {
    return;
  }
  u->irqs++;
  bool rx = false;
  while (EVENTS_RXDRDY != 0) {
    EVENTS_RXDRDY = 0;
    uint8_t b = (uint8_t)RXD;
    if (tern_cm_ring_put(&u->rx, b)) {
      u->stats.rx_bytes++;
    } else {
      u->stats.rx_overruns++;
    }
    rx = true;
  }
  if (EVENTS_ERROR != 0) {
    EVENTS_ERROR = 0;
    ERRORSRC = ERRORSRC; /* write 1s to clear */
    u->stats.rx_errors++;
  }
  if (rx) {
    tern_waker_slot_wake(&u->reader);
  }
  if (EVENTS_TXDRDY != 0) {
    tx_feed(u);
    /* An event nobody owns (the transmitter was already free): consume
     * it, or the level-triggered line would stay high. */
    if (EVENTS_TXDRDY != 0 && !tern__nrf51_uart_tx_busy) {
      EVENTS_TXDRDY = 0;
    }
    tern_waker_slot_wake(&u->writer);
  }
}

static tern_poll uart_read(void *self, tern_cx *cx, void *buf, size_t len,
                           ptrdiff_t *n) {
  tern_microbit_uart *u = self;
  size_t got = tern_cm_ring_read(&u->rx, buf, len);
  if (got == 0) {
    /* Register, then look again: a byte that arrived in between has
     * either been seen now or will wake the registered waker. */
    tern_waker_slot_register(&u->reader, cx);
    got = tern_cm_ring_read(&u->rx, buf, len);
    if (got == 0) {
      return TERN_PENDING;
    }
  }
  *n = (ptrdiff_t)got;
  return TERN_READY;
}

static tern_poll uart_write(void *self, tern_cx *cx, const void *buf,
                            size_t len, ptrdiff_t *n) {
  tern_microbit_uart *u = self;
  if (u->closed) {
    *n = TERN_ECLOSED;
    return TERN_READY;
  }
  size_t put = tern_cm_ring_write(&u->tx, buf, len);
  if (put == 0) {
    tern_waker_slot_register(&u->writer, cx);
    put = tern_cm_ring_write(&u->tx, buf, len);
    if (put == 0) {
      return TERN_PENDING;
    }
  }
  tern_irqstate s = tern_port_critical_enter();
  if (!tern__nrf51_uart_tx_busy) {
    tx_feed(u); /* idle: start it; otherwise TXDRDY will */
  }
  tern_port_critical_exit(s);
  *n = (ptrdiff_t)put;
  return TERN_READY;
}

static bool tx_drained(const tern_microbit_uart *u) {
  tern_irqstate s = tern_port_critical_enter();
  bool done = tern_cm_ring_used(&u->tx) == 0 &&
              (!tern__nrf51_uart_tx_busy || EVENTS_TXDRDY != 0);
  tern_port_critical_exit(s);
  return done;
}

static tern_poll uart_flush(void *self, tern_cx *cx, int *err) {
  tern_microbit_uart *u = self;
  if (!tx_drained(u)) {
    tern_waker_slot_register(&u->writer, cx);
    if (!tx_drained(u)) {
      return TERN_PENDING;
    }
  }
  *err = 0;
  return TERN_READY;
}

static tern_poll uart_close(void *self, tern_cx *cx, int *err) {
  tern_microbit_uart *u = self;
  if (uart_flush(self, cx, err) == TERN_PENDING) {
    return TERN_PENDING;
  }
  u->closed = 1;
  return TERN_READY;
}

static const tern_stream_ops uart_ops = {uart_read, uart_write, uart_flush,
                                         uart_close};

int tern_microbit_uart_init(tern_microbit_uart *u,
                            const tern_uart_config *config, uint8_t *rx_buf,
                            size_t rx_size, uint8_t *tx_buf, size_t tx_size) {
  uint32_t baud = config != NULL ? config->baud : 115200u;
  uint32_t reg = 0;
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    if (rates[i].baud == baud) {
      reg = rates[i].reg;
    }
  }
  if (u == NULL || reg == 0) {
    return TERN_EINVAL;
  }
  if (instance != NULL) {
    return TERN_EBUSY;
  }
  if (tern_cm_ring_init(&u->rx, rx_buf, rx_size) != 0 ||
      tern_cm_ring_init(&u->tx, tx_buf, tx_size) != 0) {
    return TERN_EINVAL;
  }
  u->reader = (tern_waker_slot)TERN_WAKER_SLOT_INIT;
  u->writer = (tern_waker_slot)TERN_WAKER_SLOT_INIT;
  u->stats = (tern_uart_stats){0, 0, 0, 0};
  u->irqs = 0;
  u->closed = 0;

  tern_irqstate s = tern_port_critical_enter();
  instance = u;
  /* The board's init enabled the UART, chose the pins and started TX. */
  BAUDRATE = reg;
  EVENTS_RXDRDY = 0;
  EVENTS_ERROR = 0;
  INTENSET = INT_RXDRDY | INT_TXDRDY | INT_ERROR;
  TASKS_STARTTX = 1;
  TASKS_STARTRX = 1;
  tern_nvic_clear_pending(UART_IRQ);
  tern_nvic_enable(UART_IRQ);
  tern_port_critical_exit(s);
  return 0;
}

tern_stream tern_microbit_uart_stream(tern_microbit_uart *u) {
  tern_stream s = {&uart_ops, u};
  return s;
}

tern_uart_stats tern_microbit_uart_get_stats(const tern_microbit_uart *u) {
  tern_irqstate s = tern_port_critical_enter();
  tern_uart_stats copy = u->stats;
  tern_port_critical_exit(s);
  return copy;
}
