/* IPv4: input checks, routing, the header of every datagram sent, and the
 * interfaces' IPv4 configuration. ICMP is in icmpv4.c. Headers are parsed
 * and built with the wire library (tern/ipv4_wire.h), the code its tests
 * and fuzzer check. See ipv4.h and README.md. */
#include "tern/ipv4.h"

#include <string.h>

#include "ipv4_internal.h"
#include "tern/bytes.h"
#include "tern/siphash.h"

#define ALL_ONES 0xffffffffu

/* ---- configuration ---- */

tern_ip_iface *tern__ipv4_addr_iface(const tern_ip_stack *stack,
                                     uint32_t addr) {
  for (tern_ip_iface *i = stack->ifaces; i != NULL; i = i->next) {
    if (addr != 0 && addr == i->v4.addr) {
      return i;
    }
  }
  return NULL;
}

bool tern_ipv4_is_local(const tern_ip_stack *stack,
                        const tern_ipv4_addr *addr) {
  return tern__ipv4_addr_iface(stack, tern_ld32(addr->b)) != NULL;
}

/* Whether a (a word in memory order) is no host's by our interfaces'
 * configuration: a subnet broadcast, or 255.255.255.255 once an
 * interface lacks a subnet (its bcast); a subnet's own address (bcast &
 * mask: RFC 1122 3.2.1.3 gives no host a host number of 0; where there is
 * no subnet, /31, /32 or no address, bcast is all ones and this is the
 * mask, 255.255.255.254, all ones or (no address, or /0) 0.0.0.0, which
 * input drops anyway: 0/8 comes only looped back, from an address of
 * ours, never 0.0.0.0); with ours,
 * also an interface's address (asked only of a nonzero a: an interface
 * without one holds 0). One walk for input's tests of a source. */
static bool bcast_or_ours(const tern_ip_stack *stack, uint32_t a, bool ours) {
  for (const tern_ip_iface *i = stack->ifaces; i != NULL; i = i->next) {
    if (a == i->v4.bcast || a == (i->v4.bcast & i->v4.mask) ||
        (ours && a == i->v4.addr)) {
      return true;
    }
  }
  return false;
}

bool tern_ipv4_is_broadcast(const tern_ip_stack *stack,
                            const tern_ipv4_addr *addr) {
  uint32_t a = tern_ld32(addr->b);
  for (const tern_ip_iface *i = stack->ifaces; i != NULL; i = i->next) {
    if (a == i->v4.bcast) {
      return true;
    }
  }
  return a == ALL_ONES;
}

/* The address as a word in memory order, 0 for NULL. */
static uint32_t word_of(const tern_ipv4_addr *a) {
  return a != NULL ? tern_ld32(a->b) : 0;
}

/* Whether w (a word in memory order) is 0.0.0.0 or one host's address:
 * not 0/8, 127/8, or 224/4 and above. */
static bool host_or_none(uint32_t w) {
  uint8_t b0;
  memcpy(&b0, &w, 1);
  return w == 0 || (b0 != 0 && b0 != 127 && b0 < 224);
}

/* Whether a is the own address or the broadcast of its subnet (netmask
 * mask, both words in memory order): no host's (RFC 1122 3.2.1.3); /31
 * and /32 have neither (RFC 3021). */
static bool subnet_edge(uint32_t a, uint32_t mask, uint8_t prefix_len) {
  uint32_t host = a & ~mask;
  return prefix_len <= 30 && (host == 0 || host == ~mask);
}

