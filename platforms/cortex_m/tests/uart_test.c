/* The board's interrupt-driven UART stream in QEMU, on serial 0 (the
 * test's stdio, shared with the polled console):
 *
 *  a. Backpressure: with interrupts masked, writes fill the 16-byte
 *     transmit ring until one returns PENDING; unmasking lets the TX
 *     interrupt drain the ring, which wakes the writer.
 *  b. A task writes the rest of three known lines through the stream
 *     (the test matches them on stdout), flushes, and sleeps 300 ms
 *     without reading while QEMU feeds uart_input.txt (76 bytes) into
 *     serial 0: the RX interrupt keeps the first 32 (the ring's size)
 *     and counts the other 44 as overruns.
 *  c. It reads the 32 bytes, checks no more arrive within 50 ms, echoes
 *     them upper-cased ("echo: HELLO, TERN!|0123456789ABCDEFGHI", the
 *     newline shown as '|'), flushes and closes the stream; a write after
 *     close fails with TERN_ECLOSED.
 * The counters are printed and checked at the end. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tern/board.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/port.h"
#include "tern/stream.h"
#include "tern/timer.h"
#include "test_log.h"
#include "test_uart.h"

enum { RX_SIZE = 32, TX_SIZE = 16, INPUT_LEN = 76 };

static const char text[] =
    "stream: the quick brown fox jumps over the lazy dog\r\n"
    "stream: line 2 of 3, through a 16-byte ring\r\n"
    "stream: line 3 of 3, fed by the TX interrupt\r\n";
static const char input_head[RX_SIZE + 1] = "hello, tern!\n0123456789abcdefghi";

static uint8_t rx_ring[RX_SIZE];
static uint8_t tx_ring[TX_SIZE];
static tern_stream uart;

static unsigned woken;
static void count_wake(void *ctx) {
  (void)ctx;
  woken++;
}

typedef struct {
  tern_task task;
  tern_co co;
  tern_timer timer;
  size_t off;
  ptrdiff_t n;
  int err;
  bool expired;
  uint8_t got[RX_SIZE + 8];
  size_t got_len;
  char echo[64];
  size_t echo_len;
} uart_task;

static tern_poll run(tern_task *task, tern_cx *cx) {
  uart_task *s = TERN_CONTAINER_OF(task, uart_task, task);
  TERN_CO_BEGIN(&s->co);
  /* b: the rest of the text, in pieces as the ring takes them. */
  while (s->off < sizeof text - 1) {
    TERN_CO_AWAIT(&s->co,
                  tern_stream_poll_write(&uart, cx, text + s->off,
                                         sizeof text - 1 - s->off, &s->n));
    test_check(s->n > 0, "write takes bytes");
    if (s->n <= 0) {
      TERN_CO_RETURN(&s->co);
    }
    s->off += (size_t)s->n;
  }
  TERN_CO_AWAIT(&s->co, tern_stream_poll_flush(&uart, cx, &s->err));
  test_check(s->err == 0, "flush");
  test_event("flushed");
  TERN_CO_AWAIT(&s->co, tern_sleep_for(&s->timer, cx, 300));

  /* c: what the ring kept. */
  while (s->got_len < RX_SIZE) {
    TERN_CO_AWAIT(&s->co,
                  tern_stream_poll_read(&uart, cx, s->got + s->got_len,
                                        sizeof s->got - s->got_len, &s->n));
    test_check(s->n > 0, "read returns bytes");
    if (s->n <= 0) {
      TERN_CO_RETURN(&s->co);
    }
    s->got_len += (size_t)s->n;
  }
  test_event("read");
  TERN_CO_AWAIT(&s->co, tern_with_timeout(&s->timer, cx,
                                          tern_stream_poll_read(
                                              &uart, cx, s->got + RX_SIZE,
                                              sizeof s->got - RX_SIZE, &s->n),
                                          50, &s->expired));
  test_check(s->expired, "nothing beyond the ring's 32 bytes");
  test_check(s->got_len == RX_SIZE && memcmp(s->got, input_head, RX_SIZE) == 0,
             "the first 32 input bytes, in order");

  memcpy(s->echo, "echo: ", 6);
  s->echo_len = 6;
  for (size_t i = 0; i < RX_SIZE; i++) {
    char c = (char)s->got[i];
    if (c >= 'a' && c <= 'z') {
      c = (char)(c - 'a' + 'A');
    } else if (c == '\n') {
      c = '|';
    }
    s->echo[s->echo_len++] = c;
  }
  s->echo[s->echo_len++] = '\r';
  s->echo[s->echo_len++] = '\n';
  for (s->off = 0; s->off < s->echo_len; s->off += (size_t)s->n) {
    TERN_CO_AWAIT(&s->co, tern_stream_poll_write(&uart, cx, s->echo + s->off,
                                                 s->echo_len - s->off, &s->n));
    if (s->n <= 0) {
      test_check(false, "echo write");
      TERN_CO_RETURN(&s->co);
    }
  }
  TERN_CO_AWAIT(&s->co, tern_stream_poll_close(&uart, cx, &s->err));
  test_check(s->err == 0, "close");
  test_event("closed");
  TERN_CO_AWAIT(&s->co, tern_stream_poll_write(&uart, cx, "x", 1, &s->n));
  test_check(s->n == TERN_ECLOSED, "write after close: TERN_ECLOSED");
  TERN_CO_END(&s->co);
}

