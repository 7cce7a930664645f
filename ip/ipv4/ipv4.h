/* The IPv4 layer: interfaces, routing, input validation, protocol dispatch
 * and ICMPv4 (echo and destination unreachable), driven by one runner task.
 *
 *   static tern_ipv4_stack ip;
 *   static tern_ipv4_iface eth0;
 *   tern_ipv4_stack_init(&ip, &tx_pool);
 *   tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
 *   tern_ipv4_iface_add(&ip, &eth0, dev, &a, 24, &gw);
 *   ... a task awaits tern_ipv4_stack_poll_run(&ip, cx) forever ...
 *
 * Everything is caller storage; nothing allocates. The stack keeps the
 * packet pool it is given for the transports, which take their packets
 * from it; ICMP answers (echo replies, errors) are built in the received
 * packet and take none.
 *
 * Concurrency: the stack is used from task context only (one executor,
 * no interrupt handler calls into it). The runner is the only task that
 * polls the interfaces' devices; other tasks hand it packets through
 * tern_ipv4_output(), which queues them and wakes it.
 *
 * Received packets (RFC 791, RFC 1122 3.2.1): the header is checked
 * (tern_ipv4_check: version, IHL, total length against the buffer,
 * checksum; fragments refused), link padding trimmed, options skipped;
 * any TTL is delivered (RFC 1122 3.2.1.7); a source that cannot be one host
 * (broadcast, multicast, 127/8) is dropped (RFC 1122 3.2.1.3); the destination
 * must be the receiving interface's address, its subnet broadcast or
 * 255.255.255.255, else the datagram is dropped as not for us (hosts do
 * not forward). Every drop is counted in tern_ipv4_stats. */
#ifndef TERN_IPV4_H
#define TERN_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/err.h"
#include "tern/icmpv4_wire.h"
#include "tern/ipv4_wire.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The TTL of datagrams this host originates when the caller passes 0
 * (RFC 1700 / IANA recommended default, what Linux uses). */
#define TERN_IPV4_DEFAULT_TTL 64

/* Packets the runner takes from each interface per poll before it yields
 * (wakes itself and returns), so a flooded interface cannot starve the
 * other interfaces or the other tasks. */
#ifndef TERN_IPV4_RX_BUDGET
#define TERN_IPV4_RX_BUDGET 8
#endif

/* ICMP error rate limit (RFC 1122 3.2.2, RFC 1812 4.3.2.8): a token bucket
 * of TERN_IPV4_ICMP_BURST errors, refilled by one every
 * TERN_IPV4_ICMP_INTERVAL_MS. With the defaults a flood gets 8 errors at
 * once and then at most 10 a second: enough for traceroute-style probing
 * and a peer's "connection refused", too few to make this host an
 * amplifier. Echo replies are not limited (one reply per request is no
 * amplification). */
#ifndef TERN_IPV4_ICMP_BURST
#define TERN_IPV4_ICMP_BURST 8
#endif
#ifndef TERN_IPV4_ICMP_INTERVAL_MS
#define TERN_IPV4_ICMP_INTERVAL_MS 100
#endif

typedef struct tern_ipv4_stack tern_ipv4_stack;
typedef struct tern_ipv4_iface tern_ipv4_iface;

/* Counters of the whole stack. They wrap at 2^32. Every datagram the
 * devices hand up (or that loops back) is counted in rx_packets and then
 * in exactly one of rx_delivered or a drop counter; rx_delivered ones may
 * still be dropped by ICMP or a transport (counted there). */
