/* CMSDK APB UART driver (see uart.h).
 *
 * Registers (Cortex-M System Design Kit TRM, "UART"): DATA 0x00, STATE
 * 0x04 (bit 0 TX buffer full, 1 RX buffer full, 2 TX overrun, 3 RX
 * overrun; write 1 to clear an overrun), CTRL 0x08 (0 TX enable, 1 RX
 * enable, 2 TX interrupt enable, 3 RX interrupt enable), INTSTATUS /
 * INTCLEAR 0x0C (0 TX, 1 RX), BAUDDIV 0x10. Each direction has a one-byte
 * buffer. The TX interrupt is raised when the TX buffer goes from full to
 * empty, so the transmitter is started by writing the first byte from
 * thread code and kept going by the handler. */
#include "tern/mps2_an385/uart.h"

#include "tern/cortex_m/nvic.h"
#include "tern/err.h"
#include "tern/port.h"

#define REG(u, off) (*(volatile uint32_t *)((u)->base + (off)))
#define DATA 0x00
#define STATE 0x04
#define CTRL 0x08
#define INTSTATUS 0x0c
#define BAUDDIV 0x10

enum {
  STATE_TX_FULL = 1u << 0,
  STATE_RX_FULL = 1u << 1,
  STATE_RX_OVERRUN = 1u << 3,
  CTRL_TX_EN = 1u << 0,
  CTRL_RX_EN = 1u << 1,
  CTRL_TX_IRQ = 1u << 2,
  CTRL_RX_IRQ = 1u << 3,
  INT_TX = 1u << 0,
  INT_RX = 1u << 1,
  PCLK_HZ = 25000000,
};

static const uint32_t uart_base[TERN_MPS2_UART_COUNT] = {
    0x40004000u, 0x40005000u, 0x40006000u, 0x40007000u, 0x40009000u};
static const uint8_t uart_rx_irq[TERN_MPS2_UART_COUNT] = {0, 2, 4, 18, 20};

/* The stream that owns each UART, for its interrupt handlers. */
static tern_mps2_uart *instances[TERN_MPS2_UART_COUNT];

/* Drains the RX buffer into the ring. Handler context (or masked). */
static void rx_drain(tern_mps2_uart *u) {
  while (REG(u, STATE) & STATE_RX_FULL) {
    uint8_t b = (uint8_t)REG(u, DATA);
    if (tern_cm_ring_put(&u->rx, b)) {
      u->stats.rx_bytes++;
    } else {
      u->stats.rx_overruns++;
    }
  }
  if (REG(u, STATE) & STATE_RX_OVERRUN) {
    REG(u, STATE) = STATE_RX_OVERRUN;
    u->stats.rx_errors++;
  }
}

/* Writes the next ring byte if the TX buffer is empty; clears tx_active
 * when the ring has run dry. One byte per call: the buffer holds one, and
 * its emptying raises the TX interrupt that calls this again (under QEMU
 * the byte leaves at once, and the interrupt still paces the ring).
 * Handler context (or masked). */
static void tx_feed(tern_mps2_uart *u) {
  if (REG(u, STATE) & STATE_TX_FULL) {
    return; /* our byte or the console's: its emptying interrupts */
  }
  uint8_t b;
  if (!tern_cm_ring_get(&u->tx, &b)) {
    u->tx_active = 0;
    return;
  }
  REG(u, DATA) = b;
  u->stats.tx_bytes++;
}

static void rx_irq(tern_mps2_uart *u) {
  if (u == NULL) {
    return;
  }
  u->irqs++;
  REG(u, INTSTATUS) = INT_RX;
  rx_drain(u);
  tern_waker_slot_wake(&u->reader);
}

static void tx_irq(tern_mps2_uart *u) {
  if (u == NULL) {
    return;
  }
  u->irqs++;
  REG(u, INTSTATUS) = INT_TX;
  if (u->tx_active) {
    tx_feed(u);
  }
  tern_waker_slot_wake(&u->writer);
}

