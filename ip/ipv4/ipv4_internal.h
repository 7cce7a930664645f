/* Shared between ipv4.c and icmpv4.c; not part of the public API. */
#ifndef TERN_IP_IPV4_INTERNAL_H
#define TERN_IP_IPV4_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/ipv4.h"

/* tern_ipv4_output with the TOS byte and DF chosen by the caller (ICMP
 * replies and errors go without DF and, for errors, with TOS 0xc0). */
int tern__ipv4_output_ex(tern_ipv4_stack *stack, tern_pkt *pkt,
                         const tern_ipv4_addr *src, const tern_ipv4_addr *dst,
                         uint8_t protocol, uint8_t ttl, uint8_t tos, bool df);

/* ICMP input: pkt's data is the ICMP message. Takes ownership of pkt. */
void tern__icmpv4_input(tern_ipv4_stack *stack, const tern_ipv4_rx *rx,
                        tern_pkt *pkt);

/* Answers the received datagram dgram[0..len) (the whole IP datagram,
 * header included) with a destination unreachable of the given code, if
 * RFC 1122 3.2.2 and the rate limit allow. Does not take dgram. */
void tern__icmpv4_send_unreach(tern_ipv4_stack *stack, const tern_ipv4_rx *rx,
                               const uint8_t *dgram, size_t len, uint8_t code);

#endif /* TERN_IP_IPV4_INTERNAL_H */