typedef struct tern_ipv4_stats {
  uint32_t rx_packets;   /* packets the devices handed up (and loopback) */
  uint32_t rx_delivered; /* passed every IP check: for us and well formed */
  /* Dropped by the header check, indexed by -tern_ipv4_drop: truncated,
   * version, IHL, total length, checksum, fragment ([6]: fragments are
   * dropped, there is no reassembly). [0] is unused. */
  uint32_t rx_drop[TERN_IPV4_DROP_COUNT];
  uint32_t rx_drop_bad_src;    /* source not a host address (3.2.1.3) */
  uint32_t rx_drop_not_for_us; /* destination not ours: no forwarding */
  uint32_t rx_drop_proto;      /* no handler for the protocol (of those
                                  delivered; answered protocol unreachable) */
  uint32_t rx_drop_transport;  /* a handler returned TERN_IPV4_DROP */
  uint32_t rx_dev_errors;      /* poll_recv failed (TERN_ECLOSED: down) */
  uint32_t tx_packets;         /* accepted by a device */
  uint32_t tx_loopback;        /* to ourselves: taken from the transmit
                                  queue by the runner and received */
  uint32_t tx_no_route;        /* no route: TERN_ENETUNREACH (output, or
                                  an ICMP reply or error not sent) */
  uint32_t tx_too_big;         /* tern_ipv4_output: TERN_EMSGSIZE */
  uint32_t tx_no_room;         /* no room in the buffer for the headers in
                                  front: TERN_ENOSPC (output, or an ICMP
                                  answer not sent) */
  uint32_t tx_dev_errors;      /* a device refused a packet (and freed it) */
  /* ICMP, of the datagrams delivered with protocol 1: */
  uint32_t icmp_rx_drop[TERN_ICMPV4_DROP_COUNT]; /* by -tern_icmpv4_drop */
  uint32_t icmp_rx_ignored;   /* types not handled (replies, errors...) */
  uint32_t icmp_echo_bcast;   /* echo requests to a broadcast, ignored */
  uint32_t icmp_echo_replies; /* sent */
  uint32_t icmp_unreach_sent; /* port/protocol unreachable sent */
  uint32_t icmp_rate_limited; /* errors suppressed by the bucket */
  uint32_t icmp_refused;      /* errors RFC 1122 3.2.2 forbids, not sent */
} tern_ipv4_stats;

/* What a transport's input function is told about a datagram. */
typedef struct tern_ipv4_rx {
  tern_ipv4_iface *iface; /* where it arrived */
  tern_ipv4_addr src;
  tern_ipv4_addr dst;
  uint8_t protocol;
  uint8_t ttl;
  uint8_t tos;
  bool broadcast; /* sent to 255.255.255.255 or the subnet broadcast */
} tern_ipv4_rx;

/* An input function's verdict. */
typedef enum tern_ipv4_verdict {
  /* Taken (delivered, or dropped by the transport's own policy, such as a
   * full receive ring, which the transport counts). */
  TERN_IPV4_CONSUMED = 0,
  /* Well formed, but nobody listens: the stack answers with an ICMP
   * destination unreachable (port unreachable, RFC 1122 3.2.2.1) unless
   * the datagram went to a broadcast address or the rate limit says no.
   * The input function must have left the packet's bytes unchanged. */
  TERN_IPV4_NO_LISTENER = 1,
  /* Malformed for the transport (its reason counted by the transport);
   * counted in rx_drop_transport. */
  TERN_IPV4_DROP = 2,
} tern_ipv4_verdict;

/* A transport's input function. pkt's data is the IP payload (the
 * transport header onward, trimmed to the IP total length); the IP header
 * lies just in front of it in the headroom. The stack keeps ownership of
 * pkt: copy what must outlive the call. Returns a tern_ipv4_verdict. */
typedef tern_ipv4_verdict (*tern_ipv4_input_fn)(void *ctx,
                                                const tern_ipv4_rx *rx,
                                                tern_pkt *pkt);

/* A transport's registration: caller storage (usually inside the
 * transport's layer object). Fill protocol, input and ctx, then call
 * tern_ipv4_register_proto. */
typedef struct tern_ipv4_proto {
  struct tern_ipv4_proto *next; /* the stack's list */
  uint8_t protocol;             /* TERN_IP_PROTO_UDP, ... */
  tern_ipv4_input_fn input;
  void *ctx;
} tern_ipv4_proto;

/* An interface: a device of medium TERN_MEDIUM_IP (SLIP, PPP, TUN, or the
 * Ethernet adapter, which resolves pkt->next_hop with ARP), its address,
 * netmask and optional default gateway, and its queues. Caller storage;
 * fields are read-only to the application (use the functions). Addresses
 * are also words (`ip`, `gw`: the same four bytes, network order), with
 * the netmask and subnet broadcast computed when the address is set, so
 * that the per-packet checks are word compares. */
