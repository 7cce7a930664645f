/* The discard service on Linux over a TAP device:
 *   discard --tap NAME --addr A.B.C.D/P [--pcap FILE]
 * Prints one line when it is listening, and one per TCP connection that
 * ends ("discard: tcp N bytes" or "discard: tcp error after N bytes")
 * and per UDP datagram ("discard: udp N bytes, ..."). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "apps/discard/discard.h"
#include "apps/discard/host_stack.h"

static tern_executor ex;
static tern_host_stack stack;
static tern_discard discard;

static void on_datagram(tern_discard *d, int len) {
  printf("discard: udp %d bytes, %" PRIu32 " datagrams, %" PRIu64
         " bytes in all\n",
         len, d->stats.udp_datagrams, d->stats.udp_bytes);
  fflush(stdout);
}

static void on_conn_end(tern_discard *d, int ok) {
  printf("discard: tcp %s%" PRIu64 " bytes\n", ok ? "" : "error after ",
         d->stats.last_conn_bytes);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *tap = NULL, *addr = NULL, *pcap_path = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--tap") == 0) {
      tap = argv[i + 1];
    } else if (strcmp(argv[i], "--addr") == 0) {
      addr = argv[i + 1];
    } else if (strcmp(argv[i], "--pcap") == 0) {
      pcap_path = argv[i + 1];
    } else {
      tap = NULL;
      break;
    }
  }
  if (tap == NULL || addr == NULL || argc % 2 == 0) {
    fprintf(stderr, "usage: %s --tap NAME --addr A/P [--pcap FILE]\n", argv[0]);
    return 2;
  }
  tern_executor_init(&ex);
  tern_host_stack_open(&stack, &ex, "discard", tap, addr, pcap_path);
  int rc = tern_discard_start(&discard, &ex, &stack.tcp, &stack.udp);
  if (rc != 0) {
    fprintf(stderr, "discard: start: %s\n", tern_strerror(rc));
    return 1;
  }
  discard.on_conn_end = on_conn_end;
  discard.on_datagram = on_datagram;
  tern_host_stack_exit_on_signals();
  printf("discard: listening on %s port %d/tcp and udp (%s)\n", addr,
         TERN_DISCARD_PORT, tap);
  fflush(stdout);
  tern_executor_run(&ex, NULL);
  return 0;
}
