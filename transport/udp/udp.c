/* UDP sockets. See udp.h and README.md. */
#include "tern/udp.h"

#include <string.h>

static tern_udp_sock *find(tern_udp_layer *layer, uint16_t port) {
  for (tern_udp_sock *s = layer->socks; s != NULL; s = s->next) {
    if (s->port == port) {
      return s;
    }
  }
  return NULL;
}

/* ---- the ring: records of [len16, addr4, port16] + data, wrapping ---- */

static void ring_write(tern_udp_sock *s, uint32_t at, const uint8_t *src,
                       uint32_t n) {
  uint32_t first = s->size - at;
  if (first > n) {
    first = n;
  }
  memcpy(s->ring + at, src, first);
  memcpy(s->ring, src + first, n - first);
}

static void ring_read(const tern_udp_sock *s, uint32_t at, uint8_t *dst,
                      uint32_t n) {
  uint32_t first = s->size - at;
  if (first > n) {
    first = n;
  }
  memcpy(dst, s->ring + at, first);
  memcpy(dst + first, s->ring, n - first);
}

/* at + n, wrapped (n <= size). */
static uint32_t ring_advance(const tern_udp_sock *s, uint32_t at, uint32_t n) {
  return n >= s->size - at ? n - (s->size - at) : at + n;
}

static bool store(tern_udp_sock *s, const tern_ipv4_addr *from, uint16_t port,
                  const uint8_t *data, size_t len) {
  uint32_t free_bytes = s->size - s->used;
  if (len > free_bytes || free_bytes - len < TERN_UDP_RECORD_HDR) {
    return false;
  }
  uint8_t hdr[TERN_UDP_RECORD_HDR] = {
      (uint8_t)(len >> 8), (uint8_t)len, from->b[0],           from->b[1],
      from->b[2],          from->b[3],   (uint8_t)(port >> 8), (uint8_t)port};
  uint32_t at = ring_advance(s, s->head, s->used);
  ring_write(s, at, hdr, TERN_UDP_RECORD_HDR);
  at = ring_advance(s, at, TERN_UDP_RECORD_HDR);
  ring_write(s, at, data, (uint32_t)len);
  s->used += TERN_UDP_RECORD_HDR + (uint32_t)len;
  s->queued++;
  return true;
}

/* ---- input (called by the IPv4 runner) ---- */

static tern_ipv4_verdict udp_input(void *ctx, const tern_ipv4_rx *rx,
                                   tern_pkt *pkt) {
  tern_udp_layer *layer = ctx;
  tern_udp_repr u;
  int rc = tern_udp_repr_parse(&u, tern_pkt_data(pkt), tern_pkt_len(pkt),
                               &rx->src, &rx->dst);
  if (rc < 0) {
    layer->stats.rx_drop[-rc]++;
    return TERN_IPV4_DROP;
  }
  if (u.dst_port == 0) {
    layer->stats.rx_drop_port0++;
    return TERN_IPV4_DROP;
  }
  layer->stats.rx_datagrams++;
  tern_udp_sock *s = find(layer, u.dst_port);
  if (s == NULL) {
    layer->stats.rx_no_listener++;
    return TERN_IPV4_NO_LISTENER;
  }
  if (!store(s, &rx->src, u.src_port, u.payload, u.payload_len)) {
    s->stats.rx_dropped++;
    return TERN_IPV4_CONSUMED;
  }
  s->stats.rx_datagrams++;
  tern_waker_slot_wake(&s->reader);
  return TERN_IPV4_CONSUMED;
}

int tern_udp_init(tern_udp_layer *layer, tern_ipv4_stack *stack) {
  if (layer == NULL || stack == NULL) {
    return TERN_EINVAL;
  }
  memset(layer, 0, sizeof *layer);
  layer->stack = stack;
  layer->next_ephemeral = TERN_UDP_EPHEMERAL_FIRST;
  layer->proto.protocol = TERN_IP_PROTO_UDP;
  layer->proto.input = udp_input;
  layer->proto.ctx = layer;
  return tern_ipv4_register_proto(stack, &layer->proto);
}

static int pick_ephemeral(tern_udp_layer *layer, uint16_t *out) {
  uint32_t span = TERN_UDP_EPHEMERAL_LAST - TERN_UDP_EPHEMERAL_FIRST + 1;
  uint16_t p = layer->next_ephemeral;
  for (uint32_t i = 0; i < span; i++) {
    if (p < TERN_UDP_EPHEMERAL_FIRST) {
      p = TERN_UDP_EPHEMERAL_FIRST;
    }
    uint16_t cand = p;
    p = cand == TERN_UDP_EPHEMERAL_LAST ? TERN_UDP_EPHEMERAL_FIRST
                                        : (uint16_t)(cand + 1);
    if (find(layer, cand) == NULL) {
      layer->next_ephemeral = p;
      *out = cand;
      return 0;
    }
  }
  return TERN_EADDRINUSE;
}

