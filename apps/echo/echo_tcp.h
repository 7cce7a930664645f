/* TCP echo (RFC 862, port 7) beside the UDP one, on every build: one
 * connection served at a time (a backlog of two more, SYN cookies past
 * that), every byte read written back, the peer's FIN answered with ours
 * once everything was echoed; a peer that holds it longer than
 * TERN_ECHO_TCP_IDLE_MS without sending, or without reading what is
 * echoed, is reset so that the next one is served. */
#ifndef TERN_APPS_ECHO_TCP_H
#define TERN_APPS_ECHO_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/tcp.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Connection slots (one served, the others' handshakes held) and each
 * ring's size; boards with little RAM shrink them. Bytes are written
 * back from the receive ring itself: no copy buffer. */
#ifndef TERN_ECHO_TCP_SLOTS
#define TERN_ECHO_TCP_SLOTS 3
#endif
/* How long the served connection may wait for the peer, for its bytes
 * or for room to echo them, before it is reset and the next one served. */
#ifndef TERN_ECHO_TCP_IDLE_MS
#define TERN_ECHO_TCP_IDLE_MS 60000
#endif
#ifndef TERN_ECHO_TCP_RING
#define TERN_ECHO_TCP_RING 8192
#endif

typedef struct tern_echo_tcp {
  tern_tcp_layer tcp;
  tern_tcp_listener lst;
  tern_tcp_conn slots[TERN_ECHO_TCP_SLOTS];
  uint8_t rings[TERN_ECHO_TCP_SLOTS][2][TERN_ECHO_TCP_RING];
  struct {
    tern_task task;
  } runner;
  struct {
    tern_task task;
    tern_co co;
    tern_waiter waiter; /* in accept */
    tern_timer timer;   /* each wait's deadline (TERN_ECHO_TCP_IDLE_MS) */
    bool expired;
    tern_tcp_conn *conn;
    const uint8_t *view; /* unread bytes, in the receive ring */
    ptrdiff_t n;         /* their number */
    ptrdiff_t w;         /* of them written back */
    int err;
  } server;
  uint32_t connections; /* served to the end */
  uint32_t echoed;      /* bytes */
} tern_echo_tcp;

/* Registers TCP with the stack ip, listens on port 7 and spawns the TCP
 * runner and the server task on ex. Returns 0 or a negative tern_err. */
int tern_echo_tcp_start(tern_echo_tcp *e, tern_executor *ex, tern_ip_stack *ip);

#ifdef __cplusplus
}
#endif

#endif /* TERN_APPS_ECHO_TCP_H */
