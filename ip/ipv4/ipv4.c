/* The IPv4 layer with ICMPv4: interfaces, routing, input checks,
 * dispatch, echo replies, rate-limited unreachables, the runner. See
 * ipv4.h and README.md.
 *
 * Written for size (Cortex-M0 is the target that counts): received headers
 * are checked with tern_ipv4_check and then read in place, addresses are
 * compared as host-order words against what set_addr precomputed, every
 * drop leaves through one exit that bumps the counter it was given, and
 * one routine writes every header this host sends. */
#include "tern/ipv4.h"

#include <stddef.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"
#include "tern/timer.h"

#define ALL_ONES 0xffffffffu

/* Linux sends ICMP errors with precedence "internetwork control" (TOS
 * 0xc0, RFC 791 3.1, RFC 1812 4.3.2.5), and so do we, so errors match the
 * kernel's on the wire. */
#define ERROR_TOS 0xc0

/* What emit puts in a header besides lengths, ident and addresses: TTL,
 * protocol, TOS and the flags byte (DF is 0x40), one per byte, so that
 * the header words are composed with a mask and a shift. The composition
 * assumes little-endian words (Cortex-M, x86, arm64 hosts). */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "emit() composes header words little-endian"
#endif
#define CTL(proto, ttl, tos, flags)                                   \
  ((uint32_t)(ttl) | (uint32_t)(proto) << 8 | (uint32_t)(tos) << 16 | \
   (uint32_t)(flags) << 24)
#define FLAGS_DF 0x40

/* Makes gcc materialise x here, in a low register, instead of sinking
 * the assignment into a stub on the branch that uses it: a drop check
 * then is `movs; cmp; b<cond> drop` with no stub and no far branch. */
#if defined(__thumb__)
#define PIN(x) __asm__("" : "+l"(x)) /* l: r0-r7, what Thumb-1 reaches */
#else
#define PIN(x) __asm__("" : "+r"(x))
#endif

/* A counter's offset in tern_ipv4_stats. */
#define AT(counter) offsetof(tern_ipv4_stats, counter)

/* Four bytes anywhere (packet data may be unaligned on Cortex-M0) as a
 * word in network order, to compare with the interfaces' words. Out of
 * line (gcc -Os makes it so): on Cortex-M0 the unaligned load is four
 * byte loads and three merges, smaller as one shared call. */

/* A word that may alias anything, for fields known to be word aligned
 * whose type says bytes (tern_ipv4_addr): gcc turns a memcpy into them
 * into a call on Cortex-M0, it cannot see they are aligned. */
typedef uint32_t __attribute__((may_alias)) word;
_Static_assert(offsetof(tern_ipv4_route, src) % 4 == 0 &&
                   offsetof(tern_ipv4_route, next_hop) % 4 == 0 &&
                   offsetof(tern_ipv4_route, mtu) % 4 == 0 &&
                   offsetof(tern_ipv4_route, headroom) ==
                       offsetof(tern_ipv4_route, mtu) + 2 &&
                   offsetof(tern_ipv4_iface, mtu) % 4 == 0 &&
                   offsetof(tern_ipv4_iface, headroom) ==
                       offsetof(tern_ipv4_iface, mtu) + 2 &&
                   offsetof(tern_pkt, next_hop) % 4 == 0 &&
                   offsetof(tern_ipv4_rx, src) % 4 == 0 &&
                   offsetof(tern_ipv4_rx, dst) ==
                       offsetof(tern_ipv4_rx, src) + 4,
               "the word copies need these layouts");

/* ---- set-up ---- */

int tern_ipv4_stack_init(tern_ipv4_stack *stack, tern_pkt_pool *pool) {
  if (stack == NULL || pool == NULL) {
    return TERN_EINVAL;
  }
  memset(stack, 0, sizeof *stack);
  stack->pool = pool;
  /* icmp_tat 0: the bucket is full (0 is not after now, but for the 800
   * ms before the clock wraps, when it is a few tokens short). */
  return 0;
}

/* Reads dev's MTU and headroom into the interface: 0, or TERN_EINVAL for
 * a device that is not an IP one or whose MTU is below the floor (so no
 * later path has to check). */
