/* The tern backend of the socket API (tern/socket.h): sockets over
 * tern's TCP (transport/tcp) and UDP (transport/udp).
 *
 *   static tern_socket_tern_sock socks[6];        // every open socket
 *   static tern_tcp_conn conns[4];                // every TCP connection,
 *                                                 // backlog slots included
 *   static uint8_t tcp_bufs[4 * (2048 + 2048)];   // their rings
 *   static uint8_t udp_bufs[6 * 1024];            // a ring per socket
 *   static tern_socket_tern net;
 *   tern_socket_tern_storage st = {
 *       socks, 6, conns, 4, tcp_bufs, 2048, 2048, udp_bufs, 1024};
 *   tern_socket_tern_init(&net, &tcp, &udp, &st);
 *   tern_net *n = tern_socket_tern_net(&net);     // for the application
 *
 * The stack's runners (tern_ip_stack_poll_run, tern_tcp_poll_run) run as
 * tasks of the composition, as they do without sockets.
 *
 * Storage: a socket takes one tern_socket_tern_sock; a connecting socket
 * one of the connections, a listener a run of `backlog` neighbouring
 * connections (tern's listener takes an array), which it keeps until it
 * closes; an accepted connection is one of them. A connection comes back
 * to the pool when its socket closed and it reached CLOSED (TIME-WAIT
 * holds it for 2 MSL). A datagram socket's ring is its slot's share of
 * udp_bufs (udp_ring bytes; 0: no datagram sockets). What does not fit is
 * TERN_ENOMEM.
 *
 * Options: TERN_SO_NODELAY and TERN_SO_KEEPALIVE; buffer sizes are the
 * rings the composition chose (TERN_ENOTSUP). A stream socket cannot bind
 * before connecting (TERN_ENOTSUP: TCP picks the route's address and an
 * RFC 6056 port). */
#ifndef TERN_SOCKET_TERN_H
#define TERN_SOCKET_TERN_H

#include <stddef.h>
#include <stdint.h>

#include "tern/socket.h"
#include "tern/tcp.h"
#include "tern/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most connections one backend manages (a word of bits each). */
#define TERN_SOCKET_TERN_MAX_CONNS 32u

struct tern_socket_tern;

/* One socket slot. Fields are the backend's. */
typedef struct tern_socket_tern_sock {
  tern_socket base; /* first: the API's handle */
  struct tern_socket_tern *net;
  uint8_t kind;  /* free, stream, listener, connection, datagram */
  uint8_t conn;  /* a connection's index in conns */
  uint8_t first; /* a listener's first connection */
  uint8_t count; /* and how many */
  union {
    tern_endpoint local; /* a bound stream socket's, before listen */
    struct {
      tern_tcp_listener lst;
      tern_waiter lst_waiter; /* the task in accept (one, as a socket's
                                 reads have one) */
    };
    tern_udp_sock udp;
  } u;
} tern_socket_tern_sock;

/* What the composition gives the backend (all caller storage, kept until
 * the program ends). */
typedef struct tern_socket_tern_storage {
  tern_socket_tern_sock *socks;
  uint16_t nsocks;
  tern_tcp_conn *conns; /* 0..TERN_SOCKET_TERN_MAX_CONNS */
  uint16_t nconns;
  uint8_t *tcp_bufs; /* nconns * (tcp_tx + tcp_rx) bytes */
  uint32_t tcp_tx;   /* each connection's send ring */
  uint32_t tcp_rx;   /* each connection's receive ring */
  uint8_t *udp_bufs; /* nsocks * udp_ring bytes (NULL if udp_ring is 0) */
  uint32_t udp_ring; /* each datagram socket's ring */
} tern_socket_tern_storage;

/* The backend. Caller storage; fields are the backend's. */
typedef struct tern_socket_tern {
  tern_net base; /* first: what the application is given */
  tern_tcp_layer *tcp;
  tern_udp_layer *udp;
  tern_socket_tern_storage st;
  uint32_t conn_app; /* connections a socket holds */
  uint32_t conn_lst; /* connections a live listener holds */
} tern_socket_tern;

/* Sets up the backend over tcp and udp (either may be NULL: no sockets of
 * that type, TERN_EINVAL from open). Returns 0 or TERN_EINVAL (NULL net
 * or st, nsocks 0, more than TERN_SOCKET_TERN_MAX_CONNS connections,
 * rings that tern_tcp_conn_init refuses, missing buffers). */
int tern_socket_tern_init(tern_socket_tern *net, tern_tcp_layer *tcp,
                          tern_udp_layer *udp,
                          const tern_socket_tern_storage *st);

/* What the application is given. */
static inline tern_net *tern_socket_tern_net(tern_socket_tern *net) {
  return &net->base;
}

/* The backend's table, for measuring the API against the backend called
 * directly. */
extern const tern_socket_ops tern_socket_tern_ops;

#ifdef __cplusplus
}
#endif

#endif /* TERN_SOCKET_TERN_H */
