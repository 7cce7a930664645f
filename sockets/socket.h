/* Sockets over any stack: one API for application libraries (a DNS
 * resolver, an MQTT client, an HTTP client) whatever carries their bytes:
 * tern's own TCP and UDP (//sockets/tern), the host OS's sockets
 * (//sockets/posix), a modem that runs TCP/IP itself. An application
 * library depends on //sockets and nothing else; the program that
 * composes it picks the backend and hands it a tern_net.
 *
 *   // the composition (main, or a board's setup): one backend
 *   static tern_socket_tern net;                // see tern/socket_tern.h
 *   tern_socket_tern_init(&net, &tcp, &udp, &storage);
 *   my_app_start(&app, tern_socket_tern_net(&net));
 *
 *   // the application library: only tern/socket.h
 *   tern_socket *s;
 *   int err = tern_socket_open(app->net, TERN_SOCK_STREAM, &s);
 *   err = tern_socket_connect(s, &server);
 *   TERN_CO_AWAIT(co, tern_socket_poll_connect(s, cx, &err));
 *   tern_stream io = tern_socket_stream(s);    // read, write, half-close
 *   ...
 *   TERN_CO_AWAIT(co, tern_socket_poll_close(s, cx, &err));  // s is gone
 *
 * Storage. A socket is a slot of its backend's pool, caller storage that
 * the composition sizes (how many sockets, how big each connection's
 * rings): the application holds a tern_socket pointer, never a backend
 * type, so it compiles against any backend. open and accept take a slot
 * and fail with TERN_ENOMEM when the pool has none free; poll_close (when
 * READY) and abort give it back, after which the pointer is not the
 * caller's any more. A task waiting on the socket when another task
 * closes or aborts it is woken and its poll reports the end, if it polls
 * before the slot is opened again: the pointer carries no generation, so
 * once reopened it is the new socket's. Tasks sharing a socket agree
 * who closes it last.
 *
 * Polls follow tern's model: READY with the result in the out-parameters,
 * or PENDING with cx's waker stored to be called when progress is
 * possible. One task per direction: one waker for reading (recv_from,
 * accept, the stream's read) and one for the rest (connect, send_to, the
 * stream's write, flush and close).
 *
 * Out-parameters: an endpoint or a socket a call hands back (open's and
 * accept's socket, local's and peer's endpoint) is refused with
 * TERN_EINVAL when its pointer is NULL, and the call takes nothing (a
 * connection stays for the next accept); recv_from's sender may be NULL
 * (not wanted). A poll's result (*err, *n) is where an error would be
 * said: its pointer must be valid, as the socket must (not checked: the
 * program's first call shows it, docs/design.md's rule for objects).
 *
 * Errors are negative tern_err codes, the same for the same condition on
 * every backend:
 *   TERN_EINVAL        a bad argument, or an operation the socket's kind or
 *                      state does not have (listen on a datagram socket,
 *                      send_to on a stream, connect twice)
 *   TERN_ENOMEM        the backend's storage is exhausted (no free socket,
 *                      no connection slot, no room for the backlog)
 *   TERN_ENOTSUP       an option this backend does not have
 *   TERN_EADDRINUSE    the local endpoint is taken
 *   TERN_EADDRNOTAVAIL the local address is not one of ours
 *   TERN_ECONNREFUSED  the peer refused (a reset to our SYN; an ICMP port
 *                      unreachable on a connected datagram socket)
 *   TERN_ECONNRESET    the peer reset an established connection
 *   TERN_ETIMEDOUT     the peer stopped answering (connect, data, keepalive)
 *   TERN_ECLOSED       writing after this end closed
 *   TERN_ENETUNREACH   no route
 *   TERN_EMSGSIZE      a datagram too long to send
 *
 * Addresses and endpoints are ip/addr's tern_endpoint (parse and format
 * there). A tern_socket argument must be a socket from open or accept
 * that is still open (as every tern object, it is not checked for NULL);
 * one closed and not opened again answers TERN_EINVAL. Task context
 * only: no call from an interrupt. */
#ifndef TERN_SOCKET_H
#define TERN_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/err.h"
#include "tern/poll.h"
#include "tern/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a socket carries. */
typedef enum tern_socket_type {
  TERN_SOCK_STREAM = 1, /* TCP: connect, or listen and accept */
  TERN_SOCK_DGRAM = 2,  /* UDP */
} tern_socket_type;

/* Options (tern_socket_set_option). A backend that has no way to do one
 * answers TERN_ENOTSUP; an option of the wrong kind of socket (no-delay
 * on a datagram socket, any option on a listener) is TERN_EINVAL. The
 * buffer sizes may be set on any socket but a listener, before its bind
 * or connect as after (a backend that sets them applies them when the
 * connection is made), and get the same answer either way: 0, or
 * TERN_ENOTSUP where the backend has none. No-delay and keepalive are a
 * connection's, from its connect or accept: TERN_EINVAL before. A
 * connection that has ended (reset, refused, closed) answers as a live
 * one: the option has nothing left to change. */
