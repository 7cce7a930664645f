/* The IP layer's core: what every address family shares. Interfaces over
 * tern_netdev devices (link state, MTU and headroom re-read on the device's
 * events, a bounded transmit queue), the runner task that polls the
 * devices, the registry of transports (UDP, TCP) with their input and
 * error functions, routing and output entry points that dispatch on the
 * destination's family, and the identifiers a host must not make
 * predictable. IPv4 (tern/ipv4.h) plugs in as a family; IPv6 will plug in
 * the same way, so transports are written once for both.
 *
 *   static tern_ip_stack ip;
 *   static tern_ipv4_layer v4;
 *   static tern_ip_iface eth0;
 *   tern_ip_stack_init(&ip, &pool, &rng);
 *   tern_ipv4_init(&v4, &ip);                    // IPv4 and ICMPv4
 *   tern_ip_iface_add(&ip, &eth0, dev);           // scope id 1
 *   tern_ipv4_set_addr(&eth0, &addr, 24, &gw);   // or none yet: DHCP
 *   ... a task awaits tern_ip_stack_poll_run(&ip, cx) for ever ...
 *
 * Everything is caller storage; nothing allocates. Task context only: one
 * executor, and no interrupt handler calls into the stack. The runner is
 * the only task that polls the devices; transports hand it packets through
 * tern_ip_send, which queues them on the interface and wakes it. */
#ifndef TERN_IP_H
#define TERN_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/err.h"
#include "tern/hal_rng.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Packets each interface's transmit queue holds (transports' datagrams,
 * ICMP answers and loopback together). A sender that finds it full waits
 * (tern_ip_poll_room); an ICMP answer is dropped. At least 1, at most
 * 255. */
#ifndef TERN_IP_TXQ_MAX
#define TERN_IP_TXQ_MAX 8
#endif

/* Packets the runner takes from each interface per poll before it yields
 * (wakes itself and returns), so a flooded interface cannot starve the
 * other interfaces or the other tasks. */
#ifndef TERN_IP_RX_BUDGET
#define TERN_IP_RX_BUDGET 8
#endif

/* The first and last ephemeral port (RFC 6335 section 6, the IANA dynamic
 * range), chosen per RFC 6056 (tern_ip_ephemeral_port). */
#define TERN_IP_EPHEMERAL_FIRST 49152u
#define TERN_IP_EPHEMERAL_LAST 65535u

typedef struct tern_ip_stack tern_ip_stack;
typedef struct tern_ip_iface tern_ip_iface;

/* ---- what a transport is told ---- */

/* tern_ip_rx.flags: how a datagram was addressed. The link-layer ones
 * are the packet's link_cast as a bit (2 << link_cast, TERN_IP_RX_LINK),
 * so a family takes them from the packet without a table. */
enum {
  TERN_IP_RX_BROADCAST = 1u << 0, /* to an IP broadcast address */
  TERN_IP_RX_MULTICAST = 1u << 1, /* to an IP multicast group */
  /* in a link-layer broadcast */
  TERN_IP_RX_LINK_BROADCAST = 2u << TERN_PKT_LINK_BROADCAST,
  /* in a link-layer multicast */
  TERN_IP_RX_LINK_MULTICAST = 2u << TERN_PKT_LINK_MULTICAST,
  /* from this host to itself */
  TERN_IP_RX_LOOPBACK = 2u << TERN_PKT_LINK_LOOPBACK,
  /* On an interface that has no address of the datagram's family yet, so
   * its destination is not (yet) ours: a DHCP server's offer sent unicast
   * to the address it offers. Transports deliver these only to a socket
   * bound to that interface. */
  TERN_IP_RX_UNCONFIGURED = 1u << 5,
};

/* The tern_ip_rx flags of a received packet's link_cast (a
 * TERN_PKT_LINK_*): TERN_IP_RX_LINK_BROADCAST, _LINK_MULTICAST,
 * _LOOPBACK or none. */