int tern_ipv4_set_addr(tern_ip_iface *iface, const tern_ipv4_addr *addr,
                       uint8_t prefix_len, const tern_ipv4_addr *gateway) {
  uint32_t ip = word_of(addr), gw = word_of(gateway);
  if (iface == NULL || iface->stack == NULL || prefix_len > 32 ||
      !host_or_none(ip) || !host_or_none(gw)) {
    return TERN_EINVAL;
  }
  /* The netmask as a network-order word. */
  uint8_t m[4];
  tern_put_be32(m, prefix_len == 0 ? 0 : ALL_ONES << (32 - prefix_len));
  uint32_t mask;
  memcpy(&mask, m, 4);
  uint32_t bcast = ALL_ONES;
  if (ip != 0) {
    /* The interface carries IPv4's smallest datagram, and the address is
     * not the subnet's own address or its broadcast. */
    if (iface->mtu < TERN_IPV4_MIN_MTU || subnet_edge(ip, mask, prefix_len)) {
      return TERN_EINVAL;
    }
    /* The gateway is another host: not ours, and on the subnet not one
     * of those two. On a device that resolves next hops (Ethernet's
     * ARP), which reaches only its subnet, a gateway outside it would
     * never resolve, but for a /32, which has no subnet to put one on (a
     * DHCP lease's, a cloud's with RFC 3442 routes): its gateway is taken
     * as on-link, as Linux's onlink routes are, and ARP asks for it. (A
     * point-to-point device sends everything to its one peer, which is
     * often off the subnet: PPP's /32 with the peer as gateway.) */
    if (gw != 0 &&
        (((gw ^ ip) & mask) == 0 /* on the subnet */
             ? gw == ip || subnet_edge(gw, mask, prefix_len)
             : prefix_len < 32 && (iface->flags & TERN_NETDEV_NEXT_HOP) != 0)) {
      return TERN_EINVAL;
    }
    /* /31 and /32 have no subnet broadcast (RFC 3021). */
    if (prefix_len <= 30) {
      bcast = ip | ~mask;
    }
  }
  iface->v4.addr = ip;
  iface->v4.mask = mask;
  iface->v4.bcast = bcast;
  iface->v4.gateway = gw;
  return tern_netdev_set_addr(&iface->dev, (const uint8_t *)&iface->v4.addr, 4);
}

tern_ipv4_addr tern_ipv4_get_addr(const tern_ip_iface *iface) {
  tern_ipv4_addr a;
  memcpy(a.b, &iface->v4.addr, 4);
  return a;
}

tern_ipv4_stats tern_ipv4_get_stats(const tern_ipv4_layer *v4) {
  return v4->stats;
}

/* ---- routing ---- */