typedef enum tern_socket_option {
  TERN_SO_NODELAY = 1,   /* stream: 1 sends at once (no Nagle), 0 coalesces */
  TERN_SO_KEEPALIVE = 2, /* stream: 1 probes an idle peer, 0 does not */
  TERN_SO_SNDBUF = 3,    /* bytes the send side may hold (> 0) */
  TERN_SO_RCVBUF = 4,    /* bytes the receive side may hold (> 0) */
} tern_socket_option;

typedef struct tern_socket tern_socket;
typedef struct tern_net tern_net;

/* What a backend provides: one table for its nets and its sockets. Each
 * function gets the backend's own object (the tern_net or tern_socket it
 * embeds first). See the wrappers below for what each must do. */
typedef struct tern_socket_ops {
  int (*open)(tern_net *net, tern_socket_type type, tern_socket **out);
  int (*bind)(tern_socket *s, const tern_endpoint *local);
  int (*listen)(tern_socket *s, unsigned backlog);
  tern_poll (*poll_accept)(tern_socket *s, tern_cx *cx, tern_socket **out,
                           int *err);
  int (*connect)(tern_socket *s, const tern_endpoint *remote);
  tern_poll (*poll_connect)(tern_socket *s, tern_cx *cx, int *err);
  tern_poll (*poll_send_to)(tern_socket *s, tern_cx *cx,
                            const tern_endpoint *dst, const void *data,
                            size_t len, int *err);
  tern_poll (*poll_recv_from)(tern_socket *s, tern_cx *cx, tern_endpoint *src,
                              void *buf, size_t cap, int *n);
  int (*endpoint)(tern_socket *s, bool peer, tern_endpoint *out);
  int (*set_option)(tern_socket *s, tern_socket_option opt, int32_t value);
  tern_poll (*poll_close)(tern_socket *s, tern_cx *cx, int *err);
  void (*abort)(tern_socket *s);
  /* A connected stream socket's tern_stream; its self is the
   * tern_socket. */
  tern_stream_ops stream;
} tern_socket_ops;

/* A backend instance, what an application is given. A backend embeds it
 * as the first member of its own object. */
struct tern_net {
  const tern_socket_ops *ops;
};

/* A socket: the first member of a backend's socket slot. */
struct tern_socket {
  const tern_socket_ops *ops;
};

/* Opens a socket of the given type on net: *out points at a free slot of
 * the backend's pool. Returns 0, TERN_EINVAL (NULL arguments, an unknown
 * type, a type the backend has no storage for) or TERN_ENOMEM (no free
 * slot). */
static inline int tern_socket_open(tern_net *net, tern_socket_type type,
                                   tern_socket **out) {
  if (net == NULL || out == NULL) {
    return TERN_EINVAL;
  }
  return net->ops->open(net, type, out);
}

/* Binds the socket to local: port 0 picks an ephemeral port; an
 * unspecified address (or family TERN_IP_NONE) takes every local address.
 * A stream socket binds before listen; a datagram socket that sends or
 * connects unbound is bound to an ephemeral port first. Returns 0,
 * TERN_EINVAL (already bound, not a fresh socket, local NULL for a
 * stream, a family that is none of tern_ip_family's),
 * TERN_EADDRINUSE, TERN_EADDRNOTAVAIL, TERN_EAFNOSUPPORT (IPv6 in an
 * IPv4-only build), or
 * TERN_ENOTSUP where the backend cannot (tern: a stream socket binds only
 * to listen, and to a port; connect after bind is TERN_ENOTSUP there). */
static inline int tern_socket_bind(tern_socket *s, const tern_endpoint *local) {
  return s->ops->bind(s, local);
}

/* Makes a bound stream socket a listener with room for backlog
 * connections that completed their handshake and wait for accept
 * (1..255; on tern's TCP the backlog slots are the connections
 * themselves: an accepted connection keeps its slot until it is closed,
 * so backlog also bounds how many it has open at once). Returns 0,
 * TERN_EINVAL (not a bound stream socket, backlog 0 or above 255),
 * TERN_ENOMEM (no storage for the backlog) or TERN_EADDRINUSE. */
static inline int tern_socket_listen(tern_socket *s, unsigned backlog) {
  return s->ops->listen(s, backlog);
}

/* Waits for a connection on a listener: READY with *err 0 and *out the
 * connected socket (a slot of the same pool), or *err TERN_ENOMEM (no
 * free socket: the connection stays in the backlog, accept again after
 * closing one), TERN_EINVAL (not a listener, out NULL), another error. */
static inline tern_poll tern_socket_poll_accept(tern_socket *s, tern_cx *cx,
                                                tern_socket **out, int *err) {
  return s->ops->poll_accept(s, cx, out, err);
}

