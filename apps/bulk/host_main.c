/* The bulk source on Linux over a TAP device:
 *   bulk --tap NAME --addr A.B.C.D/P --bytes N
 *        (--connect H.I.J.K:PORT | --listen PORT) [--pcap FILE]
 * sends N bytes of tern_bulk_pattern on a connection, then closes it, and
 * prints "bulk: sent N bytes in T ms" (or "bulk: error ... after N
 * bytes"), then the TCP layer's loss counters. --connect exits after its
 * one connection (status 0 only if every byte went and the close
 * completed); --listen serves every connection, one at a time, until a
 * signal. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/bulk/bulk.h"
#include "apps/discard/host_stack.h"
#include "tern/host_args.h"

static tern_executor ex;
static tern_host_stack stack;
static tern_bulk bulk;

static void on_done(tern_bulk *b) {
  if (b->err == 0) {
    printf("bulk: sent %" PRIu64 " bytes in %" PRIu32 " ms\n", b->sent,
           (uint32_t)(b->end - b->start));
  } else {
    printf("bulk: error %s after %" PRIu64 " bytes\n", tern_strerror(b->err),
           b->sent);
  }
  /* The layer's loss counters so far (every connection of this run). */
  const tern_tcp_stats *st = &stack.tcp.stats;
  printf("bulk: tcp retransmits %" PRIu32 ", fast retransmits %" PRIu32
         ", timeouts %" PRIu32 ", segments refused %" PRIu32 "\n",
         st->retransmits, st->fast_retransmits, st->timeouts, st->rx_dropped);
  fflush(stdout);
}

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s --tap NAME --addr A/P --bytes N (--connect H:PORT | "
          "--listen PORT) [--pcap FILE]\n",
          argv0);
  exit(2);
}

int main(int argc, char **argv) {
  const char *tap = NULL, *addr = NULL, *pcap_path = NULL, *to = NULL;
  const char *bytes_s = NULL, *listen_s = NULL;
  if (argc % 2 == 0) {
    usage(argv[0]);
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *v = argv[i + 1];
    if (strcmp(argv[i], "--tap") == 0) {
      tap = v;
    } else if (strcmp(argv[i], "--addr") == 0) {
      addr = v;
    } else if (strcmp(argv[i], "--pcap") == 0) {
      pcap_path = v;
    } else if (strcmp(argv[i], "--bytes") == 0) {
      bytes_s = v;
    } else if (strcmp(argv[i], "--connect") == 0) {
      to = v;
    } else if (strcmp(argv[i], "--listen") == 0) {
      listen_s = v;
    } else {
      usage(argv[0]);
    }
  }
  if (tap == NULL || addr == NULL || bytes_s == NULL ||
      (to == NULL) == (listen_s == NULL)) {
    usage(argv[0]);
  }
  uint64_t bytes, port = 0;
  if (!tern_host_arg_number(bytes_s, 0, INT64_MAX, &bytes)) {
    fprintf(stderr, "bulk: bad --bytes %s (want a number of bytes)\n", bytes_s);
    return 2;
  }
  if (listen_s != NULL && !tern_host_arg_number(listen_s, 1, 65535, &port)) {
    fprintf(stderr, "bulk: bad --listen %s (want a port, 1..65535)\n",
            listen_s);
    return 2;
  }
  tern_endpoint ep = {0};
  if (to != NULL) {
    const char *colon = strchr(to, ':');
    uint64_t p = 0;
    ep.addr.family = TERN_IP_V4;
    if (colon == NULL || !tern_host_arg_number(colon + 1, 1, 65535, &p) ||
        tern_ipv4_parse(&ep.addr.u.v4, to, (size_t)(colon - to)) != 0) {
      fprintf(stderr, "bulk: bad --connect %s (want A.B.C.D:PORT)\n", to);
      return 2;
    }
    ep.port = (uint16_t)p;
  } else {
    ep.port = (uint16_t)port;
  }
  tern_executor_init(&ex);
  tern_host_stack_open(&stack, &ex, "bulk", tap, addr, pcap_path);
  int rc = to != NULL ? tern_bulk_connect(&bulk, &ex, &stack.tcp, &ep, bytes)
                      : tern_bulk_listen(&bulk, &ex, &stack.tcp, &ep, bytes);
  if (rc != 0) {
    fprintf(stderr, "bulk: start: %s\n", tern_strerror(rc));
    return 1;
  }
  bulk.on_done = on_done;
  tern_host_stack_exit_on_signals();
  if (to != NULL) {
    printf("bulk: connecting to %s, %" PRIu64 " bytes (%s)\n", to, bytes, tap);
  } else {
    printf("bulk: listening on port %" PRIu64 ", %" PRIu64 " bytes (%s)\n",
           port, bytes, tap);
  }
  fflush(stdout);
  if (to != NULL) {
    tern_executor_run(&ex, &bulk.w.task);
    return bulk.err == 0 && bulk.sent == bytes ? 0 : 1;
  }
  tern_executor_run(&ex, NULL);
  return 0;
}