static tern_executor ex;
static uart_task t;

int main(void) {
  tern_board_console_puts("uart test\r\n");
  int err =
      test_uart_open(&uart, rx_ring, sizeof rx_ring, tx_ring, sizeof tx_ring);
  test_check(err == 0, "open");

  /* a: fill the ring with the transmitter unable to drain it. */
  tern_cx cx =
      tern_cx_make((tern_waker){count_wake, NULL}, NULL); /* no timer */
  ptrdiff_t n1 = 0;
  ptrdiff_t n2 = 0;
  ptrdiff_t n3 = 0;
  tern_irqstate s = tern_port_critical_enter();
  tern_poll p1 = tern_stream_poll_write(&uart, &cx, text, 40, &n1);
  tern_poll p2 = tern_stream_poll_write(&uart, &cx, text + n1, 40, &n2);
  tern_poll p3 = tern_stream_poll_write(&uart, &cx, text + n1 + n2, 40, &n3);
  unsigned woken_masked = woken;
  tern_port_critical_exit(s);
  /* The interrupts have run by now (each is taken on unmasking). */
  tern_stream_poll_flush(&uart, &cx, &err);
  test_check(p1 == TERN_READY && n1 == TX_SIZE,
             "a: first write fills the ring");
  /* Starting the transmitter took one byte out of the ring. */
  test_check(p2 == TERN_READY && n2 == 1, "a: one more byte fits");
  test_check(p3 == TERN_PENDING, "a: full ring: PENDING");
  test_check(woken_masked == 0 && woken >= 1,
             "a: the TX interrupt woke the writer");

  tern_executor_init(&ex);
  tern_task_init(&t.task, run);
  t.off = (size_t)(n1 + n2);
  t.timer = (tern_timer)TERN_TIMER_INIT;
  tern_spawn(&ex, &t.task);
  tern_executor_run(&ex, &t.task);

  tern_uart_stats st = test_uart_stats();
  test_print_order();
  test_print_u32("stats: rx ", st.rx_bytes, " bytes, ");
  test_print_u32("", st.rx_overruns, " overruns, ");
  test_print_u32("", st.rx_errors, " errors, tx ");
  test_print_u32("", st.tx_bytes, " bytes\r\n");
  test_print_u32("interrupts: ", test_uart_irqs(), "\r\n");
  test_check(st.rx_bytes == RX_SIZE, "rx_bytes: what the ring took");
  test_check(st.rx_overruns == INPUT_LEN - RX_SIZE, "rx_overruns: the rest");
  test_check(st.tx_bytes == sizeof text - 1 + t.echo_len, "tx_bytes");
  /* One TX interrupt per byte sent but the first of each burst, and RX
   * interrupts besides: well over 100. */
  test_check(test_uart_irqs() > 100, "interrupt-driven");
  if (test_failures() != 0) {
    test_print_u32("uart test: ", (uint32_t)test_failures(), " failed\r\n");
    return 1;
  }
  tern_board_console_puts("uart test: all passed\r\n");
  return 0;
}
