/* What ipv4.c (input, routing, headers) and icmpv4.c (ICMP) share. Not a
 * public header. */
#ifndef TERN_IPV4_INTERNAL_H
#define TERN_IPV4_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/ipv4.h"

/* The family's send (f the IPv4 layer's): puts a 20-byte header in front
 * of pkt (its data the payload) for route r, from r->src to dst, with TTL
 * ttl (0: 1 to a multicast group, else TERN_IPV4_DEFAULT_TTL), TOS r->tos
 * (0 as routing left it; ICMP sets its answers')
 * and DF unless it is ICMP, and the next hop at tern_pkt_next_hop() when
 * the device wants it, and queues it on r->iface (for loopback when r is
 * local) with tern_ip_enqueue: every datagram IPv4 sends, a transport's
 * and ICMP's, goes out here. Takes pkt (a header that cannot be put is
 * counted here, a queue that refuses counts there). Returns 0,
 * TERN_EMSGSIZE, TERN_ENOSPC, TERN_ENETDOWN or TERN_EAGAIN. */
int tern__ipv4_send(tern_ip_layer *f, tern_pkt *pkt, const tern_ip_route *r,
                    const tern_ip_addr *dst, uint8_t protocol, uint8_t ttl);

/* The interface whose address addr (a word in memory order) is, or NULL
 * (0.0.0.0 is none's). */
tern_ip_iface *tern__ipv4_addr_iface(const tern_ip_stack *stack, uint32_t addr);

/* The IPv4 route to dst (the family's route function). */
int tern__ipv4_route(tern_ip_layer *f, const tern_ip_addr *dst, uint8_t scope,
                     tern_ip_route *out);

/* A delivered ICMP message (rx as for a transport; pkt's data the ICMP
 * message). Takes pkt. */
void tern__icmpv4_input(tern_ipv4_layer *v4, const tern_ip_rx *rx,
                        tern_pkt *pkt);

/* Answers a datagram with an ICMP error of the given type and code: a
 * destination unreachable for one nobody takes (RFC 1122 3.2.2.1), a time
 * exceeded for one not reassembled in time (3.3.2); unless RFC 1122 3.2.2
 * forbids it or the rate limit says no. pkt's data is the IP payload,
 * hlen bytes of header in front. Takes pkt. Returns whether the error
 * was queued. */
bool tern__icmpv4_error(tern_ipv4_layer *v4, const tern_ip_rx *rx,
                        tern_pkt *pkt, unsigned hlen, uint8_t type,
                        uint8_t code);

#endif /* TERN_IPV4_INTERNAL_H */