void tern_irq0_handler(void) {
  rx_irq(instances[0]);
}
void tern_irq1_handler(void) {
  tx_irq(instances[0]);
}
void tern_irq2_handler(void) {
  rx_irq(instances[1]);
}
void tern_irq3_handler(void) {
  tx_irq(instances[1]);
}
void tern_irq4_handler(void) {
  rx_irq(instances[2]);
}
void tern_irq5_handler(void) {
  tx_irq(instances[2]);
}
void tern_irq18_handler(void) {
  rx_irq(instances[3]);
}
void tern_irq19_handler(void) {
  tx_irq(instances[3]);
}
void tern_irq20_handler(void) {
  rx_irq(instances[4]);
}
void tern_irq21_handler(void) {
  tx_irq(instances[4]);
}

static tern_poll uart_read(void *self, tern_cx *cx, void *buf, size_t len,
                           ptrdiff_t *n) {
  tern_mps2_uart *u = self;
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

/* Starts the transmitter if no stream byte is in flight. */
static void tx_kick(tern_mps2_uart *u) {
  tern_irqstate s = tern_port_critical_enter();
  if (!u->tx_active) {
    u->tx_active = 1;
    tx_feed(u);
  }
  tern_port_critical_exit(s);
}

static tern_poll uart_write(void *self, tern_cx *cx, const void *buf,
                            size_t len, ptrdiff_t *n) {
  tern_mps2_uart *u = self;
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
  tx_kick(u);
  *n = (ptrdiff_t)put;
  return TERN_READY;
}

static bool tx_drained(const tern_mps2_uart *u) {
  return !u->tx_active && tern_cm_ring_used(&u->tx) == 0 &&
         (REG(u, STATE) & STATE_TX_FULL) == 0;
}

static tern_poll uart_flush(void *self, tern_cx *cx, int *err) {
  tern_mps2_uart *u = self;
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
  tern_mps2_uart *u = self;
  if (uart_flush(self, cx, err) == TERN_PENDING) {
    return TERN_PENDING;
  }
  u->closed = 1;
  return TERN_READY;
}

static const tern_stream_ops uart_ops = {uart_read, uart_write, uart_flush,
                                         uart_close};

int tern_mps2_uart_init(tern_mps2_uart *u, unsigned index,
                        const tern_uart_config *config, uint8_t *rx_buf,
                        size_t rx_size, uint8_t *tx_buf, size_t tx_size) {
  uint32_t baud = config != NULL ? config->baud : 115200u;
  if (u == NULL || index >= TERN_MPS2_UART_COUNT || baud == 0 ||
      PCLK_HZ / baud < 16) {
    return TERN_EINVAL;
  }
  if (instances[index] != NULL) {
    return TERN_EBUSY;
  }
  if (tern_cm_ring_init(&u->rx, rx_buf, rx_size) != 0 ||
      tern_cm_ring_init(&u->tx, tx_buf, tx_size) != 0) {
    return TERN_EINVAL;
  }
  u->base = uart_base[index];
  u->reader = (tern_waker_slot)TERN_WAKER_SLOT_INIT;
  u->writer = (tern_waker_slot)TERN_WAKER_SLOT_INIT;
  u->stats = (tern_uart_stats){0, 0, 0, 0};
  u->irqs = 0;
  u->index = (uint8_t)index;
  u->tx_active = 0;
  u->closed = 0;

  unsigned irq = uart_rx_irq[index];
  tern_irqstate s = tern_port_critical_enter();
  instances[index] = u;
  REG(u, BAUDDIV) = PCLK_HZ / baud;
  REG(u, INTSTATUS) = INT_TX | INT_RX;
  REG(u, CTRL) = CTRL_TX_EN | CTRL_RX_EN | CTRL_TX_IRQ | CTRL_RX_IRQ;
  /* A byte that arrived while the RX interrupt was off raised none, and
   * the UART takes no other until it is read. */
  rx_drain(u);
  tern_nvic_clear_pending(irq);
  tern_nvic_clear_pending(irq + 1);
  tern_nvic_enable(irq);
  tern_nvic_enable(irq + 1);
  tern_port_critical_exit(s);
  return 0;
}

tern_stream tern_mps2_uart_stream(tern_mps2_uart *u) {
  tern_stream s = {&uart_ops, u};
  return s;
}

tern_uart_stats tern_mps2_uart_get_stats(const tern_mps2_uart *u) {
  tern_irqstate s = tern_port_critical_enter();
  tern_uart_stats copy = u->stats;
  tern_port_critical_exit(s);
  return copy;
}
