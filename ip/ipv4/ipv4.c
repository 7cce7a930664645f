/* The IPv4 layer: interfaces, routing, input checks, dispatch, the runner.
 * ICMP lives in icmpv4.c. See ipv4.h and README.md. */
#include "tern/ipv4.h"

#include <string.h>

#include "ipv4_internal.h"
#include "tern/timer.h"

static uint32_t u32(const tern_ipv4_addr *a) {
  return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
         (uint32_t)a->b[2] << 8 | a->b[3];
}

static bool is_zero(const tern_ipv4_addr *a) {
  return u32(a) == 0;
}

static bool is_limited_bcast(const tern_ipv4_addr *a) {
  return u32(a) == 0xffffffffu;
}

static tern_ipv4_addr addr_or_zero(const tern_ipv4_addr *a) {
  tern_ipv4_addr z = {{0, 0, 0, 0}};
  return a != NULL ? *a : z;
}

/* The interface's subnet broadcast; /31 and /32 have none (RFC 3021). */
static bool iface_subnet_bcast(const tern_ipv4_iface *i,
                               const tern_ipv4_addr *a) {
  if (is_zero(&i->addr) || i->prefix_len > 30) {
    return false;
  }
  uint32_t host =
      i->prefix_len == 0 ? 0xffffffffu : (0xffffffffu >> i->prefix_len);
  return (u32(a) & host) == host &&
         tern_ipv4_same_subnet(a, &i->addr, i->prefix_len);
}

static bool iface_on_link(const tern_ipv4_iface *i, const tern_ipv4_addr *a) {
  return !is_zero(&i->addr) &&
         tern_ipv4_same_subnet(a, &i->addr, i->prefix_len);
}

static bool valid_medium(const tern_netdev *dev) {
  return tern_netdev_get_info(dev).medium == TERN_MEDIUM_IP;
}

int tern_ipv4_stack_init(tern_ipv4_stack *stack, tern_pkt_pool *pool) {
  if (stack == NULL || pool == NULL) {
    return TERN_EINVAL;
  }
  memset(stack, 0, sizeof *stack);
  stack->pool = pool;
  stack->icmp_tokens = TERN_IPV4_ICMP_BURST;
  stack->icmp_refill = tern_now();
  return 0;
}

static void set_addr(tern_ipv4_iface *iface, const tern_ipv4_addr *addr,
                     uint8_t prefix_len, const tern_ipv4_addr *gateway) {
  iface->addr = addr_or_zero(addr);
  iface->prefix_len = prefix_len;
  iface->gateway = addr_or_zero(gateway);
  tern_netdev_set_ipv4(&iface->dev, iface->addr.b);
}

int tern_ipv4_iface_add(tern_ipv4_stack *stack, tern_ipv4_iface *iface,
                        tern_netdev dev, const tern_ipv4_addr *addr,
                        uint8_t prefix_len, const tern_ipv4_addr *gateway) {
  if (stack == NULL || iface == NULL || dev.ops == NULL || prefix_len > 32 ||
      !valid_medium(&dev)) {
    return TERN_EINVAL;
  }
  tern_ipv4_iface **tail = &stack->ifaces;
  for (; *tail != NULL; tail = &(*tail)->next) {
    if (*tail == iface) {
      return TERN_EINVAL;
    }
  }
  memset(iface, 0, sizeof *iface);
  iface->stack = stack;
  iface->dev = dev;
  set_addr(iface, addr, prefix_len, gateway);
  *tail = iface;
  return 0;
}

int tern_ipv4_iface_set_addr(tern_ipv4_iface *iface, const tern_ipv4_addr *addr,
                             uint8_t prefix_len,
                             const tern_ipv4_addr *gateway) {
  if (iface == NULL || iface->stack == NULL || prefix_len > 32) {
    return TERN_EINVAL;
  }
  set_addr(iface, addr, prefix_len, gateway);
  return 0;
}

