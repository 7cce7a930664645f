/* The AT-modem backend in firmware: the micro:bit (nRF51, Cortex-M0) in
 * QEMU, its UART joined to //platforms/host/modem_sim's pty. Through the
 * socket API only, it connects over the modem to a TCP echo at
 * 127.0.0.1:7 (the simulator's side), sends a line and reads it back,
 * then does the same over UDP, and reports on semihosting (exit 0 when
 * both came back). tests/microbit_modem_test.sh runs it. */
#include <string.h>

#include "tern/co.h"
#include "tern/cortex_m/semihosting.h"
#include "tern/executor.h"
#include "tern/microbit/rng.h"
#include "tern/microbit/uart.h"
#include "tern/socket_at.h"

static tern_executor ex;
static tern_microbit_uart uart;
static uint8_t uart_rx[256];
static uint8_t uart_tx[256];

#define RX 512
#define TX 256
static tern_socket_at_sock socks[2];
static uint8_t bufs[2 * (RX + TX)];
static tern_socket_at modem;

static const char text[] = "hello over the modem";

typedef struct {
  tern_task task;
  tern_co co;
  tern_socket *s;
  tern_stream io;
  tern_endpoint to;
  uint8_t buf[64];
  size_t got;
  ptrdiff_t n;
  int err, len;
} probe_state;

static probe_state probe;
static tern_task runner;

static void fail(const char *what, int err) {
  tern_semihosting_puts("at_probe: ");
  tern_semihosting_puts(what);
  tern_semihosting_puts(": ");
  tern_semihosting_puts(tern_strerror(err));
  tern_semihosting_puts("\n");
  tern_semihosting_exit(1);
}

static tern_poll runner_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  if (tern_socket_at_poll_run(&modem, cx) == TERN_READY) {
    fail("uart", TERN_ECLOSED);
  }
  return TERN_PENDING;
}

static tern_poll probe_poll(tern_task *t, tern_cx *cx) {
  probe_state *p = TERN_CONTAINER_OF(t, probe_state, task);
  tern_net *net = tern_socket_at_net(&modem);
  TERN_CO_BEGIN(&p->co);
  p->to.addr.family = TERN_IP_V4;
  p->to.addr.u.v4 = tern_ipv4(127, 0, 0, 1);
  p->to.port = 7;
  /* TCP */
  p->err = tern_socket_open(net, TERN_SOCK_STREAM, &p->s);
  if (p->err == 0) {
    p->err = tern_socket_connect(p->s, &p->to);
  }
  if (p->err != 0) {
    fail("tcp connect", p->err);
  }
  TERN_CO_AWAIT(&p->co, tern_socket_poll_connect(p->s, cx, &p->err));
  if (p->err != 0) {
    fail("tcp connect", p->err);
  }
  p->io = tern_socket_stream(p->s);
  TERN_CO_AWAIT(
      &p->co, tern_stream_poll_write(&p->io, cx, text, sizeof text - 1, &p->n));
  if (p->n != (ptrdiff_t)(sizeof text - 1)) {
    fail("tcp write", (int)p->n);
  }
  for (p->got = 0; p->got < sizeof text - 1; p->got += (size_t)p->n) {
    TERN_CO_AWAIT(&p->co,
                  tern_stream_poll_read(&p->io, cx, p->buf + p->got,
                                        sizeof text - 1 - p->got, &p->n));
    if (p->n <= 0) {
      fail("tcp read", (int)p->n);
    }
  }
  if (memcmp(p->buf, text, sizeof text - 1) != 0) {
    fail("tcp echo", TERN_EIO);
  }
  tern_semihosting_puts("at_probe: tcp echo received over the modem\n");
  TERN_CO_AWAIT(&p->co, tern_socket_poll_close(p->s, cx, &p->err));
  /* UDP */
  p->err = tern_socket_open(net, TERN_SOCK_DGRAM, &p->s);
  if (p->err != 0) {
    fail("udp open", p->err);
  }
  TERN_CO_AWAIT(&p->co, tern_socket_poll_send_to(p->s, cx, &p->to, text,
                                                 sizeof text - 1, &p->err));
  if (p->err != 0) {
    fail("udp send", p->err);
  }
  TERN_CO_AWAIT(&p->co, tern_socket_poll_recv_from(p->s, cx, NULL, p->buf,
                                                   sizeof p->buf, &p->len));
  if (p->len != (int)(sizeof text - 1) ||
      memcmp(p->buf, text, sizeof text - 1) != 0) {
    fail("udp echo", p->len < 0 ? p->len : TERN_EIO);
  }
  tern_semihosting_puts("at_probe: udp echo received over the modem\n");
  tern_semihosting_exit(0);
  TERN_CO_END(&p->co);
}

int main(void) {
  const tern_uart_config cfg = {115200};
  tern_executor_init(&ex);
  int rc = tern_microbit_uart_init(&uart, &cfg, uart_rx, sizeof uart_rx,
                                   uart_tx, sizeof uart_tx);
  if (rc != 0) {
    fail("uart", rc);
  }
  static tern_rng rng; /* the backend keeps a pointer to it */
  rng = tern_microbit_rng();
  tern_socket_at_storage st = {socks, 2, bufs, RX, TX, &rng};
  rc = tern_socket_at_init(&modem, tern_microbit_uart_stream(&uart), &st, 2000);
  if (rc != 0) {
    fail("init", rc);
  }
  tern_task_init(&runner, runner_poll);
  tern_spawn(&ex, &runner);
  tern_task_init(&probe.task, probe_poll);
  tern_spawn(&ex, &probe.task);
  tern_semihosting_puts("at_probe: started\n");
  tern_executor_run(&ex, NULL);
  return 0;
}
