/* The http_get program over an ESP-AT modem (//sockets/at_modem:backend):
 * the modem's UART is a serial device or a pty (//platforms/host/modem_sim
 * prints one) named by --uart PATH. One socket with a 32 KiB receive ring:
 * the modem pushes data with no flow control, and the runner takes at most
 * 64 UART reads of 256 bytes (16 KiB) before the application reads again,
 * so the ring holds a runner's turn with room to spare. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/http_get/host_net.h"
#include "tern/host_fd_stream.h"
#include "tern/host_rng.h"
#include "tern/socket_at.h"

const char *const http_host_net_usage = "--uart PATH";

#define RX_RING 32768
#define TX_BUF 512

static const char *uart_path;
static tern_host_fd_stream uart;
static tern_socket_at modem;
static tern_socket_at_sock socks[1];
static uint8_t bufs[RX_RING + TX_BUF];
static tern_task runner;

int http_host_net_option(const char *name, const char *value) {
  if (strcmp(name, "--uart") != 0) {
    return 0;
  }
  uart_path = value;
  return 1;
}

/* The backend's runner owns the UART for as long as the program runs; it
 * is READY only when the UART ended, which fails every socket. */
static tern_poll run_modem(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_socket_at_poll_run(&modem, cx);
}

tern_net *http_host_net_open(tern_executor *ex, const char *prog) {
  if (uart_path == NULL) {
    fprintf(stderr, "%s: --uart is required\n", prog);
    exit(2);
  }
  int fd = open(uart_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    perror(uart_path);
    exit(1);
  }
  int rc = tern_host_fd_stream_open(&uart, fd, fd);
  static tern_rng rng; /* the backend keeps a pointer to it */
  rng = tern_host_rng();
  const tern_socket_at_storage st = {socks, 1, bufs, RX_RING, TX_BUF, &rng};
  if (rc == 0) {
    rc = tern_socket_at_init(&modem, tern_host_fd_stream_get(&uart), &st, 0);
  }
  if (rc == 0) {
    tern_task_init(&runner, run_modem);
    rc = tern_spawn(ex, &runner);
  }
  if (rc != 0) {
    fprintf(stderr, "%s: modem on %s: %s\n", prog, uart_path,
            tern_strerror(rc));
    exit(1);
  }
  return tern_socket_at_net(&modem);
}