#define TERN_IP_RX_LINK(link_cast)                                    \
  ((uint8_t)((2u << (link_cast)) &                                    \
             (TERN_IP_RX_LINK_BROADCAST | TERN_IP_RX_LINK_MULTICAST | \
              TERN_IP_RX_LOOPBACK)))

/* A received datagram, as its transport's input function sees it. */
typedef struct tern_ip_rx {
  tern_ip_addr src;
  tern_ip_addr dst;
  tern_ip_iface *iface; /* where it arrived (its id is the scope) */
  uint8_t protocol;
  uint8_t ttl;   /* TTL or hop limit */
  uint8_t tos;   /* TOS or traffic class */
  uint8_t flags; /* TERN_IP_RX_* */
} tern_ip_rx;

/* An input function's verdict. */
typedef enum tern_ip_verdict {
  /* Taken (delivered, or dropped by the transport's own policy, such as a
   * full receive ring, which the transport counts). */
  TERN_IP_CONSUMED = 0,
  /* Well formed, but nobody listens: the family answers with its "port
   * unreachable" (RFC 1122 3.2.2.1) unless the datagram went to a
   * broadcast or multicast address, at the IP or the link layer, or the
   * rate limit says no. The input function must have left the packet's
   * bytes unchanged. */
  TERN_IP_NO_LISTENER = 1,
  /* Malformed for the transport (its reason counted by the transport). */
  TERN_IP_DROP = 2,
  /* No transport has the protocol (tern_ip_deliver's own, never an input
   * function's): the family answers with its "protocol unreachable", on
   * the same conditions as TERN_IP_NO_LISTENER. */
  TERN_IP_NO_PROTOCOL = 3,
} tern_ip_verdict;

/* An ICMP error about a datagram this host sent (RFC 1122 3.2.2, 4.1.3.3),
 * passed to the transport of the quoted datagram. The family has checked
 * the message and that the quoted source is one of our addresses; the
 * transport still checks that the quote matches one of its conversations
 * (RFC 5927: TCP checks the sequence number). */
typedef struct tern_ip_error {
  /* What it means: TERN_ECONNREFUSED (port unreachable),
   * TERN_EHOSTUNREACH (host unreachable, the rest of the unreachables but
   * these, and time exceeded in transit, as Linux's UDP reports it),
   * TERN_ENETUNREACH (network unreachable), TERN_EPROTO (protocol
   * unreachable, parameter problem), TERN_EMSGSIZE (fragmentation needed:
   * mtu says how much fits). */
  int err;
  uint8_t type; /* the ICMP type and code as received (the family's */
  uint8_t code; /* numbers) */
  /* The quoted datagram's protocol, beside the other two bytes: they
   * share a word, the struct 4 bytes smaller than with it last. */
  uint8_t protocol;
  /* TERN_EMSGSIZE: the next-hop MTU reported, else 0. A family whose
   * field is wider (IPv6's Packet Too Big: 32 bits) caps it at 65,535,
   * never truncates it (65,536 would read as 0, a router older than RFC
   * 1191). */
  uint16_t mtu;
  /* The quoted datagram's whole length as its header gives it, not the
   * bytes quoted (a router quotes a part): IPv4's Total Length; IPv6's
   * Payload Length + 40. At least the quoted header + 8 and at most
   * 65,535 (the family drops a quote that claims less or more: no
   * datagram of ours was that short, and interface MTUs are 16 bits, so
   * none was longer; IPv6 drops a Payload Length above 65,495 rather
   * than let the sum wrap). Lets a transport check a reported MTU
   * against it (RFC 5927 7.2) and take the plateau below it when a router
   * reports none (RFC 1191 5). */
  uint16_t quoted_len;
  tern_ip_iface *iface;  /* where the error arrived */
  tern_ip_addr reporter; /* who sent the error (a router, or the peer) */
  tern_ip_addr src;      /* the quoted datagram's source: ours */
  tern_ip_addr dst;      /* the quoted datagram's destination */
  const uint8_t *quote;  /* the quoted transport header onward */
  size_t quote_len;      /* bytes at quote (at least 8) */
} tern_ip_error;