/* Stream: starts connecting to remote (poll_connect waits for the
 * answer). Datagram: fixes the peer (only its datagrams are received,
 * send_to may omit the destination, an ICMP unreachable from it comes
 * back as TERN_ECONNREFUSED once). Returns 0, TERN_EINVAL (port 0, an
 * unspecified address or none (family TERN_IP_NONE), already connected,
 * a listener), TERN_ENETUNREACH or TERN_ENOMEM (no connection slot). */
static inline int tern_socket_connect(tern_socket *s,
                                      const tern_endpoint *remote) {
  return s->ops->connect(s, remote);
}

/* Waits until a connect completes: READY with *err 0, TERN_ECONNREFUSED,
 * TERN_ETIMEDOUT, TERN_ENETUNREACH, TERN_EINVAL (never connected). A
 * datagram socket is READY at once. */
static inline tern_poll tern_socket_poll_connect(tern_socket *s, tern_cx *cx,
                                                 int *err) {
  return s->ops->poll_connect(s, cx, err);
}

/* Datagram: sends len bytes to dst (NULL: the connected peer). READY with
 * *err 0 (handed to the stack), TERN_ENOTCONN (dst NULL, not connected),
 * TERN_EMSGSIZE, TERN_ENETUNREACH, a pending ICMP error
 * (TERN_ECONNREFUSED, TERN_EHOSTUNREACH, ...: README.md), or
 * TERN_EINVAL (a stream socket, data NULL with len > 0, a destination
 * that tern_endpoint_remote_check refuses). A send refused for its
 * arguments leaves an unbound socket unbound. PENDING while the stack has no
 * room: poll again with the same arguments. */
static inline tern_poll tern_socket_poll_send_to(tern_socket *s, tern_cx *cx,
                                                 const tern_endpoint *dst,
                                                 const void *data, size_t len,
                                                 int *err) {
  return s->ops->poll_send_to(s, cx, dst, data, len, err);
}

/* Datagram: receives the oldest datagram, up to cap bytes of it into buf,
 * its sender into *src (may be NULL). READY with *n its full length (more
 * than cap: the rest was cut off), or a negative tern_err (a pending
 * ICMP error such as TERN_ECONNREFUSED; TERN_EINVAL for a stream socket, a
 * datagram socket never bound, connected or sent from, or buf NULL with cap
 * above 0, which takes nothing). */
static inline tern_poll tern_socket_poll_recv_from(tern_socket *s, tern_cx *cx,
                                                   tern_endpoint *src,
                                                   void *buf, size_t cap,
                                                   int *n) {
  return s->ops->poll_recv_from(s, cx, src, buf, cap, n);
}

/* The socket's local endpoint (port 0 before it has one). A connect the
 * stream's close abandoned leaves the socket the endpoint it had (tern,
 * posix: the connection's address and port, or what the application
 * bound). Returns 0 or TERN_EINVAL (out NULL). */
static inline int tern_socket_local(tern_socket *s, tern_endpoint *out) {
  return s->ops->endpoint(s, false, out);
}

/* The connected peer's endpoint. Returns 0, TERN_ENOTCONN, or TERN_EINVAL
 * (out NULL). */
static inline int tern_socket_peer(tern_socket *s, tern_endpoint *out) {
  return s->ops->endpoint(s, true, out);
}

/* Sets an option (tern_socket_option). Returns 0, TERN_ENOTSUP (the
 * backend cannot), TERN_EINVAL (the wrong kind of socket, a bad value). */
static inline int tern_socket_set_option(tern_socket *s, tern_socket_option opt,
                                         int32_t value) {
  return s->ops->set_option(s, opt, value);
}

/* A connected stream socket as a tern_stream (tern/stream.h): read (0 at
 * the peer's end of stream), write, flush, and close, which is a
 * half-close: the peer reads the end of stream, this end goes on reading.
 * A close while the connect is still going on ends it cleanly, READY
 * with 0: at once where nobody answered yet (tern, posix: the connect
 * then says TERN_ECLOSED, as do reads and writes) or once the connect
 * completed (the modem). Errors: TERN_ECONNRESET, TERN_ETIMEDOUT,
 * TERN_ECLOSED (writing after close), TERN_EINVAL (not a connected stream
 * socket). */
static inline tern_stream tern_socket_stream(tern_socket *s) {
  tern_stream st = {&s->ops->stream, s};
  return st;
}

/* Closes the socket and gives its slot back. A connection is closed
 * gracefully (as the stream's close: the peer gets every byte written,
 * then the end of stream) and READY comes once the peer acknowledged it,
 * or it failed: *err 0 or the error that ended the connection; either
 * way the socket is gone. Listeners and datagram sockets close at once. */
static inline tern_poll tern_socket_poll_close(tern_socket *s, tern_cx *cx,
                                               int *err) {
  return s->ops->poll_close(s, cx, err);
}

/* Closes the socket at once and gives its slot back: a connection is
 * reset (the peer reads TERN_ECONNRESET) and unsent data dropped. */
static inline void tern_socket_abort(tern_socket *s) {
  s->ops->abort(s);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_SOCKET_H */