static inline __attribute__((always_inline)) int load_dev(
    tern_ipv4_iface *iface, tern_netdev dev) {
  tern_netdev_info info = tern_netdev_get_info(&dev);
  if (info.medium != TERN_MEDIUM_IP || info.mtu < TERN_IPV4_MIN_MTU) {
    return TERN_EINVAL;
  }
  iface->mtu = info.mtu;
  iface->headroom = (uint16_t)(info.headroom + TERN_IPV4_HEADER_LEN);
  return 0;
}

/* Sets the interface's address, gateway and the words derived from them,
 * and tells the device. Inlined in both callers: the firmware links one. */
static inline __attribute__((always_inline)) int set_addr(
    tern_ipv4_iface *iface, const tern_ipv4_addr *addr, uint8_t prefix_len,
    const tern_ipv4_addr *gateway) {
  uint32_t ip = addr != NULL ? tern_ld32(addr) : 0;
  iface->ip = ip;
  iface->gw = gateway != NULL ? tern_ld32(gateway) : 0;
  /* The netmask as a network-order word: the host-order one, byte
   * swapped where words are little-endian (rev on Cortex-M0). */
  uint32_t m = prefix_len == 0 ? 0 : ALL_ONES << (32 - prefix_len);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  m = __builtin_bswap32(m);
#endif
  iface->mask = m;
  /* /31 and /32 have no subnet broadcast (RFC 3021). */
  iface->bcast = ip != 0 && prefix_len <= 30 ? ip | ~m : ALL_ONES;
  tern_netdev_set_ipv4(&iface->dev, iface->addr.b);
  return 0;
}

int tern_ipv4_iface_set_addr(tern_ipv4_iface *iface, const tern_ipv4_addr *addr,
                             uint8_t prefix_len,
                             const tern_ipv4_addr *gateway) {
  if (iface == NULL || iface->stack == NULL || prefix_len > 32 ||
      load_dev(iface, iface->dev) != 0) {
    return TERN_EINVAL;
  }
  return set_addr(iface, addr, prefix_len, gateway);
}

int tern_ipv4_iface_add(tern_ipv4_stack *stack, tern_ipv4_iface *iface,
                        tern_netdev dev, const tern_ipv4_addr *addr,
                        uint8_t prefix_len, const tern_ipv4_addr *gateway) {
  if (stack == NULL || iface == NULL || dev.ops == NULL || prefix_len > 32) {
    return TERN_EINVAL;
  }
  tern_ipv4_iface **tail = &stack->ifaces;
  for (; *tail != NULL; tail = &(*tail)->next) {
    if (*tail == iface) {
      return TERN_EINVAL;
    }
  }
  if (load_dev(iface, dev) != 0) {
    return TERN_EINVAL;
  }
  /* Every other field is set here, in load_dev or in set_addr (txq_tail
   * is read only when txq_head is not NULL). */
  iface->next = NULL;
  iface->rx_down = false;
  iface->txq_head = NULL;
  iface->stack = stack;
  iface->dev = dev;
  *tail = iface;
  return set_addr(iface, addr, prefix_len, gateway);
}

int tern_ipv4_register_proto(tern_ipv4_stack *stack, tern_ipv4_proto *proto) {
  if (stack == NULL || proto == NULL || proto->input == NULL) {
    return TERN_EINVAL;
  }
  if (proto->protocol == TERN_IP_PROTO_ICMP) {
    return TERN_EADDRINUSE;
  }
  /* proto itself, registered already, has its own protocol: so it is
   * refused here too, and the list never loops. */
  for (tern_ipv4_proto *p = stack->protos; p != NULL; p = p->next) {
    if (p->protocol == proto->protocol) {
      return TERN_EADDRINUSE;
    }
  }
  proto->next = stack->protos;
  stack->protos = proto;
  return 0;
}

void tern_ipv4_stack_stop(tern_ipv4_stack *stack) {
  stack->stopped = true;
  tern_waker_slot_wake(&stack->runner);
}

bool tern_ipv4_is_broadcast(const tern_ipv4_stack *stack,
                            const tern_ipv4_addr *addr) {
  uint32_t a = tern_ld32(addr);
  bool b = a == ALL_ONES;
  for (const tern_ipv4_iface *i = stack->ifaces; i != NULL; i = i->next) {
    b |= a == i->bcast;
  }
  return b;
}

tern_ipv4_stats tern_ipv4_get_stats(const tern_ipv4_stack *stack) {
  return stack->stats;
}

/* ---- routing and output ---- */

