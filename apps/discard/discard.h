/* The discard service (RFC 863, port 9) over TCP and UDP: every byte
 * received is dropped, and counted (TCP's where they lie in the receive
 * ring: no buffer of the application's). One TCP connection is served
 * at a time (the listener's other slots hold the next ones' handshakes),
 * and reset when it sends nothing for TERN_DISCARD_TCP_IDLE_MS;
 * UDP datagrams are counted whole, whatever their length.
 *
 *   static tern_discard d;
 *   tern_discard_start(&d, &ex, &tcp, &udp);   // either layer may be NULL
 *
 * Boards with little RAM shrink the rings with the macros below. */
#ifndef TERN_APPS_DISCARD_H
#define TERN_APPS_DISCARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/tcp.h"
#include "tern/timer.h"
#include "tern/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_DISCARD_PORT 9

#ifndef TERN_DISCARD_TCP_SLOTS
#define TERN_DISCARD_TCP_SLOTS 2
#endif
/* How long the served connection may send nothing before it is reset
 * (tcp_errors) and the next one served. */
#ifndef TERN_DISCARD_TCP_IDLE_MS
#define TERN_DISCARD_TCP_IDLE_MS 60000
#endif
#ifndef TERN_DISCARD_TCP_RING
#define TERN_DISCARD_TCP_RING 8192 /* each connection's receive ring */
#endif
#ifndef TERN_DISCARD_UDP_RING
#define TERN_DISCARD_UDP_RING 2048
#endif
/* Nothing is ever sent: the send ring only has to exist. */
#define TERN_DISCARD_TCP_TX 1

typedef struct tern_discard_stats {
  uint64_t tcp_bytes;       /* read and dropped, every connection */
  uint64_t last_conn_bytes; /* of the last connection that ended */
  uint32_t tcp_conns;       /* connections that ended with the peer's FIN */
  uint32_t tcp_errors;      /* connections that ended otherwise */
  uint64_t udp_bytes;       /* payload bytes of every datagram */
  uint32_t udp_datagrams;
} tern_discard_stats;

typedef struct tern_discard {
  tern_tcp_listener lst;
  tern_tcp_conn slots[TERN_DISCARD_TCP_SLOTS];
  uint8_t rx[TERN_DISCARD_TCP_SLOTS][TERN_DISCARD_TCP_RING];
  uint8_t tx[TERN_DISCARD_TCP_SLOTS][TERN_DISCARD_TCP_TX];
  struct {
    tern_task task;
    tern_co co;
    tern_waiter waiter; /* in accept */
    tern_timer timer;   /* each wait's deadline (TERN_DISCARD_TCP_IDLE_MS) */
    bool expired;
    tern_tcp_conn *conn;
    uint64_t bytes;      /* of this connection */
    const uint8_t *view; /* the unread bytes, in the receive ring */
    ptrdiff_t n;
    int err;
  } tcp;
  struct {
    tern_task task;
    tern_co co;
    tern_udp_sock sock;
    int n;
    uint8_t ring[TERN_DISCARD_UDP_RING];
    uint8_t buf[64]; /* the datagram's head; its length counts whole */
  } udp;
  tern_discard_stats stats;
  /* Called when a TCP connection ends (may be NULL): ok is 1 after the
   * peer's FIN, 0 after an error. */
  void (*on_conn_end)(struct tern_discard *d, int ok);
  /* Called for each UDP datagram, with its length (may be NULL). */
  void (*on_datagram)(struct tern_discard *d, int len);
} tern_discard;

/* Listens on TCP port 9 of tcp and binds UDP port 9 of udp (either may be
 * NULL, not both) and spawns the server tasks on ex. d may be any
 * storage: it is cleared first (set the callbacks after). Returns 0 or a
 * negative tern_err. */
int tern_discard_start(tern_discard *d, tern_executor *ex, tern_tcp_layer *tcp,
                       tern_udp_layer *udp);

#ifdef __cplusplus
}
#endif

#endif /* TERN_APPS_DISCARD_H */
