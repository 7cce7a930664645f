/* A bulk TCP source for throughput tests: sends a given number of bytes
 * of a deterministic pattern (tern_bulk_pattern) on one connection, then
 * closes it, and reports the bytes sent and the time taken. Either it
 * connects to a host:port (tern_bulk_connect) or it listens and sends to
 * each connection it accepts, one at a time (tern_bulk_listen).
 *
 *   static tern_bulk b;
 *   tern_bulk_connect(&b, &ex, &tcp, &remote, 1 << 20);
 *   ... b.done, b.sent, b.err, b.end - b.start (ms) ...
 *
 * Bytes the peer sends are never read: its window closes once the small
 * receive ring is full; its FIN is still taken. */
#ifndef TERN_APPS_BULK_H
#define TERN_APPS_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/tcp.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How long one wait for room in the send ring may last (a peer that
 * never reads) before the connection is reset and ends with
 * TERN_ETIMEDOUT. */
#ifndef TERN_BULK_IDLE_MS
#define TERN_BULK_IDLE_MS 60000
#endif
#ifndef TERN_BULK_TX_RING
#define TERN_BULK_TX_RING 16384
#endif
#ifndef TERN_BULK_RX_RING
#define TERN_BULK_RX_RING 64
#endif

/* Byte i of the stream: (7 i + floor(i / 256)) mod 256, the same for any
 * language that checks it. */
static inline uint8_t tern_bulk_pattern(uint64_t i) {
  return (uint8_t)(i * 7u + (i >> 8));
}

typedef struct tern_bulk {
  tern_tcp_conn conn;
  tern_tcp_listener lst;
  tern_waiter accept_waiter; /* the task's, in accept */
  bool listening;
  uint8_t tx[TERN_BULK_TX_RING];
  uint8_t rx[TERN_BULK_RX_RING];
  uint64_t total;  /* to send on each connection */
  uint64_t sent;   /* on the current (or last) connection */
  tern_time start; /* connection established, ms */
  tern_time end;   /* our FIN acknowledged, or the error */
  int err;         /* 0, or the error that ended the last connection */
  uint32_t runs;   /* connections finished, with or without error */
  bool done;       /* a connection finished (connect mode: the only one) */
  /* Called when a connection finishes (may be NULL). */
  void (*on_done)(struct tern_bulk *b);
  struct {
    tern_task task;
    tern_co co;
    tern_tcp_conn *c;
    tern_timer timer; /* each wait's deadline (TERN_BULK_IDLE_MS) */
    bool expired;
    uint8_t *room; /* the send ring's free run */
    ptrdiff_t n;   /* its length, or the error */
    size_t len;    /* of it filled and committed */
  } w;
} tern_bulk;

/* Connects to remote and sends total bytes, then closes. b may be any
 * storage: it is cleared first (set on_done after). Returns 0 or a
 * negative tern_err (the connection's own errors land in b->err). */
int tern_bulk_connect(tern_bulk *b, tern_executor *ex, tern_tcp_layer *tcp,
                      const tern_endpoint *remote, uint64_t total);

/* Listens on local (port required) and sends total bytes to each
 * connection accepted, then closes it. One slot: a connection is taken
 * once the last one is CLOSED (its TIME-WAIT over). */
int tern_bulk_listen(tern_bulk *b, tern_executor *ex, tern_tcp_layer *tcp,
                     const tern_endpoint *local, uint64_t total);

#ifdef __cplusplus
}
#endif

#endif /* TERN_APPS_BULK_H */