/* A transport's input function. pkt's data is the IP payload (the
 * transport header onward, trimmed to the datagram's length); the IP
 * header lies just in front of it in the headroom. The stack keeps
 * ownership of pkt: copy what must outlive the call. */
typedef tern_ip_verdict (*tern_ip_input_fn)(void *ctx, const tern_ip_rx *rx,
                                            tern_pkt *pkt);

/* A transport's error function (see tern_ip_error). */
typedef void (*tern_ip_error_fn)(void *ctx, const tern_ip_error *e);

/* A transport's registration: caller storage (usually inside the
 * transport's layer object). Fill protocol, input, error (or NULL) and
 * ctx, then call tern_ip_register. One registration serves every
 * family. error may be set later (UDP sets it when a socket first
 * connects, so a firmware that never connects does not link it): the core
 * reads it when an error comes. */
typedef struct tern_ip_proto {
  struct tern_ip_proto *next; /* the stack's list */
  uint8_t protocol;           /* TERN_IP_PROTO_UDP, ... */
  tern_ip_input_fn input;
  tern_ip_error_fn error;
  void *ctx;
} tern_ip_proto;

/* ---- routes ---- */

/* tern_ip_route.flags. */
enum {
  TERN_IP_ROUTE_LOCAL = 1u << 0,     /* to one of our addresses: looped
                                        back, never sent */
  TERN_IP_ROUTE_BROADCAST = 1u << 1, /* to a broadcast address: sent as a
                                        link broadcast */
};

/* Where a datagram to a destination goes. */
typedef struct tern_ip_route {
  tern_ip_iface *iface;
  tern_ip_addr src;      /* the source address to send from */
  tern_ip_addr next_hop; /* the destination when on-link, else a router */
  uint16_t max_len;      /* the largest transport segment one datagram carries:
                            the interface's MTU minus the IP header */
  uint16_t headroom;     /* to reserve in front of the transport header: the
                            device's headroom and the IP header */
  uint8_t flags;         /* TERN_IP_ROUTE_* */
  uint8_t tos;           /* IPv4's TOS for its datagrams: 0 from routing
                            (ICMP sets its answers') */
} tern_ip_route;

/* ---- families ---- */

typedef struct tern_ip_layer tern_ip_layer;

/* What an address family provides the core: a table of functions (const,
 * so in flash) that take the family's tern_ip_layer. */
typedef struct tern_ip_family_ops {
  /* A received packet of this family from iface (its version nibble
   * says so); takes pkt. */
  void (*input)(tern_ip_layer *l, tern_ip_iface *iface, tern_pkt *pkt);
  /* The route to dst (scope: 0, or the id of the interface to use).
   * Returns 0, TERN_ENETUNREACH or TERN_ENETDOWN. */
  int (*route)(tern_ip_layer *l, const tern_ip_addr *dst, uint8_t scope,
               tern_ip_route *out);
  /* Puts the IP header in front of pkt (its data the payload) for r and
   * dst, and the next hop at tern_pkt_next_hop() when the device wants
   * it, and queues it with tern_ip_enqueue (on r->iface, or for loopback
   * when r is local): tern__ip_send's work. Takes pkt. Returns 0, or a
   * negative tern_err. */
  int (*send)(tern_ip_layer *l, tern_pkt *pkt, const tern_ip_route *r,
              const tern_ip_addr *dst, uint8_t protocol, uint8_t ttl);
  /* The interface whose address addr (of this family) is, or NULL when
   * it is none of this host's. */
  tern_ip_iface *(*addr_iface)(tern_ip_layer *l, const tern_ip_addr *addr);
  /* An interface's device reported events (TERN_NETDEV_EV_*), after the
   * core re-read its facts. May be NULL. */
  void (*iface_event)(tern_ip_layer *l, tern_ip_iface *iface, uint32_t events);
} tern_ip_family_ops;

