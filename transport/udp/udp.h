/* UDP sockets over the IP layer (RFC 768, RFC 1122 4.1), for IPv4 now and
 * IPv6 when that layer lands: the same code serves both, through the IP
 * core's family-neutral registration, routing and output (tern/ip.h).
 *
 *   static tern_udp_layer udp;
 *   static tern_udp_sock echo;
 *   static uint8_t ring[2048];
 *   tern_udp_init(&udp, &ip);                    // registers protocol 17
 *   tern_endpoint local = {.port = 7};           // any address, any family
 *   tern_udp_bind(&udp, &echo, &local, ring, sizeof ring);
 *   ... in a task:
 *   TERN_CO_AWAIT(co, tern_udp_poll_recv_from(&echo, cx, &from, buf,
 *                                             sizeof buf, &n));
 *   TERN_CO_AWAIT(co, tern_udp_poll_send_to(&echo, cx, &from, buf, n, &err));
 *
 * Binding: a local endpoint whose family is TERN_IP_NONE takes datagrams of
 * every family; an unspecified address (0.0.0.0, ::) every address of its
 * family; a specific address only datagrams to it (and datagrams are sent
 * from it); a scope (interface id) only datagrams that came in there. Two
 * sockets may share a port only if what they take cannot overlap (there is
 * no SO_REUSEADDR), so a datagram has at most one socket that takes it.
 * On an interface with no IPv4
 * address yet, unicast datagrams (TERN_IP_RX_UNCONFIGURED) reach only a
 * socket bound to that interface's scope: a DHCP client's.
 *
 * Connecting (tern_udp_connect) fixes the peer: only its datagrams are
 * received, send_to may omit the destination, and every ICMP error
 * about a datagram to the peer is reported once, by the next receive or
 * send, with the meaning the IP layer gives it (tern_ip_error.err:
 * TERN_ECONNREFUSED for port unreachable, TERN_EPROTO, TERN_EMSGSIZE,
 * TERN_ENETUNREACH, TERN_EHOSTUNREACH; RFC 1122 4.1.3.3). An unconnected
 * socket ignores ICMP errors, as on Linux and the BSDs.
 *
 * Receiving: each socket owns a caller-provided ring, a queue of records
 * (how the datagram came, its source and destination, its header and
 * payload: TERN_UDP_RECORD_HDR4 bytes plus the payload for IPv4). A
 * datagram is stored whole or not at all: one that does not fit the free
 * space is dropped and counted on the socket (rx_dropped). Datagrams to a
 * port nobody bound (port 0 included, which nobody can bind) get an ICMP
 * port unreachable from the IP layer, as Linux answers them.
 *
 * Sending: the payload is copied once, from the caller's buffer into a
 * packet from the stack's pool, then summed with the header for the
 * checksum. An empty pool, or a full transmit queue on the outgoing
 * interface, makes send_to wait (backpressure); nothing is dropped.
 * Checksums are always generated; received ones are verified.
 *
 * One task per direction per socket: one may wait in recv_from while
 * another waits in send_to. Task context only. */
#ifndef TERN_UDP_H
#define TERN_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/ip.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/udp_wire.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes each stored datagram takes in a ring besides its payload: four
 * bytes of how it came, its source and destination addresses, and the
 * UDP header. */
#define TERN_UDP_RECORD_HDR4 20u /* from IPv4 */
#define TERN_UDP_RECORD_HDR6 44u /* from IPv6 */

/* Counters of the layer; they wrap at 2^32. What the stack counts already
 * (datagrams delivered, packets sent) and what the application sees (each
 * datagram received, each send's result) is not counted again. */
typedef struct tern_udp_stats {
  /* Datagrams dropped as malformed, by -tern_udp_drop: [1] truncated,
   * [2] length field, [3] checksum, [4] no checksum over IPv6 ([0] stays
   * 0). The IP layer counts each once more as a transport drop. */
  uint32_t rx_drop[TERN_UDP_DROP_COUNT];
  uint32_t rx_no_listener; /* no socket took it: port unreachable */
  uint32_t rx_errors;      /* ICMP errors recorded on a connected socket */
} tern_udp_stats;

/* Counters of one socket. */
typedef struct tern_udp_sock_stats {
  uint32_t rx_dropped; /* did not fit the ring's free space */
} tern_udp_sock_stats;

typedef struct tern_udp_layer tern_udp_layer;

/* A socket: caller storage, zero-initialised before its first bind (a
 * closed socket may be bound again). Fields are the layer's. */
typedef struct tern_udp_sock {
  tern_waker_slot reader;     /* a task waiting in recv_from */
  struct tern_udp_sock *next; /* the layer's list of bound sockets */
  tern_udp_layer *layer;
  tern_endpoint local;  /* port 0: not bound */
  tern_endpoint remote; /* port 0: not connected */
  int8_t err;           /* an ICMP error to report once */
  uint8_t *ring;        /* caller storage */
  size_t size;          /* ring bytes */
  size_t used;          /* bytes of records, from ring[0] on */
  tern_ip_sender tx;    /* send_to's packet and its wait */
  tern_udp_sock_stats stats;
} tern_udp_sock;

/* The layer: caller storage. */
struct tern_udp_layer {
  tern_ip_proto proto; /* the registration with the stack */
  tern_ip_stack *stack;
  tern_udp_sock *socks;
  tern_udp_stats stats;
};