int tern_ipv4_register_proto(tern_ipv4_stack *stack, tern_ipv4_proto *proto) {
  if (stack == NULL || proto == NULL || proto->input == NULL) {
    return TERN_EINVAL;
  }
  if (proto->protocol == TERN_IP_PROTO_ICMP) {
    return TERN_EADDRINUSE;
  }
  for (tern_ipv4_proto *p = stack->protos; p != NULL; p = p->next) {
    if (p == proto) {
      return TERN_EINVAL;
    }
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
  if (is_limited_bcast(addr)) {
    return true;
  }
  for (const tern_ipv4_iface *i = stack->ifaces; i != NULL; i = i->next) {
    if (iface_subnet_bcast(i, addr)) {
      return true;
    }
  }
  return false;
}

tern_ipv4_stats tern_ipv4_get_stats(const tern_ipv4_stack *stack) {
  return stack->stats;
}

/* ---- routing and output ---- */

static void fill_route(tern_ipv4_iface *i, const tern_ipv4_addr *next_hop,
                       bool local, tern_ipv4_route *out) {
  tern_netdev_info info = tern_netdev_get_info(&i->dev);
  out->iface = i;
  out->src = i->addr;
  out->next_hop = *next_hop;
  out->mtu = info.mtu;
  out->headroom = (uint16_t)(info.headroom + TERN_IPV4_HEADER_LEN);
  out->local = local;
}

int tern_ipv4_route_lookup(tern_ipv4_stack *stack, const tern_ipv4_addr *dst,
                           tern_ipv4_route *out) {
  if (stack == NULL || dst == NULL || out == NULL) {
    return TERN_EINVAL;
  }
  tern_ipv4_iface *i;
  if (!is_zero(dst)) {
    for (i = stack->ifaces; i != NULL; i = i->next) {
      if (tern_ipv4_eq(&i->addr, dst)) {
        fill_route(i, dst, true, out);
        return 0;
      }
    }
  }
  if (is_limited_bcast(dst)) {
    /* Out of the first interface, even one without an address yet (a
     * DHCP client broadcasts from 0.0.0.0). */
    if (stack->ifaces == NULL) {
      return TERN_ENETUNREACH;
    }
    fill_route(stack->ifaces, dst, false, out);
    return 0;
  }
  for (i = stack->ifaces; i != NULL; i = i->next) {
    if (iface_on_link(i, dst)) {
      fill_route(i, dst, false, out);
      return 0;
    }
  }
  for (i = stack->ifaces; i != NULL; i = i->next) {
    if (!is_zero(&i->addr) && !is_zero(&i->gateway)) {
      fill_route(i, &i->gateway, false, out);
      return 0;
    }
  }
  return TERN_ENETUNREACH;
}

static void enqueue(tern_pkt **head, tern_pkt **tail, tern_pkt *p) {
  p->next = NULL;
  if (*tail != NULL) {
    (*tail)->next = p;
  } else {
    *head = p;
  }
  *tail = p;
}

static tern_pkt *dequeue(tern_pkt **head, tern_pkt **tail) {
  tern_pkt *p = *head;
  if (p != NULL) {
    *head = p->next;
    if (*head == NULL) {
      *tail = NULL;
    }
    p->next = NULL;
  }
  return p;
}

int tern__ipv4_output_ex(tern_ipv4_stack *stack, tern_pkt *pkt,
                         const tern_ipv4_addr *src, const tern_ipv4_addr *dst,
                         uint8_t protocol, uint8_t ttl, uint8_t tos, bool df) {
  if (pkt == NULL) {
    return TERN_EINVAL;
  }
  if (stack == NULL || dst == NULL) {
    tern_pkt_free(pkt);
    return TERN_EINVAL;
  }
  tern_ipv4_route r;
  if (tern_ipv4_route_lookup(stack, dst, &r) != 0) {
    stack->stats.tx_no_route++;
    tern_pkt_free(pkt);
    return TERN_ENETUNREACH;
  }
  if (tern_pkt_len(pkt) + TERN_IPV4_HEADER_LEN > r.mtu) {
    stack->stats.tx_too_big++;
    tern_pkt_free(pkt);
    return TERN_EMSGSIZE;
  }
  tern_ipv4_repr ip;
  ip.src = (src != NULL && !is_zero(src)) ? *src : r.src;
  ip.dst = *dst;
  ip.protocol = protocol;
  ip.ttl = ttl != 0 ? ttl : TERN_IPV4_DEFAULT_TTL;
  ip.tos = tos;
  ip.dont_frag = df;
  ip.ident = stack->next_ident++;
  ip.header_len = TERN_IPV4_HEADER_LEN;
  ip.payload_len = (uint16_t)tern_pkt_len(pkt);
  uint8_t *h = tern_pkt_push(pkt, TERN_IPV4_HEADER_LEN);
  if (h == NULL) {
    tern_pkt_free(pkt);
    return TERN_ENOSPC;
  }
  (void)tern_ipv4_repr_emit(&ip, h, TERN_IPV4_HEADER_LEN);
  memcpy(pkt->next_hop, r.next_hop.b, 4);
  if (r.local) {
    stack->stats.tx_loopback++;
    enqueue(&stack->loop_head, &stack->loop_tail, pkt);
  } else {
    tern_ipv4_iface *i = r.iface;
    enqueue(&i->txq_head, &i->txq_tail, pkt);
    i->txq_len++;
  }
  tern_waker_slot_wake(&stack->runner);
  return 0;
}

int tern_ipv4_output(tern_ipv4_stack *stack, tern_pkt *pkt,
                     const tern_ipv4_addr *src, const tern_ipv4_addr *dst,
                     uint8_t protocol, uint8_t ttl) {
  return tern__ipv4_output_ex(stack, pkt, src, dst, protocol, ttl, 0, true);
}

/* ---- input ---- */

/* RFC 1122 3.2.1.3: a source must be one host. 0.0.0.0 stays allowed (a
 * host that does not know its address yet, e.g. a DHCP client). */
static bool bad_source(const tern_ipv4_iface *i, const tern_ipv4_addr *src) {
  return src->b[0] >= 224 || src->b[0] == 127 || iface_subnet_bcast(i, src);
}

static tern_ipv4_proto *find_proto(tern_ipv4_stack *stack, uint8_t protocol) {
  for (tern_ipv4_proto *p = stack->protos; p != NULL; p = p->next) {
    if (p->protocol == protocol) {
      return p;
    }
  }
  return NULL;
}

static void input(tern_ipv4_stack *stack, tern_ipv4_iface *iface,
                  tern_pkt *pkt) {
  tern_ipv4_stats *st = &stack->stats;
  st->rx_packets++;
  tern_ipv4_repr ip;
  int rc = tern_ipv4_repr_parse(&ip, tern_pkt_data(pkt), tern_pkt_len(pkt));
  if (rc < 0) {
    st->rx_drop[-rc]++;
    tern_pkt_free(pkt);
    return;
  }
  /* Link padding is not part of the datagram. */
  size_t dgram_len = (size_t)ip.header_len + ip.payload_len;
  (void)tern_pkt_trim(pkt, dgram_len);
  tern_ipv4_rx rx;
  rx.iface = iface;
  rx.src = ip.src;
  rx.dst = ip.dst;
  rx.protocol = ip.protocol;
  rx.ttl = ip.ttl;
  rx.tos = ip.tos;
  rx.broadcast =
      is_limited_bcast(&ip.dst) || iface_subnet_bcast(iface, &ip.dst);
  /* No TTL check: a host delivers whatever TTL it got (RFC 1122 3.2.1.7:
   * MUST NOT discard a datagram just because its TTL is below 2). */
  if (bad_source(iface, &ip.src)) {
    st->rx_drop_bad_src++;
    tern_pkt_free(pkt);
    return;
  }
  if (!rx.broadcast &&
      (is_zero(&iface->addr) || !tern_ipv4_eq(&ip.dst, &iface->addr))) {
    st->rx_drop_not_for_us++;
    tern_pkt_free(pkt);
    return;
  }
  (void)tern_pkt_pull(pkt, ip.header_len);
  if (ip.protocol == TERN_IP_PROTO_ICMP) {
    st->rx_delivered++;
    tern__icmpv4_input(stack, &rx, pkt);
    return;
  }
  tern_ipv4_proto *p = find_proto(stack, ip.protocol);
  if (p == NULL) {
    st->rx_drop_proto++;
    (void)tern_pkt_push(pkt, ip.header_len);
    tern__icmpv4_send_unreach(stack, &rx, tern_pkt_data(pkt), dgram_len,
                              TERN_ICMPV4_PROTO_UNREACH);
    tern_pkt_free(pkt);
    return;
  }
  tern_ipv4_verdict v = p->input(p->ctx, &rx, pkt);
  if (v == TERN_IPV4_DROP) {
    st->rx_drop_transport++;
  } else {
    st->rx_delivered++;
    if (v == TERN_IPV4_NO_LISTENER) {
      (void)tern_pkt_push(pkt, ip.header_len);
      tern__icmpv4_send_unreach(stack, &rx, tern_pkt_data(pkt), dgram_len,
                                TERN_ICMPV4_PORT_UNREACH);
    }
  }
  tern_pkt_free(pkt);
}

/* A looped-back datagram arrives on the interface that owns its
 * destination (it may have changed address since it was sent). */
static void input_loopback(tern_ipv4_stack *stack, tern_pkt *pkt) {
  const uint8_t *d = tern_pkt_data(pkt);
  tern_ipv4_addr dst;
  memcpy(dst.b, d + 16, 4); /* output wrote a 20-byte header */
  for (tern_ipv4_iface *i = stack->ifaces; i != NULL; i = i->next) {
    if (tern_ipv4_eq(&i->addr, &dst)) {
      input(stack, i, pkt);
      return;
    }
  }
  stack->stats.rx_packets++;
  stack->stats.rx_drop_not_for_us++;
  tern_pkt_free(pkt);
}

/* Receives up to the budget from one interface; returns whether the
 * budget ran out (there may be more). */
static bool receive(tern_ipv4_stack *stack, tern_ipv4_iface *iface,
                    tern_cx *cx) {
  for (unsigned n = 0; n < TERN_IPV4_RX_BUDGET; n++) {
    tern_pkt *p = NULL;
    int err = 0;
    if (iface->rx_down ||
        tern_netdev_poll_recv(&iface->dev, cx, &p, &err) == TERN_PENDING) {
      return false;
    }
    if (err < 0 || p == NULL) {
      stack->stats.rx_dev_errors++;
      if (err == TERN_ECLOSED) {
        iface->rx_down = true;
      }
      return false;
    }
    input(stack, iface, p);
  }
  return true;
}

static void transmit(tern_ipv4_stack *stack, tern_ipv4_iface *iface,
                     tern_cx *cx) {
  while (iface->txq_head != NULL) {
    tern_pkt *p = iface->txq_head;
    /* Read the link first: once the device owns the packet it may use
     * `next` for its own queue. */
    tern_pkt *next = p->next;
    int err = 0;
    if (tern_netdev_poll_send(&iface->dev, cx, p, &err) == TERN_PENDING) {
      return; /* the device will wake us; the rest stays queued */
    }
    iface->txq_head = next;
    if (next == NULL) {
      iface->txq_tail = NULL;
    }
    iface->txq_len--;
    if (err < 0) {
      stack->stats.tx_dev_errors++;
    } else {
      stack->stats.tx_packets++;
    }
  }
}

tern_poll tern_ipv4_stack_poll_run(tern_ipv4_stack *stack, tern_cx *cx) {
  tern_waker_slot_register(&stack->runner, cx);
  if (stack->stopped) {
    tern_waker_slot_clear(&stack->runner);
    return TERN_READY;
  }
  bool more = false;
  for (tern_ipv4_iface *i = stack->ifaces; i != NULL; i = i->next) {
    more |= receive(stack, i, cx);
  }
  for (unsigned n = 0; n < TERN_IPV4_RX_BUDGET && stack->loop_head != NULL;
       n++) {
    input_loopback(stack, dequeue(&stack->loop_head, &stack->loop_tail));
  }
  more |= stack->loop_head != NULL;
  for (tern_ipv4_iface *i = stack->ifaces; i != NULL; i = i->next) {
    transmit(stack, i, cx);
  }
  if (more) {
    tern_cx_wake_now(cx);
  }
  return TERN_PENDING;
}