struct tern_ipv4_iface {
  tern_ipv4_iface *next; /* the stack's list, in the order added */
  tern_ipv4_stack *stack;
  /* The device's MTU and headroom + 20 (what tern_ipv4_route gives), read
   * when the interface is added and when its address is set. */
  uint16_t mtu;
  uint16_t headroom;
  bool rx_down; /* the device reported TERN_ECLOSED (a byte within the
                   31-byte reach of Cortex-M0's ldrb) */
  union {
    tern_ipv4_addr addr; /* 0.0.0.0: none yet */
    uint32_t ip;
  };
  union {
    tern_ipv4_addr gateway; /* 0.0.0.0: none */
    uint32_t gw;
  };
  uint32_t mask;      /* the prefix's netmask, network order */
  uint32_t bcast;     /* the subnet broadcast, or 255.255.255.255 when
                         there is none (/31, /32 or no address: RFC
                         3021) */
  tern_pkt *txq_head; /* packets for the device, FIFO through next;
                         those whose next_hop is the interface's own
                         address (loopback) the runner hands to input
                         instead, in turn (so behind a full device) */
  tern_pkt *txq_tail; /* the last, when txq_head is not NULL */
  tern_netdev dev;
};

/* The stack. Caller storage; fields are read-only to the application,
 * except next_ident, which it may seed. */
struct tern_ipv4_stack {
  tern_ipv4_iface *ifaces;
  tern_ipv4_proto *protos;
  tern_pkt_pool *pool;    /* what transports send from */
  tern_waker_slot runner; /* the runner task, woken by tern_ipv4_output */
  uint16_t next_ident;    /* IP identification counter; may be seeded */
  bool stopped;
  /* The ICMP error rate limiter: a token bucket kept as one instant, the
   * "theoretical arrival time" of the generic cell rate algorithm. The
   * bucket is full when icmp_tat is not after now; each error moves it one
   * interval later than max(icmp_tat, now), and an error is allowed while
   * icmp_tat stays less than BURST intervals after now. */
  tern_time icmp_tat;
  tern_ipv4_stats stats;
};

/* Sets up an empty stack that sends from pool (not NULL). The ICMP bucket
 * starts full. Returns 0 or TERN_EINVAL. */
int tern_ipv4_stack_init(tern_ipv4_stack *stack, tern_pkt_pool *pool);

/* The smallest device MTU an interface accepts. Without reassembly, a
 * host can take only what arrives in one piece, and RFC 791 (and RFC 1122
 * 3.3.2) says every host must accept 576-byte datagrams; it also lets
 * ICMP errors be the 576 bytes of RFC 1812 4.3.2.3 on every route. */
#define TERN_IPV4_MIN_MTU 576

/* Adds an interface over dev with an address (NULL or 0.0.0.0: none yet),
 * a prefix length (0..32) and a default gateway (NULL or 0.0.0.0: none).
 * Reads the device's MTU and headroom (again at each
 * tern_ipv4_iface_set_addr: call it after a link renegotiated them) and
 * tells the device its address (tern_netdev_set_ipv4). Interfaces are
 * routed in the order added. Returns 0, or TERN_EINVAL (prefix above 32,
 * a device whose medium is not TERN_MEDIUM_IP or whose MTU is below
 * TERN_IPV4_MIN_MTU, the interface already added). */
int tern_ipv4_iface_add(tern_ipv4_stack *stack, tern_ipv4_iface *iface,
                        tern_netdev dev, const tern_ipv4_addr *addr,
                        uint8_t prefix_len, const tern_ipv4_addr *gateway);

/* Changes an interface's address, prefix and gateway (NULL: none), reads
 * the device's MTU and headroom again and tells the device the address.
 * Returns 0 or TERN_EINVAL (as tern_ipv4_iface_add; then nothing is
 * changed). */
int tern_ipv4_iface_set_addr(tern_ipv4_iface *iface, const tern_ipv4_addr *addr,
                             uint8_t prefix_len, const tern_ipv4_addr *gateway);

/* Registers a transport's input function for proto->protocol. Returns 0,
 * TERN_EADDRINUSE when the protocol already has one (ICMP is built in;
 * proto itself registered already counts as one), or TERN_EINVAL. */
int tern_ipv4_register_proto(tern_ipv4_stack *stack, tern_ipv4_proto *proto);