int tern_ipv4_route_lookup(tern_ipv4_stack *stack, const tern_ipv4_addr *dst,
                           tern_ipv4_route *out) {
  if (stack == NULL || dst == NULL || out == NULL) {
    return TERN_EINVAL;
  }
  uint32_t d = tern_ld32(dst);
  /* How good a match each interface is: 3 it is dst's (loopback), 2 dst
   * is on its subnet, 1 it has a gateway. The first best one wins. The
   * limited broadcast goes out of the first interface, even one without
   * an address yet (a DHCP client broadcasts from 0.0.0.0). */
  tern_ipv4_iface *best = stack->ifaces;
  unsigned rank = 2;
  if (d != ALL_ONES) {
    best = NULL;
    rank = 0;
    for (tern_ipv4_iface *i = stack->ifaces; i != NULL; i = i->next) {
      if (i->ip == 0) {
        continue;
      }
      unsigned k = d == i->ip                     ? 3
                   : ((d ^ i->ip) & i->mask) == 0 ? 2
                                                  : i->gw != 0;
      if (k > rank) {
        rank = k;
        best = i;
      }
    }
  }
  if (best == NULL) {
    return TERN_ENETUNREACH;
  }
  out->iface = best;
  out->src = best->addr;
  *(word *)&out->next_hop = rank == 1 ? best->gw : d;
  /* mtu and headroom: one word in both (aligned at offsets 12 and 48). */
  *(word *)&out->mtu = *(const word *)&best->mtu;
  out->local = rank == 3;
  return 0;
}

/* Makes pkt's headroom at least n bytes: when it is short, the data moves
 * back in its buffer, if the tailroom allows. Returns 0, or nonzero when
 * it cannot (the caller counts it in tx_no_room). */
static int make_room(tern_pkt *pkt, unsigned n) {
  unsigned head = pkt->head;
  if (head >= n) {
    return 0;
  }
  if (n + pkt->len > pkt->pool->buf_size) {
    return 1;
  }
  uint8_t *buf = (uint8_t *)(pkt + 1);
  memmove(buf + n, buf + head, pkt->len);
  pkt->head = (uint16_t)n;
  return 0;
}

/* Puts the 20-byte header in front of pkt (its data the payload; RFC
 * 791: src the route's, ctl: see CTL), queues the datagram on the route's
 * interface (loopback too: the runner receives it) and wakes the runner.
 * The stack is the route's interface's. (ctl first: the public callers
 * have pkt, r and dst in the registers emit wants them in.) Takes pkt in every
 * case and counts every failure. The one place that writes a header:
 * transports' datagrams, echo replies and ICMP errors. */
static int emit(uint32_t ctl, tern_pkt *pkt, const tern_ipv4_route *r,
                const tern_ipv4_addr *dst) {
  tern_ipv4_iface *i = r->iface;
  tern_ipv4_stack *stack = i->stack;
  tern_ipv4_stats *st = &stack->stats;
  unsigned len = pkt->len + TERN_IPV4_HEADER_LEN;
  int rc = TERN_EMSGSIZE; /* no fragmentation */
  if (len > r->mtu) {
    st->tx_too_big++;
    goto fail;
  }
  rc = TERN_ENOSPC;
  if (make_room(pkt, r->headroom) != 0) {
    st->tx_no_room++;
    goto fail;
  }
  pkt->head = (uint16_t)(pkt->head - TERN_IPV4_HEADER_LEN);
  pkt->len = (uint16_t)len;
  /* The header is built as five aligned words (word stores, the
   * addresses as loaded) and copied into the packet at once. */
  union {
    uint8_t b[TERN_IPV4_HEADER_LEN];
    uint32_t w[TERN_IPV4_HEADER_LEN / 4];
  } x;
  x.w[0] = 0x45 | (ctl >> 8 & 0xff00) | (uint32_t)__builtin_bswap16(len) << 16;
  x.w[1] = __builtin_bswap16(stack->next_ident++) | (ctl >> 8 & 0xff0000);
  x.w[2] = ctl & 0xffff; /* TTL, protocol, checksum 0 */
  x.w[3] = *(const word *)&r->src;
  x.w[4] = tern_ld32(dst);
  uint16_t c = tern_checksum(x.b, TERN_IPV4_HEADER_LEN);
  x.b[10] = (uint8_t)(c >> 8);
  x.b[11] = (uint8_t)c;
  memcpy(tern_pkt_data(pkt), x.b, TERN_IPV4_HEADER_LEN);
  *(word *)pkt->next_hop = *(const word *)&r->next_hop; /* both aligned */
  /* For loopback (r->local) next_hop is the interface's address: the
   * runner receives it instead of sending it (and counts tx_loopback). */
  pkt->next = NULL;
  if (i->txq_head == NULL) {
    i->txq_head = pkt;
  } else {
    i->txq_tail->next = pkt;
  }
  i->txq_tail = pkt;
  tern_waker_slot_wake(&stack->runner);
  return 0;
fail:
  tern_pkt_free(pkt);
  return rc;
}