/* A family as the stack knows it: a member of the family's layer object
 * (tern_ipv4_layer), which the family's functions get back to with
 * TERN_CONTAINER_OF. tern_ipv4_init sets it and puts its address in the
 * stack's slot for the family (stack->v4). */
struct tern_ip_layer {
  const tern_ip_family_ops *ops;
};

/* ---- interfaces ---- */

/* An interface's IPv4 configuration, kept in the interface so that an
 * interface is one object; tern/ipv4.h sets it. Addresses are words in
 * network byte order (the four bytes as stored), so that per-packet
 * checks are word compares; all zero: none. */
typedef struct tern_ip_v4conf {
  uint32_t addr;
  uint32_t mask;    /* the prefix's netmask */
  uint32_t bcast;   /* the subnet broadcast, or 255.255.255.255 when
                       there is none (/31, /32 or no address: RFC 3021) */
  uint32_t gateway; /* the default router, or 0 */
} tern_ip_v4conf;

/* tern_ip_iface.flags: the device's TERN_NETDEV_UP and
 * TERN_NETDEV_NEXT_HOP as last read, and the core's own. */
enum {
  TERN_IP_IFACE_RX_CLOSED = 1u << 7, /* the device's poll_recv returned
                                        TERN_ECLOSED: not polled again
                                        until its link comes up */
};

/* An interface: a device of medium TERN_MEDIUM_IP (SLIP, PPP, TUN, or the
 * Ethernet adapter), its facts and queues, and each family's
 * configuration. Caller storage; fields are read-only to the application
 * (use the functions). */
struct tern_ip_iface {
  tern_ip_iface *next; /* the stack's list, in the order added */
  tern_ip_stack *stack;
  tern_netdev dev;
  uint16_t mtu;       /* the device's MTU */
  uint16_t headroom;  /* the device's headroom */
  uint8_t id;         /* 1, 2, ... in the order added: the scope id */
  uint8_t flags;      /* see above */
  uint8_t txq_len;    /* packets in the transmit queue */
  uint8_t events;     /* TERN_NETDEV_EV_* not yet taken by the
                         application (tern_ip_iface_poll_event) */
  tern_pkt *txq_head; /* packets for the device, FIFO through next (and
                         loopback packets, received instead, in turn) */
  tern_pkt *txq_tail; /* the last, when txq_head is not NULL */
  tern_waitq room;    /* senders waiting for room in the queue */
  tern_waker_slot event_waiter;
  tern_ip_v4conf v4;
};

/* ---- the stack ---- */

/* Counters of the core; they wrap at 2^32. Every packet a device hands up
 * is counted in rx_packets and then by its family (or in rx_drop_family). */
typedef struct tern_ip_stats {
  uint32_t rx_packets;     /* handed up by the devices, and loopback */
  uint32_t rx_drop_family; /* no family for its version nibble */
  uint32_t rx_dev_errors;  /* poll_recv failed (TERN_ECLOSED: closed) */
  uint32_t tx_packets;     /* accepted by a device */
  uint32_t tx_loopback;    /* to ourselves: received instead of sent */
  uint32_t tx_dev_errors;  /* a device refused a packet (and freed it) */
  uint32_t tx_drop_down;   /* queued when the link went down, or sent to
                              an interface that is down (TERN_ENETDOWN) */
  uint32_t tx_queue_full;  /* refused because the queue was full
                              (TERN_EAGAIN): ICMP answers, or a sender
                              that did not wait for room */
  uint32_t tx_waits;       /* senders that waited for room */
  uint32_t dev_events;     /* event reports from the devices */
} tern_ip_stats;

