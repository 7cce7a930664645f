/* IPv4 with ICMPv4, as a family of the IP core (tern/ip.h): input checks,
 * routing over the core's interfaces, the header of every datagram this
 * host sends, echo replies, rate-limited unreachables and the ICMP errors
 * passed to transports.
 *
 *   static tern_ip_stack ip;
 *   static tern_ipv4_layer v4;
 *   static tern_ip_iface eth0;
 *   tern_ip_stack_init(&ip, &pool, &rng);
 *   tern_ipv4_init(&v4, &ip);
 *   tern_ip_iface_add(&ip, &eth0, dev);
 *   tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
 *   tern_ipv4_set_addr(&eth0, &a, 24, &gw);
 *
 * Received datagrams (RFC 791, RFC 1122 3.2.1): the header is checked and
 * parsed by the wire library (tern_ipv4_check: version, IHL, total length
 * against the buffer, checksum), link padding trimmed, options skipped;
 * any TTL is delivered (RFC 1122 3.2.1.7). The
 * source must be one host (RFC 1122 3.2.1.3: not broadcast, multicast,
 * 127/8, nor our subnet broadcast), and neither 0/8 nor one of our own
 * addresses unless the datagram was looped back by this host (a forged
 * "land" datagram would otherwise make us talk to ourselves). The
 * destination must be the interface's address, a broadcast, or, on an
 * interface that has no address yet, anything unicast (delivered with
 * TERN_IP_RX_UNCONFIGURED: a DHCP client's offer). A unicast datagram
 * that came in a link-layer broadcast is dropped (RFC 1122 3.3.6). A
 * fragment to our unicast address goes to the reassembler, if one is
 * attached (tern/reassembly.h); other fragments are dropped. Every drop
 * is counted in tern_ipv4_stats.
 *
 * Sent datagrams get a 20-byte header: DF set (no fragmentation here) but
 * for ICMP's, TTL 64 unless the transport asks, and an identification:
 * 0 for atomic datagrams (DF set: RFC 6864 section 4 gives theirs no
 * meaning), and for ICMP's, which go without DF, RFC 7739's (a keyed
 * hash of the addresses and protocol, plus a counter per hash bucket: not
 * a global counter an observer can read traffic from). */
#ifndef TERN_IPV4_H
#define TERN_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/err.h"
#include "tern/icmpv4_wire.h"
#include "tern/ip.h"
#include "tern/ipv4_wire.h"
#include "tern/port.h"
#include "tern/siphash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The TTL of datagrams this host originates when the caller passes 0
 * (RFC 1700 / IANA recommended default, what Linux uses); multicast
 * gets 1 instead (RFC 1112 6.1). */
#define TERN_IPV4_DEFAULT_TTL 64

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

/* The smallest device MTU an interface's IPv4 address is accepted on.
 * Without reassembly, a host can take only what arrives in one piece, and
 * RFC 791 (and RFC 1122 3.3.2) says every host must accept 576-byte
 * datagrams. */
#define TERN_IPV4_MIN_MTU 576

/* Counters of the IPv4 layer. They wrap at 2^32. Every IPv4 packet the
 * core hands over is counted in rx_packets and then in exactly one of
 * rx_delivered or a drop counter; rx_delivered ones may still be dropped
 * by ICMP or a transport (counted there). */
typedef struct tern_ipv4_stats {
  uint32_t rx_packets;   /* IPv4 packets from the devices (and loopback) */
  uint32_t rx_delivered; /* passed every IP check: for us and well formed */
  /* Dropped by the header check, indexed by -tern_ipv4_drop: truncated,
   * version, IHL, total length, checksum, fragment ([6]: fragments
   * dropped without a reassembler, or not to our unicast address). [0]
   * is unused. */
  uint32_t rx_drop[TERN_IPV4_DROP_COUNT];
  uint32_t rx_drop_bad_src;    /* source not a host address (3.2.1.3), 0/8,
                                  or ours without being looped back */
  uint32_t rx_drop_not_for_us; /* destination not ours: no forwarding */
  uint32_t rx_drop_link_bcast; /* unicast in a link broadcast (3.3.6) */
  uint32_t rx_drop_proto;      /* no handler for the protocol (answered
                                  protocol unreachable) */
  uint32_t rx_drop_transport;  /* a handler returned TERN_IP_DROP */
  uint32_t rx_fragments;       /* fragments taken by the reassembler but
                                  the ones that completed a datagram (those
                                  count as the datagram); its stats say
                                  what became of them */
  uint32_t tx_no_route;        /* an ICMP answer found no route back */
  uint32_t tx_too_big;         /* longer than the MTU: TERN_EMSGSIZE */
  uint32_t tx_no_room;         /* no room in front for the headers:
                                  TERN_ENOSPC (a send, or an ICMP answer) */
  /* ICMP, of the datagrams delivered with protocol 1: */
  uint32_t icmp_rx_drop[TERN_ICMPV4_DROP_COUNT]; /* by -tern_icmpv4_drop */
  uint32_t icmp_rx_ignored;   /* types not handled (replies, redirects...),
                                 and errors about ours whose quoted
                                 protocol no transport hears errors of */
  uint32_t icmp_rx_errors;    /* errors passed to a transport */
  uint32_t icmp_rx_bad_error; /* errors not about a datagram of ours, or to
                                 a broadcast: ignored */
  uint32_t icmp_echo_bcast;   /* echo requests to a broadcast, ignored */
  uint32_t icmp_echo_replies; /* sent */
  uint32_t icmp_unreach_sent; /* port/protocol unreachable sent */
  uint32_t icmp_rate_limited; /* errors suppressed by the bucket */
  uint32_t icmp_refused;      /* errors RFC 1122 3.2.2 forbids, not sent */
} tern_ipv4_stats;