int tern_ipv4_output_route(tern_ipv4_stack *stack, tern_pkt *pkt,
                           const tern_ipv4_route *r, const tern_ipv4_addr *dst,
                           uint8_t protocol, uint8_t ttl) {
  if (pkt == NULL) {
    return TERN_EINVAL;
  }
  /* A route from another stack (or none) is refused: emit takes the
   * stack from the route's interface. (stack NULL: no interface has.) */
  if (r == NULL || dst == NULL || r->iface == NULL ||
      r->iface->stack != stack) {
    tern_pkt_free(pkt);
    return TERN_EINVAL;
  }
  return emit(
      CTL(protocol, ttl != 0 ? ttl : TERN_IPV4_DEFAULT_TTL, 0, FLAGS_DF), pkt,
      r, dst);
}

int tern_ipv4_output(tern_ipv4_stack *stack, tern_pkt *pkt,
                     const tern_ipv4_addr *src, const tern_ipv4_addr *dst,
                     uint8_t protocol, uint8_t ttl) {
  if (pkt == NULL) {
    return TERN_EINVAL;
  }
  tern_ipv4_route r;
  int rc = tern_ipv4_route_lookup(stack, dst, &r);
  if (rc != 0) {
    if (rc == TERN_ENETUNREACH) {
      stack->stats.tx_no_route++;
    }
    tern_pkt_free(pkt);
    return rc;
  }
  uint32_t s = src != NULL ? tern_ld32(src) : 0;
  if (s != 0) {
    *(word *)&r.src = s;
  }
  return tern_ipv4_output_route(stack, pkt, &r, dst, protocol, ttl);
}

/* ---- input (RFC 791, RFC 1122 3.2.1) and ICMP (RFC 792, 1122 3.2.2) ---- */

/* Checks, dispatches and answers one received or looped-back datagram.
 * Every way out but a transport's TERN_IPV4_CONSUMED counts one counter:
 * each goes to `drop` with `why` the offset of its reason's counter (an
 * offset is a 2-byte constant on Cortex-M0, a pointer 4 bytes of code). */