int tern_udp_bind(tern_udp_layer *layer, tern_udp_sock *sock, uint16_t port,
                  uint8_t *ring, size_t ring_size) {
  if (layer == NULL || sock == NULL || ring == NULL ||
      ring_size < TERN_UDP_RECORD_HDR || ring_size > 0x80000000u) {
    return TERN_EINVAL;
  }
  for (tern_udp_sock *s = layer->socks; s != NULL; s = s->next) {
    if (s == sock) {
      return TERN_EINVAL; /* already bound */
    }
  }
  if (port == 0) {
    int rc = pick_ephemeral(layer, &port);
    if (rc != 0) {
      return rc;
    }
  } else if (find(layer, port) != NULL) {
    return TERN_EADDRINUSE;
  }
  memset(sock, 0, sizeof *sock);
  sock->layer = layer;
  sock->ring = ring;
  sock->size = (uint32_t)ring_size;
  sock->port = port;
  sock->bound = true;
  sock->next = layer->socks;
  layer->socks = sock;
  return 0;
}

uint16_t tern_udp_local_port(const tern_udp_sock *sock) {
  return sock->bound ? sock->port : 0;
}

size_t tern_udp_pending(const tern_udp_sock *sock) {
  return sock->queued;
}

tern_poll tern_udp_poll_recv_from(tern_udp_sock *sock, tern_cx *cx,
                                  tern_endpoint *src, void *buf, size_t cap,
                                  int *n) {
  if (!sock->bound) {
    *n = TERN_ECLOSED;
    return TERN_READY;
  }
  if (sock->queued == 0) {
    tern_waker_slot_register(&sock->reader, cx);
    return TERN_PENDING;
  }
  uint8_t hdr[TERN_UDP_RECORD_HDR];
  ring_read(sock, sock->head, hdr, TERN_UDP_RECORD_HDR);
  uint32_t len = (uint32_t)hdr[0] << 8 | hdr[1];
  uint32_t at = ring_advance(sock, sock->head, TERN_UDP_RECORD_HDR);
  if (buf != NULL) {
    ring_read(sock, at, buf, len < cap ? len : (uint32_t)cap);
  }
  if (src != NULL) {
    memset(src, 0, sizeof *src);
    src->addr.family = TERN_IP_V4;
    memcpy(src->addr.u.v4.b, hdr + 2, 4);
    src->port = (uint16_t)(hdr[6] << 8 | hdr[7]);
  }
  sock->head = ring_advance(sock, at, len);
  sock->used -= TERN_UDP_RECORD_HDR + len;
  sock->queued--;
  if (sock->queued == 0) {
    sock->head = 0; /* keep the next datagram contiguous */
  }
  *n = (int)len;
  return TERN_READY;
}

static int check_send(const tern_udp_sock *sock, const tern_endpoint *dst,
                      const void *data, size_t len) {
  if (!sock->bound || dst == NULL || dst->addr.family != TERN_IP_V4 ||
      dst->port == 0 || (data == NULL && len > 0)) {
    return TERN_EINVAL;
  }
  if (len > TERN_UDP_MAX_PAYLOAD) {
    return TERN_EMSGSIZE;
  }
  return 0;
}

tern_poll tern_udp_poll_send_to(tern_udp_sock *sock, tern_cx *cx,
                                const tern_endpoint *dst, const void *data,
                                size_t len, int *err) {
  int rc = check_send(sock, dst, data, len);
  tern_ipv4_route r;
  tern_udp_layer *layer = sock->layer;
  if (rc == 0) {
    rc = tern_ipv4_route_lookup(layer->stack, &dst->addr.u.v4, &r);
  }
  if (rc == 0 && TERN_IPV4_HEADER_LEN + TERN_UDP_HEADER_LEN + len > r.mtu) {
    rc = TERN_EMSGSIZE;
  }
  if (rc != 0) {
    tern_udp_cancel_send(sock);
    *err = rc;
    return TERN_READY;
  }
  tern_pkt *p;
  if (tern_pkt_pool_poll_alloc(layer->stack->pool, cx, &sock->tx_waiter, &p) ==
      TERN_PENDING) {
    return TERN_PENDING;
  }
  size_t ulen = TERN_UDP_HEADER_LEN + len;
  uint8_t *at = NULL;
  if (tern_pkt_reserve(p, r.headroom) == 0) {
    at = tern_pkt_put(p, ulen);
  }
  if (at == NULL) {
    tern_pkt_free(p);
    *err = TERN_EMSGSIZE; /* the pool's packets are too small */
    return TERN_READY;
  }
  tern_udp_repr u = {sock->port, dst->port, data, len};
  (void)tern_udp_repr_emit(&u, &r.src, &dst->addr.u.v4, at, ulen);
  rc = tern_ipv4_output(layer->stack, p, &r.src, &dst->addr.u.v4,
                        TERN_IP_PROTO_UDP, 0);
  if (rc == 0) {
    layer->stats.tx_datagrams++;
    sock->stats.tx_datagrams++;
  } else {
    layer->stats.tx_errors++;
  }
  *err = rc;
  return TERN_READY;
}

void tern_udp_cancel_send(tern_udp_sock *sock) {
  if (sock->layer != NULL) {
    tern_pkt_pool_cancel_alloc(sock->layer->stack->pool, &sock->tx_waiter);
  }
}

void tern_udp_close(tern_udp_sock *sock) {
  if (!sock->bound) {
    return;
  }
  tern_udp_layer *layer = sock->layer;
  for (tern_udp_sock **pp = &layer->socks; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == sock) {
      *pp = sock->next;
      break;
    }
  }
  tern_udp_cancel_send(sock);
  sock->next = NULL;
  sock->bound = false;
  sock->queued = 0;
  sock->used = 0;
  tern_waker_slot_wake(&sock->reader);
}