/* The stack. Caller storage; fields are read-only to the application. */
struct tern_ip_stack {
  tern_ip_iface *ifaces;
  tern_ip_proto *protos;
  tern_pkt_pool *pool; /* what transports send from */
  tern_rng rng;        /* identifiers: ports, IP ids, ... */
  tern_ip_layer *v4;   /* the IPv4 layer, or NULL */
#if TERN_CONFIG_IPV6
  tern_ip_layer *v6; /* the IPv6 layer, or NULL (none IPv4-only) */
#endif
  tern_waker_slot runner;
  uint8_t stopped;
  tern_ip_stats stats;
};

/* Sets up an empty stack: transports send from pool, identifiers come
 * from rng (copied). Keeps a quarter of the pool (at least one packet,
 * when it has two or more) for receive paths, unless the pool keeps some
 * already (tern_pkt_pool_set_rx_reserve): a transport cannot take it all.
 * Returns 0 or TERN_EINVAL. */
int tern_ip_stack_init(tern_ip_stack *stack, tern_pkt_pool *pool,
                       const tern_rng *rng);

/* Adds an interface over dev (medium TERN_MEDIUM_IP) and gives it the next
 * id (1, 2, ...), with no address of any family yet. Reads the device's
 * facts; they are read again on its events. Returns 0 or TERN_EINVAL (a
 * device that is not an IP one, the interface already added, 255
 * interfaces). */
int tern_ip_iface_add(tern_ip_stack *stack, tern_ip_iface *iface,
                      tern_netdev dev);

/* The interface with this id, or NULL. */
tern_ip_iface *tern_ip_iface_by_id(const tern_ip_stack *stack, uint8_t id);

/* Whether the interface's link is up. */
static inline bool tern_ip_iface_up(const tern_ip_iface *iface) {
  return (iface->flags & TERN_NETDEV_UP) != 0;
}

/* Waits for the interface's device events (TERN_NETDEV_EV_LINK,
 * TERN_NETDEV_EV_INFO, TERN_NETDEV_EV_ADDR_CONFLICT), as the runner saw
 * them: READY with the bits since the last READY (then cleared), or
 * PENDING with cx's waker kept. One waiter per interface (a DHCP client,
 * the application). */
tern_poll tern_ip_iface_poll_event(tern_ip_iface *iface, tern_cx *cx,
                                   uint32_t *events);

/* Registers a transport for proto->protocol, for every family. Returns
 * 0, TERN_EADDRINUSE when the protocol already has one (ICMP is the
 * families' own: 1 and 58 are taken; proto itself registered already
 * counts as one), or TERN_EINVAL. */
int tern_ip_register(tern_ip_stack *stack, tern_ip_proto *proto);

/* Whether a transport is registered for protocol: a layer's init asks
 * before it clears its storage, which may be the live registered one.
 * Inline: a call measured 20 bytes more in the stack. */
static inline bool tern_ip_has_proto(const tern_ip_stack *stack,
                                     uint8_t protocol) {
  const tern_ip_proto *p = stack->protos;
  while (p != NULL && p->protocol != protocol) {
    p = p->next;
  }
  return p != NULL;
}

/* The runner: handles each interface's device events, receives from every
 * interface (at most TERN_IP_RX_BUDGET packets each per poll, then it
 * wakes itself and returns so others run) and hands the packets to their
 * family, and drains each transmit queue into its device (a device's
 * PENDING keeps the rest queued until it wakes the runner; loopback
 * packets are received instead, in their turn). PENDING for as long as
 * the stack runs, READY once tern_ip_stack_stop was called. Poll it from
 * exactly one task. */
tern_poll tern_ip_stack_poll_run(tern_ip_stack *stack, tern_cx *cx);

/* Makes the runner return READY at its next poll (it is woken). Queued
 * packets stay queued; the stack may be run again after clearing
 * stack->stopped. */
void tern_ip_stack_stop(tern_ip_stack *stack);