int tern__ipv4_route(tern_ip_layer *f, const tern_ip_addr *dst, uint8_t scope,
                     tern_ip_route *out) {
  tern_ipv4_layer *v4 = TERN_CONTAINER_OF(f, tern_ipv4_layer, family);
  uint32_t d = dst->u.w[0];
  bool multicast = (dst->u.v4.b[0] & 0xf0) == 0xe0;
  /* How good a match each interface is: ALL_ONES dst is its address
   * (loopback); above 2, dst is on its subnet, the longer the prefix the
   * better; 2 a broadcast or multicast sent there; 1 it has a gateway.
   * The first best one that is up wins. A longer prefix's netmask holds
   * every bit of a shorter one's, so as a word (in memory order, either
   * byte order) it is the larger; the rank is half of it rounded up (no
   * two netmasks round to one: the one with bit 0 would hold the other's
   * bits) plus 2, below ALL_ONES even for a /31. The limited broadcast
   * goes out of the interface asked for, or the first, even one without
   * an address yet (a DHCP client broadcasts from 0.0.0.0). Our own
   * address takes no link: the first interface that has it wins, up or
   * down (Linux delivers it through lo without a carrier). */
  tern_ip_iface *best = NULL;
  uint32_t rank = 0;
  int rc = TERN_ENETUNREACH;
  /* 0/8 is only ever a source, and 127/8 never leaves a host (RFC 1122
   * 3.2.1.3): no route, not even through the gateway. */
  unsigned d0 = dst->u.v4.b[0];
  if (d0 == 0 || d0 == 127) {
    return rc;
  }
  for (tern_ip_iface *i = v4->stack->ifaces; i != NULL; i = i->next) {
    uint32_t a = i->v4.addr;
    uint32_t k;
    if (scope != 0 && i->id != scope) {
      continue;
    }
    if (d == ALL_ONES) {
      k = 2;
    } else if (a == 0) {
      continue;
    } else if (d == a) {
      rank = ALL_ONES;
      best = i;
      break;
    } else if (multicast) {
      k = 2;
    } else if (((d ^ a) & i->v4.mask) == 0) {
      k = i->v4.mask - (i->v4.mask >> 1) + 2;
    } else {
      k = i->v4.gateway != 0;
    }
    if (k <= rank) {
      continue;
    }
    if (!tern_ip_iface_up(i)) {
      rc = TERN_ENETDOWN;
      continue;
    }
    rank = k;
    best = i;
  }
  if (best == NULL) {
    return rc;
  }
  /* A subnet broadcast goes out as a link broadcast, as the limited one
   * does: resolving it would give it to whoever answers ARP for it. The
   * bytes of the addresses after the first four are not set. */
  if (d == best->v4.bcast) {
    d = ALL_ONES;
  }
  bool broadcast = d == ALL_ONES;
  out->iface = best;
  out->src.family = TERN_IP_V4;
  out->src.u.w[0] = best->v4.addr;
  out->next_hop.family = TERN_IP_V4;
  out->next_hop.u.w[0] = rank == 1 ? best->v4.gateway : d;
  /* (An IP device's MTU is 68 at least: the netdev contract.) */
  out->max_len = (uint16_t)(best->mtu - TERN_IPV4_HEADER_LEN);
  out->headroom = (uint16_t)(best->headroom + TERN_IPV4_HEADER_LEN);
  out->tos = 0;
  out->flags = (uint8_t)((rank == ALL_ONES ? TERN_IP_ROUTE_LOCAL : 0) |
                         (broadcast ? TERN_IP_ROUTE_BROADCAST : 0));
  return 0;
}

/* ---- output ---- */

/* The identification (README.md, "Identification"). An atomic datagram
 * (DF set, not a fragment: every transport's datagram here) gets 0: RFC
 * 6864 section 4 gives its identification no meaning and lets the source
 * set any value, and a constant tells an observer nothing (no traffic
 * count, no boot time, no counter another destination shares). Only a
 * datagram that may be fragmented on its way (ICMP's, sent without DF)
 * needs values that do not repeat: RFC 7739 section 5.3's hash-based
 * scheme, a keyed hash of the addresses and protocol picking one of eight
 * counters and offsetting it, so each destination sees its own sequence.
 * The hash is of the header's bytes 9 to 19 as tern_ipv4_emit_flow left
 * them: protocol, a zero checksum, source and destination. */
static unsigned next_ident(tern_ipv4_layer *v4, const uint8_t *h, bool atomic) {
  if (atomic) {
    return 0;
  }
  uint32_t x = tern_hsiphash(&v4->ident.key, h + 9, 11);
  return x + v4->ident.next[x >> 29]++;
}