static __attribute__((noinline)) void input(tern_ipv4_stack *stack,
                                            tern_ipv4_iface *iface,
                                            tern_pkt *pkt) {
  tern_ipv4_stats *st = &stack->stats;
  size_t why; /* the counter to bump: its offset in *st (see `drop`) */
  st->rx_packets++;
  uint8_t *h = tern_pkt_data(pkt);
  int rc = tern_ipv4_check(h, tern_pkt_len(pkt));
  if (rc == 0 && ((h[6] & 0x3f) | h[7]) != 0) {
    rc = TERN_IPV4_DROP_FRAGMENT; /* MF or an offset: no reassembly */
  }
  if (rc != 0) {
    why = AT(rx_drop) - (size_t)rc * sizeof(uint32_t);
    goto drop;
  }
  unsigned hlen = tern_ipv4_header_len(h);
  tern_ipv4_rx rx;
  rx.iface = iface;
  memcpy(&rx.src, h + 12, 8); /* src and dst: one call */
  uint32_t src = *(word *)&rx.src, dst = *(word *)&rx.dst; /* aligned */
  rx.protocol = h[9];
  rx.ttl = h[8];
  rx.tos = h[1];
  rx.broadcast = dst == ALL_ONES || dst == iface->bcast;
  /* No TTL check: a host delivers whatever TTL it got (RFC 1122 3.2.1.7:
   * MUST NOT discard a datagram just because its TTL is below 2). */
  /* RFC 1122 3.2.1.3: a source must be one host: not multicast, class E
   * or 255.255.255.255, not 127/8, not our subnet broadcast. 0.0.0.0 is
   * allowed (a host that does not know its address yet, e.g. DHCP). */
  why = AT(rx_drop_bad_src);
  PIN(why);
  if (h[12] >= 224 || h[12] == 127 || src == iface->bcast) {
    goto drop;
  }
  /* For this interface's address or a broadcast (multicast included:
   * no groups). Hosts do not forward. */
  why = AT(rx_drop_not_for_us);
  PIN(why);
  if (!rx.broadcast && (dst == 0 || dst != iface->ip)) {
    goto drop;
  }
  st->rx_delivered++;
  /* The payload; link padding is not part of the datagram (checked:
   * hlen <= total <= len). */
  pkt->head = (uint16_t)(pkt->head + hlen);
  pkt->len = (uint16_t)(tern_ipv4_total_len(h) - hlen);
  uint8_t *m = h + hlen;
  uint8_t type = TERN_ICMPV4_ECHO_REPLY, code = 0;
  if (rx.protocol == TERN_IP_PROTO_ICMP) {
    rc = tern_icmpv4_check(m, tern_pkt_len(pkt));
    if (rc != 0) {
      why = AT(icmp_rx_drop) - (size_t)rc * sizeof(uint32_t);
      goto drop;
    }
    /* Replies, errors (no transport here wants them yet), and the rest. */
    why = AT(icmp_rx_ignored);
    PIN(why);
    if (m[0] != TERN_ICMPV4_ECHO_REQUEST) {
      goto drop;
    }
    /* 3.2.2.6 allows ignoring these; Linux does by default, and it keeps
     * a smurf amplifier off the net. */
    why = AT(icmp_echo_bcast);
    PIN(why);
    if (rx.broadcast) {
      goto drop;
    }
  } else {
    tern_ipv4_proto *p = stack->protos;
    while (p != NULL && p->protocol != rx.protocol) {
      p = p->next;
    }
    code = TERN_ICMPV4_PROTO_UNREACH;
    if (p == NULL) {
      st->rx_drop_proto++;
    } else {
      tern_ipv4_verdict v = p->input(p->ctx, &rx, pkt);
      why = AT(rx_drop_transport);
      PIN(why);
      if (v == TERN_IPV4_DROP) {
        goto drop;
      }
      if (v != TERN_IPV4_NO_LISTENER) {
        tern_pkt_free(pkt);
        return;
      }
      code = TERN_ICMPV4_PORT_UNREACH;
    }
    /* RFC 1122 3.2.2: of the datagrams no error may be about, only
     * broadcasts and those from 0.0.0.0 get here. Fragments, multicast
     * and other non-host sources were dropped above, and no error is
     * about an ICMP message: ICMP is never unknown nor a transport's. */
    type = TERN_ICMPV4_DEST_UNREACH;
    why = AT(icmp_refused);
    PIN(why);
    if (rx.broadcast || src == 0) {
      goto drop;
    }
  }
  /* The answer, an echo reply or a destination unreachable, is built in
   * the received packet: the reply is the request with the type changed
   * (3.2.2.6: identifier, sequence number and data unchanged, options
   * not returned); the error is an 8-byte header put in front of the
   * datagram it quotes. No pool packet is taken. emit() moves the data
   * back in its buffer if the outgoing device wants more headroom. */
  size_t k = 0;
  if (type == TERN_ICMPV4_DEST_UNREACH) {
    /* The token bucket (see tern_ipv4_stack.icmp_tat). */
    tern_time now = tern_now();
    uint32_t ahead = stack->icmp_tat - now;
    if (ahead > TERN_IPV4_ICMP_BURST * TERN_IPV4_ICMP_INTERVAL_MS) {
      ahead = 0; /* icmp_tat is in the past: the bucket is full */
    }
    why = AT(icmp_rate_limited);
    PIN(why);
    if (ahead > (TERN_IPV4_ICMP_BURST - 1) * TERN_IPV4_ICMP_INTERVAL_MS) {
      goto drop;
    }
    stack->icmp_tat = now + ahead + TERN_IPV4_ICMP_INTERVAL_MS;
    /* Quote as much of the datagram as fits 576 bytes (RFC 1812 4.3.2.3,
     * as Linux does), so at least the header and 8 bytes (3.2.2); every
     * interface's MTU holds that (TERN_IPV4_MIN_MTU). */
    unsigned quote = pkt->len + hlen;
    if (quote > TERN_ICMPV4_ERROR_MAX_LEN - TERN_ICMPV4_HEADER_LEN) {
      quote = TERN_ICMPV4_ERROR_MAX_LEN - TERN_ICMPV4_HEADER_LEN;
    }
    pkt->head = (uint16_t)(pkt->head - hlen);
    pkt->len = (uint16_t)quote;
    k = TERN_ICMPV4_HEADER_LEN;
    why = AT(tx_no_room);
    PIN(why);
    if (make_room(pkt, k) != 0) {
      goto drop;
    }
    pkt->head = (uint16_t)(pkt->head - k);
    pkt->len = (uint16_t)(pkt->len + k);
  }
  m = tern_pkt_data(pkt);
  if (k != 0) {
    memset(m + 4, 0, 4); /* the error's unused word */
  }
  m[0] = type;
  m[1] = code;
  m[2] = 0;
  m[3] = 0;
  tern_put_be16(m + 2, tern_checksum(m, tern_pkt_len(pkt)));
  /* Linux replies with the request's TOS, sends errors with ERROR_TOS,
   * both without DF; so do we. */
  /* Routed back to the sender, from the address it was sent to (which
   * may not be the route's: the answer keeps the conversation's). */
  tern_ipv4_route r;
  why = AT(tx_no_route);
  PIN(why);
  if (tern_ipv4_route_lookup(stack, &rx.src, &r) != 0) {
    goto drop; /* TERN_ENETUNREACH: the arguments are ours */
  }
  *(word *)&r.src = *(word *)&rx.dst; /* both aligned */
  why = k != 0 ? AT(icmp_unreach_sent) : AT(icmp_echo_replies);
  if (emit(CTL(TERN_IP_PROTO_ICMP, TERN_IPV4_DEFAULT_TTL,
               k != 0 ? ERROR_TOS : rx.tos, 0),
           pkt, &r, &rx.src) != 0) {
    return; /* counted there; pkt taken */
  }
  pkt = NULL;
drop:
  (*(uint32_t *)((char *)st + why))++;
  tern_pkt_free(pkt);
}