/* A copy of the core's counters. */
tern_ip_stats tern_ip_get_stats(const tern_ip_stack *stack);

/* ---- for transports: routes, packets, sending ---- */

/* The route to dst, from dst's family: scope 0 lets routing choose the
 * interface; an interface id sends there (a link-local address's zone,
 * or the limited broadcast on that interface). Returns 0, TERN_EINVAL,
 * TERN_EAFNOSUPPORT (no layer for dst's family), TERN_ENETUNREACH or
 * TERN_ENETDOWN (only interfaces that are down would do). */
int tern_ip_route_lookup(tern_ip_stack *stack, const tern_ip_addr *dst,
                         uint8_t scope, tern_ip_route *out);

/* tern_ip_route_lookup without its argument checks, for a transport that
 * passes its own stack, destination and route storage (never NULL): as
 * with tern__ip_send, a firmware whose transports call this does not link
 * the checks. The same results otherwise. */
int tern__ip_route(tern_ip_stack *stack, const tern_ip_addr *dst, uint8_t scope,
                   tern_ip_route *out);

/* The interface whose address addr is, or NULL when it is none of this
 * host's (of a family the stack has a layer for). */
tern_ip_iface *tern_ip_addr_iface(const tern_ip_stack *stack,
                                  const tern_ip_addr *addr);

/* Whether addr is one of this host's addresses. */
static inline bool tern_ip_is_local(const tern_ip_stack *stack,
                                    const tern_ip_addr *addr) {
  return tern_ip_addr_iface(stack, addr) != NULL;
}

/* Whether the bound address b takes the address a: no family takes every
 * address, an unspecified one (0.0.0.0, ::) every address of its family,
 * any other only itself. The one rule of the transports' bindings: UDP's
 * for receiving, errors and overlapping bindings, TCP's for a listener's
 * address. */
bool tern_ip_addr_takes(const tern_ip_addr *b, const tern_ip_addr *a);

/* Whether the stack has a layer for the family (TERN_IP_V4, TERN_IP_V6). */
bool tern_ip_has_family(const tern_ip_stack *stack, uint8_t family);

/* Waits for room in iface's transmit queue: READY when there is (send now,
 * in the same poll: nothing else can take it before), PENDING with the
 * caller waiting on w. A down interface's queue holds only loopback,
 * which the runner takes, so a sender waits behind that alone (a send
 * to anything else then fails with TERN_ENETDOWN). */
tern_poll tern_ip_poll_room(tern_ip_stack *stack, tern_cx *cx, tern_waiter *w,
                            tern_ip_iface *iface);

/* Whether iface's transmit queue has room now: what tern_ip_poll_room
 * would find, for a sender that sends at once or leaves it to a task
 * that can wait (TCP's ACK from its input path). */
static inline bool tern_ip_has_room(const tern_ip_iface *iface) {
  return iface->txq_len < TERN_IP_TXQ_MAX;
}

/* Withdraws w from whichever wait it is in: the pool's (iface NULL) or
 * iface's queue room. */
void tern_ip_cancel_wait(tern_ip_stack *stack, tern_waiter *w,
                         tern_ip_iface *iface);

/* A transport's sender, as TCP's runner and each UDP socket have one: the
 * packet a datagram is built in and the wait for it, then for room in the
 * interface's queue. The three calls below are how a transport takes a
 * packet from the stack's pool, waits for room (tern_ip_poll_room) and
 * gives both up (tern_ip_cancel_wait), kept once. Caller storage,
 * zero-initialised. */
typedef struct tern_ip_sender {
  tern_waiter waiter;
  tern_ip_iface *iface; /* whose queue it waits on (NULL: the pool) */
  tern_pkt *pkt;        /* the packet it holds while it waits */
} tern_ip_sender;

/* s's packet: READY with s->pkt (the one it holds, or a new, empty one
 * from the stack's pool), PENDING while the pool has none free beyond its
 * receive reserve (s waiting for one). */
