/* UDP sockets over the IPv4 layer (RFC 768, RFC 1122 4.1).
 *
 *   static tern_udp_layer udp;
 *   static tern_udp_sock echo;
 *   static uint8_t ring[2048];
 *   tern_udp_init(&udp, &ip);                    // registers protocol 17
 *   tern_udp_bind(&udp, &echo, 7, ring, sizeof ring);
 *   ... in a task:
 *   TERN_CO_AWAIT(co, tern_udp_poll_recv_from(&echo, cx, &from, buf,
 *                                             sizeof buf, &n));
 *   TERN_CO_AWAIT(co, tern_udp_poll_send_to(&echo, cx, &from, buf, n, &err));
 *
 * Receiving: each socket owns a caller-provided ring, a queue of records
 * (the source address and the datagram as received, TERN_UDP_RECORD_HDR
 * bytes plus the payload). A datagram is stored whole or not at all: one
 * that does not fit the free space is dropped and counted on the socket
 * (rx_dropped), never stored in part. Datagrams to a port nobody bound
 * (port 0 included, which nobody can bind) get an ICMP port unreachable
 * from the IPv4 layer, as Linux answers them. Datagrams to a broadcast
 * address are delivered like unicast ones.
 *
 * Sending: the payload is copied once, from the caller's buffer into a
 * packet from the stack's pool, then summed with the header for the
 * checksum.
 * An empty pool makes send_to wait (backpressure); nothing is dropped.
 *
 * Checksums are always generated; received ones are verified, and a zero
 * checksum (the sender computed none, RFC 768) is accepted.
 *
 * One task per direction per socket: one may wait in recv_from while
 * another waits in send_to. Task context only. */
#ifndef TERN_UDP_H
#define TERN_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/ipv4.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/udp_wire.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The first and last ephemeral port (RFC 6335 section 6, the IANA
 * dynamic range). */
#define TERN_UDP_EPHEMERAL_FIRST 49152u
#define TERN_UDP_EPHEMERAL_LAST 65535u

/* Bytes each stored datagram takes in a ring besides its payload: the
 * source address and the UDP header. */
#define TERN_UDP_RECORD_HDR 12u

/* Counters of the layer; they wrap at 2^32. What the stack counts already
 * (datagrams delivered, packets sent) and what the application sees (each
 * datagram received, each send's result) is not counted again. */
typedef struct tern_udp_stats {
  /* Datagrams dropped as malformed, by -tern_udp_drop: [1] truncated,
   * [2] length field, [3] checksum ([0] stays 0). The stack counts each
   * once more in rx_drop_transport. */
  uint32_t rx_drop[TERN_UDP_DROP_COUNT];
  uint32_t rx_no_listener; /* no socket on the port: port unreachable */
} tern_udp_stats;

/* Counters of one socket. */
typedef struct tern_udp_sock_stats {
  uint32_t rx_dropped; /* did not fit the ring's free space */
} tern_udp_sock_stats;

typedef struct tern_udp_layer tern_udp_layer;

/* A socket: caller storage, zero-initialised before its first bind (a
 * closed socket may be bound again). Fields are the layer's. */
typedef struct tern_udp_sock {
  /* First: its address is the socket's (no offset to add on Cortex-M0
   * where the input wakes it and recv_from registers). */
  tern_waker_slot reader;     /* a task waiting in recv_from */
  struct tern_udp_sock *next; /* the layer's list of bound sockets */
  uint16_t port;              /* bound local port, host order; 0: unbound */
  uint8_t *ring;              /* caller storage */
  size_t size;                /* ring bytes */
  size_t used;                /* bytes of records, from ring[0] on */
  tern_udp_layer *layer;
  tern_waiter tx_waiter; /* send_to waiting for a packet */
  tern_udp_sock_stats stats;
} tern_udp_sock;

/* The layer: caller storage. */
struct tern_udp_layer {
  tern_ipv4_proto proto; /* the registration with the stack (first: see
                            reader in tern_udp_sock) */
  tern_ipv4_stack *stack;
  tern_udp_sock *socks;
  /* Ephemeral ports are next_ephemeral | 49152 (the range 49152..65535 is
   * the values with the top two bits set), next_ephemeral counting up from
   * 0 after each pick; an application may seed it from its RNG before
   * binding. */
  uint16_t next_ephemeral;
  tern_udp_stats stats;
};

/* Sets up the layer and registers it with the stack for protocol 17.
 * Returns 0, TERN_EINVAL, or TERN_EADDRINUSE (a UDP handler is already
 * registered with the stack). */
int tern_udp_init(tern_udp_layer *layer, tern_ipv4_stack *stack);

/* Binds sock (zeroed, or closed) to port (0: the next free ephemeral port,
 * see next_ephemeral) on every address of the stack, with
 * ring[0..ring_size) as its receive ring (caller storage, kept until
 * close; at least TERN_UDP_RECORD_HDR bytes). Returns 0, TERN_EADDRINUSE
 * (port taken, or no ephemeral port free), or TERN_EINVAL (NULL
 * arguments, a ring too small, a socket already bound). The bound port is
 * tern_udp_local_port(sock). */
int tern_udp_bind(tern_udp_layer *layer, tern_udp_sock *sock, uint16_t port,
                  uint8_t *ring, size_t ring_size);

/* The port sock is bound to (0 if none). */
uint16_t tern_udp_local_port(const tern_udp_sock *sock);

/* Sends one datagram of len bytes from data to dst (an IPv4 endpoint).
 * READY with *err: 0 (handed to the IPv4 layer for sending), TERN_EINVAL
 * (unbound socket, dst NULL or not IPv4, destination port 0, data NULL
 * with len > 0), TERN_ENETUNREACH (no route), TERN_EMSGSIZE (more than the
 * interface's MTU minus 28, or than a pool packet holds; found once a
 * packet is allocated, so it may follow a PENDING). PENDING while the
 * stack's pool is empty: poll again with the same arguments; data is not
 * read until READY. A task that stops polling a pending send calls
 * tern_udp_cancel_send. */
tern_poll tern_udp_poll_send_to(tern_udp_sock *sock, tern_cx *cx,
                                const tern_endpoint *dst, const void *data,
                                size_t len, int *err);

/* Withdraws a pending send_to from the pool's wait queue. */
void tern_udp_cancel_send(tern_udp_sock *sock);

/* Receives the oldest datagram: READY with *src its sender, up to cap
 * bytes of it copied to buf and *n its full length (like recvfrom with
 * MSG_TRUNC: *n > cap says the rest was cut off and discarded), or *n
 * TERN_ECLOSED once the socket is closed. PENDING while the ring is
 * empty. */
tern_poll tern_udp_poll_recv_from(tern_udp_sock *sock, tern_cx *cx,
                                  tern_endpoint *src, void *buf, size_t cap,
                                  int *n);

/* Datagrams waiting in the socket's ring. */
size_t tern_udp_pending(const tern_udp_sock *sock);

/* Unbinds the socket: later datagrams to its port get port unreachable, a
 * waiting reader is woken (and gets TERN_ECLOSED), a pending send is
 * withdrawn. The ring is the caller's again. Idempotent. */
void tern_udp_close(tern_udp_sock *sock);

#ifdef __cplusplus
}
#endif

#endif /* TERN_UDP_H */
