/* The posix backend of the socket API (tern/socket.h): sockets over the
 * host OS's non-blocking BSD sockets, each registered with the host
 * port's epoll (tern/host_port.h), so that an application library runs
 * on Linux with no tern stack at all.
 *
 *   static tern_socket_posix_sock socks[8];
 *   static tern_socket_posix net;
 *   tern_socket_posix_init(&net, socks, 8);
 *   my_app_start(&app, tern_socket_posix_net(&net));
 *   ... run the executor on //platforms/host:port ...
 *
 * Storage: a socket takes one tern_socket_posix_sock (no more than
 * nsocks at once: TERN_ENOMEM), and one descriptor from the process
 * while open. The kernel holds the buffers.
 *
 * What differs from tern's backend, as the OS does it:
 *  - poll_close is READY once the kernel has the close (close(2) goes on
 *    delivering and retransmitting in the background), not once the peer
 *    acknowledged the FIN. So are the stream's flush and close once the
 *    kernel has every byte written (Linux signals no readiness when the
 *    peer acknowledged them; see ../README.md).
 *  - A descriptor is made when the family is known: at bind, connect or
 *    the first send_to; an endpoint of family TERN_IP_NONE means IPv4.
 *  - Listen's backlog is listen(2)'s: connections that wait for accept;
 *    accepted ones do not count.
 *  - Every option is supported (setsockopt: TCP_NODELAY, SO_KEEPALIVE,
 *    SO_SNDBUF, SO_RCVBUF). A buffer size set before the descriptor
 *    exists (a fresh stream socket, a datagram socket before its bind)
 *    waits in the slot and is applied when the descriptor is made.
 *  - An IPv6 socket takes IPv6 only (IPV6_V6ONLY), as tern's does: one
 *    bound to :: hears no IPv4. An IPv6 scope (interface index) above
 *    255 does not fit tern_endpoint: a datagram or a connection from
 *    there is dropped (reset), a local endpoint there is TERN_ERANGE.
 *  - Stream sockets set SO_REUSEADDR, so a listener can bind its port
 *    while old connections are in TIME-WAIT (tern's listener can too);
 *    two listeners on one port are still TERN_EADDRINUSE.
 *  - The stream's close of a connect nobody answered yet gives it up
 *    quietly, as tern's TCP does; the socket keeps the local endpoint it
 *    had, and one the application bound keeps its port until it is
 *    closed (a descriptor the connect made goes back at once). */
#ifndef TERN_SOCKET_POSIX_H
#define TERN_SOCKET_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "tern/host_port.h"
#include "tern/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tern_socket_posix;

/* One socket slot. Fields are the backend's. */
typedef struct tern_socket_posix_sock {
  tern_socket base; /* first: the API's handle */
  struct tern_socket_posix *net;
  int fd;              /* -1: none yet */
  int err;             /* the error that ended a connection (sticky) */
  int32_t sndbuf;      /* SO_SNDBUF / SO_RCVBUF set before the descriptor */
  int32_t rcvbuf;      /* was made, applied when it is (0: none) */
  tern_endpoint peer;  /* a connection's peer (the kernel forgets it at a
                          reset), a datagram socket's fixed peer */
  tern_endpoint local; /* a connect the stream's close abandoned: the
                          local endpoint it had (the kernel forgets it) */
  uint8_t kind;        /* free, stream, listener, connection, datagram */
  uint8_t connecting;  /* a stream connect in progress */
  uint8_t wr_closed;   /* half-closed by this end */
  uint8_t udp_peer;    /* a datagram socket's peer is fixed */
  uint8_t bound;       /* the application bound it (the descriptor is its) */
  uint8_t abandoned;   /* the stream's close gave up its connect */
  tern_host_fd reg;    /* the registration with the host port */
} tern_socket_posix_sock;

/* The backend. Caller storage; fields are the backend's. */
typedef struct tern_socket_posix {
  tern_net base; /* first: what the application is given */
  tern_socket_posix_sock *socks;
  uint16_t nsocks;
} tern_socket_posix;

/* Sets up the backend with socks[0..nsocks) as its pool. Returns 0 or
 * TERN_EINVAL (NULL arguments, nsocks 0). */
int tern_socket_posix_init(tern_socket_posix *net,
                           tern_socket_posix_sock *socks, uint16_t nsocks);

/* What the application is given. */
static inline tern_net *tern_socket_posix_net(tern_socket_posix *net) {
  return &net->base;
}

/* The backend's table. */
extern const tern_socket_ops tern_socket_posix_ops;

/* The tern_err for an errno value from a socket call (TERN_EIO for one
 * with no better match). */
int tern_socket_posix_err(int os_errno);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SOCKET_POSIX_H */