/* ---- the runner ---- */

tern_poll tern_ipv4_stack_poll_run(tern_ipv4_stack *stack, tern_cx *cx) {
  tern_waker_slot_register(&stack->runner, cx);
  if (stack->stopped) {
    tern_waker_slot_clear(&stack->runner);
    return TERN_READY;
  }
  bool more = false;
  for (tern_ipv4_iface *i = stack->ifaces; i != NULL; i = i->next) {
    /* Receive at most the budget (there may be more: come back after
     * the others ran). */
    for (unsigned n = 0;; n++) {
      if (n == TERN_IPV4_RX_BUDGET) {
        more = true;
        break;
      }
      tern_pkt *p;
      int err = 0;
      if (i->rx_down ||
          tern_netdev_poll_recv(&i->dev, cx, &p, &err) == TERN_PENDING) {
        break;
      }
      if (err < 0 || p == NULL) {
        stack->stats.rx_dev_errors++;
        i->rx_down = err == TERN_ECLOSED;
        break;
      }
      input(stack, i, p);
    }
    /* Transmit until the device says PENDING (it wakes us later).
     * Datagrams to the interface's own address (emit routed them here as
     * loopback, next_hop = our address) are received instead, in their
     * turn: they share the queue, so they may wait behind a full device.
     * Not budgeted: the only datagrams input queues are ICMP answers, and
     * no answer is ever answered. */
    tern_pkt *p;
    while ((p = i->txq_head) != NULL) {
      /* Read the link first: once the device owns the packet it may use
       * `next` for its own queue. */
      tern_pkt *next = p->next;
      bool local = *(const word *)p->next_hop == i->ip;
      int err = 0;
      if (!local &&
          tern_netdev_poll_send(&i->dev, cx, p, &err) == TERN_PENDING) {
        break;
      }
      i->txq_head = next; /* txq_tail is stale once it is NULL */
      if (local) {
        stack->stats.tx_loopback++;
        input(stack, i, p); /* dequeued first: it may queue an answer */
      } else if (err < 0) {
        stack->stats.tx_dev_errors++;
      } else {
        stack->stats.tx_packets++;
      }
    }
  }
  if (more) {
    tern_cx_wake_now(cx);
  }
  return TERN_PENDING;
}