/* How a received datagram came, besides its source. */
typedef struct tern_udp_msg {
  tern_endpoint src; /* the sender; its scope the interface it came in */
  tern_ip_addr dst;  /* where it was sent: ours, a broadcast, or (on an
                        interface with no address yet) the address a DHCP
                        server offers */
  uint8_t flags;     /* tern_ip_rx flags: TERN_IP_RX_BROADCAST, ... */
} tern_udp_msg;

/* Sets up the layer and registers it with the stack for protocol 17.
 * Returns 0, TERN_EINVAL, or TERN_EADDRINUSE (a UDP handler is already
 * registered with the stack). */
int tern_udp_init(tern_udp_layer *layer, tern_ip_stack *stack);

/* Binds sock (zeroed, or closed) to local (NULL: any family, any address,
 * an ephemeral port; port 0: an ephemeral port, chosen per RFC 6056 from
 * the stack's RNG), with ring[0..ring_size) as its receive ring (caller
 * storage, kept until close; at least TERN_UDP_RECORD_HDR4 bytes). Returns
 * 0, TERN_EADDRINUSE (what it would take overlaps another socket's, or no
 * ephemeral port is free), TERN_EADDRNOTAVAIL (a specific address that is
 * not one of ours), TERN_EAFNOSUPPORT (a family the stack has no layer
 * for, or IPv6 in an IPv4-only build), TERN_EIO (the RNG failed) or TERN_EINVAL
 * (NULL arguments, a ring too small, a socket already bound, a scope that is no
 * interface's). */
int tern_udp_bind(tern_udp_layer *layer, tern_udp_sock *sock,
                  const tern_endpoint *local, uint8_t *ring, size_t ring_size);

/* The endpoint sock is bound to (port 0 if none). */
tern_endpoint tern_udp_local(const tern_udp_sock *sock);

/* Fixes the peer (see above); remote NULL or of family TERN_IP_NONE
 * dissolves the association. Clears a pending error. Returns 0,
 * TERN_EINVAL (unbound socket, port 0, an unspecified address, or a
 * family the socket is not bound to) or TERN_EAFNOSUPPORT (an IPv6 peer
 * in an IPv4-only build). */
int tern_udp_connect(tern_udp_sock *sock, const tern_endpoint *remote);

/* Sends one datagram of len bytes from data to dst (NULL: the connected
 * peer). READY with *err: 0 (handed to the IP layer for sending), a
 * pending error of a connected socket (reported once, nothing sent),
 * TERN_ECLOSED (the socket was closed: a send waiting then is woken),
 * TERN_EINVAL (a socket never bound, destination port 0 or the
 * unspecified address, data NULL with len > 0, a family the socket is not
 * bound to: what tern_udp_connect refuses), TERN_ENOTCONN (dst NULL
 * on an unconnected socket), TERN_EADDRNOTAVAIL (the socket's bound
 * address is no longer one of this host's), TERN_EAFNOSUPPORT (a family the
 * stack has no layer for, or IPv6 in an IPv4-only build), TERN_ENETUNREACH,
 * TERN_ENETDOWN (no route, or only through a link that is down),
 * TERN_EMSGSIZE (more than the route's max_len minus 8, or than a pool
 * packet holds). PENDING while the stack's pool is empty or the outgoing
 * interface's queue is full: poll again with the same arguments; data is
 * read only in the poll that returns READY. An error reported to a
 * connected socket while its send waits wakes the send, which ends with
 * it (nothing sent, the packet back in the pool). A task that stops polling a
 * pending send calls tern_udp_cancel_send. */
tern_poll tern_udp_poll_send_to(tern_udp_sock *sock, tern_cx *cx,
                                const tern_endpoint *dst, const void *data,
                                size_t len, int *err);

/* Withdraws a pending send_to (its packet goes back to the pool). */
void tern_udp_cancel_send(tern_udp_sock *sock);

/* Receives the oldest datagram: READY with *msg how it came (may be
 * NULL), up to cap bytes of it copied to buf and *n its full length
 * (like recvfrom with MSG_TRUNC: *n > cap says the rest was cut off and
 * discarded); or *n a pending error of a connected socket (reported once),
 * TERN_ECLOSED once the socket is closed, or TERN_EINVAL for a socket
 * never bound (as send_to says). PENDING while the ring is empty. */
tern_poll tern_udp_poll_recv_msg(tern_udp_sock *sock, tern_cx *cx,
                                 tern_udp_msg *msg, void *buf, size_t cap,
                                 int *n);

/* tern_udp_poll_recv_msg with only the sender (src may be NULL). */
tern_poll tern_udp_poll_recv_from(tern_udp_sock *sock, tern_cx *cx,
                                  tern_endpoint *src, void *buf, size_t cap,
                                  int *n);

/* Datagrams waiting in the socket's ring. */
size_t tern_udp_pending(const tern_udp_sock *sock);

/* Whether sock is bound in layer: found on its list, whatever sock's
 * storage holds (a layer above may be handed storage that was never set
 * up, or that it must not set up again while bound). */
bool tern_udp_is_bound(const tern_udp_layer *layer, const tern_udp_sock *sock);

/* Unbinds the socket: later datagrams to its port get port unreachable, a
 * waiting reader is woken (and gets TERN_ECLOSED), a pending send is
 * withdrawn (its packet freed) and its task woken (its send then ends
 * with TERN_ECLOSED). The ring is the caller's again. Idempotent. */
void tern_udp_close(tern_udp_sock *sock);

#ifdef __cplusplus
}
#endif

#endif /* TERN_UDP_H */