int tern__ipv4_send(tern_ip_layer *f, tern_pkt *pkt, const tern_ip_route *r,
                    const tern_ip_addr *to, uint8_t protocol, uint8_t ttl) {
  tern_ipv4_layer *v4 = TERN_CONTAINER_OF(f, tern_ipv4_layer, family);
  const uint8_t *dst = to->u.v4.b;
  size_t len = tern_pkt_len(pkt);
  uint32_t *count = &v4->stats.tx_too_big;
  int rc = TERN_EMSGSIZE; /* no fragmentation */
  if (len > r->max_len) {
    goto fail;
  }
  count = &v4->stats.tx_no_room;
  rc = TERN_ENOSPC;
  if (tern_ip_make_room(pkt, r->headroom) != 0) {
    goto fail;
  }
  /* make_room left r->headroom (the device's and ours) in front. */
  TERN_MUST(tern_pkt_push(pkt, TERN_IPV4_HEADER_LEN) != NULL);
  uint8_t *h = tern_pkt_data(pkt);
  tern_ipv4_emit_flow(h, r->src.u.v4.b, dst, protocol);
  /* ICMP messages go without DF, like Linux's; transports' datagrams with
   * it (no fragmentation here). */
  bool dont_frag = protocol != TERN_IP_PROTO_ICMP;
  /* No TTL chosen: 1 for multicast, which only an explicit choice takes
   * past the link (RFC 1112 6.1), the default for the rest. */
  if (ttl == 0) {
    ttl = (dst[0] & 0xf0) == 0xe0 ? 1 : TERN_IPV4_DEFAULT_TTL;
  }
  tern_ipv4_emit_finish(h, r->tos, len, next_ident(v4, h, dont_frag), dont_frag,
                        ttl);
  if ((r->iface->flags & TERN_NETDEV_NEXT_HOP) != 0) {
    /* The device counts the next hop's bytes in its headroom (the netdev
     * contract), so they are not the header's. */
    memcpy(tern_pkt_next_hop(pkt), r->next_hop.u.v4.b, TERN_PKT_NEXT_HOP4_LEN);
  }
  return tern_ip_enqueue(v4->stack, r->iface, pkt,
                         (r->flags & TERN_IP_ROUTE_LOCAL) != 0);
fail:
  (*count)++;
  tern_pkt_free(pkt);
  return rc;
}

/* ---- input (RFC 791, RFC 1122 3.2.1) ---- */