tern_poll tern_ip_sender_poll_alloc(tern_ip_stack *stack, tern_cx *cx,
                                    tern_ip_sender *s);

/* tern_ip_poll_room for s on iface, a wait on another interface's queue
 * withdrawn first (the route changed while s waited). */
tern_poll tern_ip_sender_poll_room(tern_ip_stack *stack, tern_cx *cx,
                                   tern_ip_sender *s, tern_ip_iface *iface);

/* Gives up s's wait (tern_ip_cancel_wait) and frees the packet it holds. */
void tern_ip_sender_release(tern_ip_stack *stack, tern_ip_sender *s);

/* Sends a transport's datagram along r (from tern_ip_route_lookup for this dst,
 * just now): pkt's data is the transport header and payload, with
 * r->headroom bytes in front (fewer: the data is moved back in its buffer
 * if the tailroom allows). The family puts its header in front (ttl 0:
 * its default) and the packet is queued on r->iface (received instead
 * when r is local) and the runner woken. Takes pkt in every case. Returns
 * 0, TERN_EMSGSIZE (longer than r->max_len), TERN_ENOSPC (no room for the
 * headers), TERN_ENETDOWN (the interface is down), TERN_EAGAIN (its queue
 * is full: wait with tern_ip_poll_room first) or TERN_EINVAL. */
int tern_ip_send(tern_ip_stack *stack, tern_pkt *pkt, const tern_ip_route *r,
                 const tern_ip_addr *dst, uint8_t protocol, uint8_t ttl);

/* tern_ip_send without its argument checks, for a transport that has just
 * had r from tern_ip_route_lookup for dst (so r->iface is this stack's and
 * dst's family has a layer) and passes a packet it owns: the checks are
 * for callers that cannot know that, and a firmware whose transports call
 * this does not link them. The TTL is the family's default (ttl 0), the
 * one TCP and UDP send with. The same results otherwise. */
int tern__ip_send(tern_ip_stack *stack, tern_pkt *pkt, const tern_ip_route *r,
                  const tern_ip_addr *dst, uint8_t protocol);

/* Picks a free ephemeral port per RFC 6056 section 3.3.1 (algorithm 1: a
 * random start in 49152..65535, then the next free one): in_use(ctx, port)
 * says whether a port is taken. Returns the port, TERN_EADDRINUSE when
 * every one is, or TERN_EIO when the RNG failed. */
int tern_ip_ephemeral_port(tern_ip_stack *stack,
                           bool (*in_use)(void *ctx, uint16_t port), void *ctx);

/* ---- for families ---- */

/* Makes pkt's headroom at least n bytes: when it is short, the data moves
 * back in its buffer, if the tailroom allows. Returns 0 or TERN_ENOSPC. */
int tern_ip_make_room(tern_pkt *pkt, size_t n);

/* Hands a datagram to its transport: the verdict, or TERN_IP_NO_PROTOCOL
 * when no transport has the protocol. */
tern_ip_verdict tern_ip_deliver(tern_ip_stack *stack, const tern_ip_rx *rx,
                                tern_pkt *pkt);

/* Hands an ICMP error to the transport of the quoted protocol, if it
 * takes errors. Returns whether it did (false: no transport has the
 * protocol, or it hears no errors). */
bool tern_ip_deliver_error(tern_ip_stack *stack, const tern_ip_error *e);

/* Queues a packet the family built (a transport's datagram or an ICMP
 * answer, its IP header in front) on iface, or for loopback when local,
 * and wakes the runner. Takes pkt. Returns 0, TERN_ENETDOWN or
 * TERN_EAGAIN (the queue is full). */
int tern_ip_enqueue(tern_ip_stack *stack, tern_ip_iface *iface, tern_pkt *pkt,
                    bool local);

#ifdef __cplusplus
}
#endif

#endif /* TERN_IP_H */