/* The runner: receives from every interface (at most TERN_IPV4_RX_BUDGET
 * packets each per poll, then it wakes itself and returns so others run),
 * checks and dispatches them, answers ICMP, and drains each interface's
 * transmit queue into its device (a device's PENDING keeps the rest
 * queued until it wakes the runner; datagrams to the interface's own
 * address in that queue are received instead, in their turn). Returns
 * TERN_PENDING for as long as the stack runs, TERN_READY once
 * tern_ipv4_stack_stop was called. Poll it from exactly one task. */
tern_poll tern_ipv4_stack_poll_run(tern_ipv4_stack *stack, tern_cx *cx);

/* Makes the runner return TERN_READY at its next poll (it is woken).
 * Queued packets stay queued; the stack may be run again after clearing
 * stack->stopped. */
void tern_ipv4_stack_stop(tern_ipv4_stack *stack);

/* Where a datagram to dst goes. */
typedef struct tern_ipv4_route {
  tern_ipv4_iface *iface;
  tern_ipv4_addr src;      /* the interface's address */
  tern_ipv4_addr next_hop; /* dst when on-link or broadcast, else gateway */
  uint16_t mtu;            /* the device's MTU: the largest IP datagram */
  uint16_t headroom;       /* the device's headroom + 20 (the IP header):
                              reserve this in front of a transport header */
  bool local;              /* dst is one of our addresses (loopback) */
} tern_ipv4_route;

/* Looks up the route to dst: one of our addresses (looped back, on that
 * interface); else the first interface whose subnet holds dst (on-link;
 * the subnet broadcast included); 255.255.255.255 goes out the first
 * interface; else the first interface with a gateway. Interfaces without
 * an address are skipped. Returns 0 or TERN_ENETUNREACH. */
int tern_ipv4_route_lookup(tern_ipv4_stack *stack, const tern_ipv4_addr *dst,
                           tern_ipv4_route *out);

/* Sends a datagram. pkt's data is the IP payload (a transport header and
 * its data), best with route.headroom bytes of headroom (with fewer, the
 * data is moved back in its buffer if the tailroom allows); the IP header
 * (20 bytes: identification from the stack's counter, DF set, ttl or
 * TERN_IPV4_DEFAULT_TTL when 0, TOS 0) is pushed in front, pkt->next_hop
 * set, and the packet queued on the interface for the runner (woken).
 * src NULL or 0.0.0.0 means the interface's address. Takes ownership of
 * pkt in every case (freed on error). Returns 0, TERN_ENETUNREACH (no
 * route), TERN_EMSGSIZE (longer than the interface's MTU: no
 * fragmentation), TERN_ENOSPC (no room for the headers, counted in
 * tx_no_room) or TERN_EINVAL. */
int tern_ipv4_output(tern_ipv4_stack *stack, tern_pkt *pkt,
                     const tern_ipv4_addr *src, const tern_ipv4_addr *dst,
                     uint8_t protocol, uint8_t ttl);

/* Sends a datagram along a route the caller already looked up (a
 * transport that needed the route's src and headroom for its own header),
 * instead of looking it up again: as tern_ipv4_output with src the
 * route's (r->src; set it to send from another of our addresses). r must
 * come from tern_ipv4_route_lookup on this stack, for this dst, and be
 * used before the stack's interfaces change (added, address set): it
 * holds the interface and its MTU and headroom as they were. Takes
 * ownership of pkt in every case. Returns 0, TERN_EMSGSIZE, TERN_ENOSPC
 * (as tern_ipv4_output) or TERN_EINVAL (pkt, r or dst NULL, or r's
 * interface not one of this stack's). */
int tern_ipv4_output_route(tern_ipv4_stack *stack, tern_pkt *pkt,
                           const tern_ipv4_route *r, const tern_ipv4_addr *dst,
                           uint8_t protocol, uint8_t ttl);

/* Whether addr is 255.255.255.255 or the subnet broadcast of one of the
 * stack's interfaces. */
bool tern_ipv4_is_broadcast(const tern_ipv4_stack *stack,
                            const tern_ipv4_addr *addr);

/* A copy of the stack's counters. */
tern_ipv4_stats tern_ipv4_get_stats(const tern_ipv4_stack *stack);

#ifdef __cplusplus
}
#endif

#endif /* TERN_IPV4_H */