static void input(tern_ip_layer *f, tern_ip_iface *iface, tern_pkt *pkt) {
  tern_ipv4_layer *v4 = TERN_CONTAINER_OF(f, tern_ipv4_layer, family);
  tern_ipv4_stats *st = &v4->stats;
  uint32_t *count;
  st->rx_packets++;
  /* One check up front (the wire library's), then its accessors. */
  const uint8_t *h = tern_pkt_data(pkt);
  int rc = tern_ipv4_check(h, tern_pkt_len(pkt));
  if (rc != 0) {
    count = &st->rx_drop[-rc];
    goto drop;
  }
  tern_ip_rx rx;
  uint32_t src = tern_ld32(tern_ipv4_src(h)), dst = tern_ld32(tern_ipv4_dst(h));
  rx.src.family = TERN_IP_V4;
  rx.src.u.w[0] = src;
  rx.dst.family = TERN_IP_V4;
  rx.dst.u.w[0] = dst;
  unsigned s0 = tern_ipv4_src(h)[0];
  unsigned flags = TERN_IP_RX_LINK(pkt->link_cast);
  /* RFC 1122 3.2.1.3: a source must be one host: not multicast, class E,
   * 255.255.255.255, 127/8 or a subnet broadcast of any of our
   * interfaces (an answer to it would reach a whole subnet). And 0/8 and
   * our own addresses only from ourselves: from the wire they are forged
   * (a "land" datagram to the echo port would loop for ever). */
  count = &st->rx_drop_bad_src;
  bool wire = (flags & TERN_IP_RX_LOOPBACK) == 0;
  if (s0 >= 224 || s0 == 127 || (wire && s0 == 0) ||
      bcast_or_ours(v4->stack, src, wire)) {
    goto drop;
  }
  /* For this interface's address or a broadcast; on an interface with
   * no address yet, any one host's (a DHCP offer to the address offered):
   * not 0/8, 127/8 or class E. Multicast has no group membership here
   * yet. Hosts do not forward. */
  count = &st->rx_drop_not_for_us;
  unsigned d0 = tern_ipv4_dst(h)[0];
  if (dst == ALL_ONES || dst == iface->v4.bcast) {
    flags |= TERN_IP_RX_BROADCAST;
  } else if (d0 >= 224 || d0 == 0 || d0 == 127) {
    goto drop;
  } else if (iface->v4.addr == 0) {
    flags |= TERN_IP_RX_UNCONFIGURED;
  } else if (dst != iface->v4.addr) {
    goto drop;
  }
  /* RFC 1122 3.3.6: a unicast datagram in a link-layer broadcast is
   * someone's mistake or a trick; drop it. */
  count = &st->rx_drop_link_bcast;
  if ((flags & (TERN_IP_RX_LINK_BROADCAST | TERN_IP_RX_LINK_MULTICAST)) != 0 &&
      (flags & TERN_IP_RX_BROADCAST) == 0) {
    goto drop;
  }
  rx.flags = (uint8_t)flags;
  rx.iface = iface;
  /* A fragment plainly to our address goes to the reassembler, if there
   * is one; the datagram it completes goes on from here in its place
   * (the same addresses, the first fragment's header). */
  if (tern_ipv4_is_fragment(h)) {
    count = &st->rx_drop[-TERN_IPV4_DROP_FRAGMENT];
    if (v4->reasm == NULL || flags != 0) {
      goto drop;
    }
    pkt = v4->reasm_input(v4->reasm, &rx, pkt);
    if (pkt == NULL) {
      st->rx_fragments++; /* kept or dropped: the reassembler counts it */
      return;
    }
    h = tern_pkt_data(pkt);
  }
  st->rx_delivered++;
  rx.protocol = tern_ipv4_protocol(h);
  rx.ttl = tern_ipv4_ttl(h);
  rx.tos = tern_ipv4_tos(h);
  /* The payload; link padding is not part of the datagram (the check
   * made header <= total <= len). */
  unsigned hlen = (unsigned)tern_ipv4_header_len(h);
  TERN_MUST(tern_pkt_trim(pkt, tern_ipv4_total_len(h)) == 0);
  TERN_MUST(tern_pkt_pull(pkt, hlen) != NULL);
  if (rx.protocol == TERN_IP_PROTO_ICMP) {
    tern__icmpv4_input(v4, &rx, pkt);
    return;
  }
  tern_ip_verdict v = tern_ip_deliver(v4->stack, &rx, pkt);
  if (v == TERN_IP_NO_LISTENER || v == TERN_IP_NO_PROTOCOL) {
    bool port = v == TERN_IP_NO_LISTENER;
    if (!port) {
      st->rx_drop_proto++;
    }
    if (tern__icmpv4_error(
            v4, &rx, pkt, hlen, TERN_ICMPV4_DEST_UNREACH,
            port ? TERN_ICMPV4_PORT_UNREACH : TERN_ICMPV4_PROTO_UNREACH)) {
      st->icmp_unreach_sent++;
    }
    return;
  }
  if (v == TERN_IP_DROP) {
    st->rx_drop_transport++;
  }
  tern_pkt_free(pkt);
  return;
drop:
  (*count)++;
  tern_pkt_free(pkt);
}

/* ---- attaching ---- */

static tern_ip_iface *addr_iface(tern_ip_layer *f, const tern_ip_addr *addr) {
  tern_ipv4_layer *v4 = TERN_CONTAINER_OF(f, tern_ipv4_layer, family);
  return tern__ipv4_addr_iface(v4->stack, addr->u.w[0]);
}

static const tern_ip_family_ops ops = {input, tern__ipv4_route, tern__ipv4_send,
                                       addr_iface, NULL};

int tern_ipv4_init(tern_ipv4_layer *v4, tern_ip_stack *stack) {
  if (v4 == NULL || stack == NULL) {
    return TERN_EINVAL;
  }
  if (stack->v4 != NULL) {
    return TERN_EALREADY;
  }
  memset(v4, 0, sizeof *v4);
  v4->family.ops = &ops;
  v4->stack = stack;
  /* The key and the counters' starting points: nothing an observer can
   * know. icmp_tat 0: the bucket is full. */
  if (tern_rng_fill(&stack->rng, &v4->ident, sizeof v4->ident) != 0) {
    return TERN_EIO;
  }
  stack->v4 = &v4->family;
  return 0;
}