/* A reassembler (tern/reassembly.h). */
typedef struct tern_ipv4_reasm tern_ipv4_reasm;

/* The IPv4 layer's state. Caller storage; fields are private. */
typedef struct tern_ipv4_layer {
  tern_ip_layer family; /* the stack's handle on the layer */
  tern_ip_stack *stack;
  /* The ICMP error rate limiter: a token bucket kept as one instant, the
   * "theoretical arrival time" of the generic cell rate algorithm. The
   * bucket is full when icmp_tat is not after now; each error moves it one
   * interval later than max(icmp_tat, now), and an error is allowed while
   * icmp_tat stays less than BURST intervals after now. */
  tern_time icmp_tat;
  /* RFC 7739 identification of datagrams sent without DF (ICMP's), all
   * from the RNG: the hash's key and one counter per hash bucket. */
  struct {
    tern_hsiphash_key key;
    uint16_t next[8];
  } ident;
  tern_ipv4_stats stats;
  /* The reassembler tern_ipv4_reasm_init attached, and its input (takes
   * a fragment, with rx's addresses, interface and flags filled in;
   * returns the datagram it completed or NULL), or NULL: the layer calls
   * it through this pointer, so a build without one links none of it. */
  tern_ipv4_reasm *reasm;
  tern_pkt *(*reasm_input)(tern_ipv4_reasm *r, const tern_ip_rx *rx,
                           tern_pkt *frag);
} tern_ipv4_layer;

/* Attaches IPv4 (with ICMP) to the stack: from now on IPv4 packets are
 * received and IPv4 destinations routed. The identification key comes
 * from the stack's RNG. Returns 0, TERN_EINVAL, TERN_EALREADY (the stack
 * has IPv4 already) or TERN_EIO (the RNG failed). */
int tern_ipv4_init(tern_ipv4_layer *v4, tern_ip_stack *stack);

/* Sets an interface's IPv4 address, prefix length (0..32) and default
 * gateway (NULL or 0.0.0.0: none); addr NULL or 0.0.0.0 takes the address
 * away (the interface still sends and receives limited broadcasts: DHCP).
 * Tells the device (tern_netdev_set_addr: the Ethernet adapter answers
 * ARP for it and announces it). Returns 0, or TERN_EINVAL (prefix above
 * 32, an address that cannot be one host's, the subnet's own address or
 * its broadcast with a prefix of 30 or less, a gateway that is the
 * address itself or one of those two, a gateway outside the subnet on a
 * device that resolves next hops (TERN_NETDEV_NEXT_HOP: Ethernet) with a
 * prefix below 32 (a /32's gateway is taken as on-link: ARP asks for it;
 * a point-to-point device such as PPP takes a gateway anywhere), a
 * device MTU below TERN_IPV4_MIN_MTU); nothing changes then. */
int tern_ipv4_set_addr(tern_ip_iface *iface, const tern_ipv4_addr *addr,
                       uint8_t prefix_len, const tern_ipv4_addr *gateway);

/* The interface's IPv4 address (0.0.0.0: none). */
tern_ipv4_addr tern_ipv4_get_addr(const tern_ip_iface *iface);

/* Whether addr is 255.255.255.255 or the subnet broadcast of one of the
 * stack's interfaces. */
bool tern_ipv4_is_broadcast(const tern_ip_stack *stack,
                            const tern_ipv4_addr *addr);

/* Whether addr is the address of one of the stack's interfaces. */
bool tern_ipv4_is_local(const tern_ip_stack *stack, const tern_ipv4_addr *addr);

/* A copy of the layer's counters. */
tern_ipv4_stats tern_ipv4_get_stats(const tern_ipv4_layer *v4);

#ifdef __cplusplus
}
#endif

#endif /* TERN_IPV4_H */
