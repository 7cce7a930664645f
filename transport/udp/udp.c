/* UDP sockets. See udp.h and README.md. */
#include "tern/udp.h"

#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"

static tern_udp_sock *find(tern_udp_layer *layer, unsigned port) {
  tern_udp_sock *s = layer->socks;
  while (s != NULL && s->port != port) {
    s = s->next;
  }
  return s;
}

/* ---- input (called by the IPv4 runner) ----
 *
 * The receive ring is a queue of records from ring[0] for `used` bytes,
 * each the source address (4 bytes) followed by the datagram as received
 * (its header, whose length field gives the record's size, and its
 * payload). A record is written whole at the end; recv_from takes the
 * first and moves the rest to the front (usually nothing: a task that
 * keeps up reads each datagram before the next arrives). */

/* Bytes of a record before the datagram: the source address. */
#define ADDR_LEN (TERN_UDP_RECORD_HDR - TERN_UDP_HEADER_LEN)

static tern_ipv4_verdict udp_input(void *ctx, const tern_ipv4_rx *rx,
                                   tern_pkt *pkt) {
  tern_udp_layer *layer = ctx;
  const uint8_t *u = tern_pkt_data(pkt);
  /* n: the datagram, header included */
  int n = tern_udp_check(u, tern_pkt_len(pkt), &rx->src, &rx->dst);
  if (n < 0) {
    layer->stats.rx_drop[-n]++;
    return TERN_IPV4_DROP;
  }
  /* No bound socket has port 0, so a datagram to it finds none and is
   * answered with port unreachable, as Linux answers it. */
  tern_udp_sock *s = find(layer, tern_be16(u + 2));
  if (s == NULL) {
    layer->stats.rx_no_listener++;
    return TERN_IPV4_NO_LISTENER;
  }
  /* The record's end (no wrap: used <= size, n < 65536). */
  size_t at = s->used, end = at + ADDR_LEN + (size_t)n;
  if (end > s->size) {
    s->stats.rx_dropped++; /* whole or not at all */
    return TERN_IPV4_CONSUMED;
  }
  s->used = end;
  uint8_t *r = s->ring + at;
  /* The reader is woken first (it runs only after this returns: task
   * context), so that s is not kept through the copies. */
  tern_waker_slot_wake(&s->reader);
  memcpy(r, rx->src.b, ADDR_LEN);
  memcpy(r + ADDR_LEN, u, (size_t)n);
  return TERN_IPV4_CONSUMED;
}

int tern_udp_init(tern_udp_layer *layer, tern_ipv4_stack *stack) {
  if (layer == NULL || stack == NULL) {
    return TERN_EINVAL;
  }
  memset(layer, 0, sizeof *layer);
  layer->stack = stack;
  layer->proto.protocol = TERN_IP_PROTO_UDP;
  layer->proto.input = udp_input;
  layer->proto.ctx = layer;
  return tern_ipv4_register_proto(stack, &layer->proto);
}

int tern_udp_bind(tern_udp_layer *layer, tern_udp_sock *sock, uint16_t port,
                  uint8_t *ring, size_t ring_size) {
  if (layer == NULL || sock == NULL || ring == NULL ||
      ring_size < TERN_UDP_RECORD_HDR || sock->port != 0) {
    return TERN_EINVAL;
  }
  /* Stored first (fewer values to keep through the search); they mean
   * nothing while port is 0, which a failed bind leaves. */
  sock->layer = layer;
  sock->ring = ring;
  sock->size = ring_size;
  /* Port 0: next_ephemeral's low 14 bits over the range 49152..65535 (its
   * top two bits set), counting up and wrapping, at most one full turn. */
  unsigned want = port, tries = 0x4000;
  for (;;) {
    if (want == 0) {
      port = (uint16_t)(layer->next_ephemeral++ | TERN_UDP_EPHEMERAL_FIRST);
    }
    if (find(layer, port) == NULL) {
      break;
    }
    if (want != 0 || --tries == 0) {
      return TERN_EADDRINUSE;
    }
  }
  /* A closed socket is idle already (close reset it); its counters go on. */
  sock->port = port;
  sock->next = layer->socks;
  layer->socks = sock;
  return 0;
}

uint16_t tern_udp_local_port(const tern_udp_sock *sock) {
  return sock->port;
}

size_t tern_udp_pending(const tern_udp_sock *sock) {
  size_t n = 0;
  for (size_t at = 0; at < sock->used; n++) {
    at += ADDR_LEN + tern_be16(sock->ring + at + ADDR_LEN + 4);
  }
  return n;
}

tern_poll tern_udp_poll_recv_from(tern_udp_sock *sock, tern_cx *cx,
                                  tern_endpoint *src, void *buf, size_t cap,
                                  int *n) {
  if (sock->port == 0) {
    *n = TERN_ECLOSED;
    return TERN_READY;
  }
  if (sock->used == 0) {
    tern_waker_slot_register(&sock->reader, cx);
    return TERN_PENDING;
  }
  uint8_t *r = sock->ring;
  size_t size = ADDR_LEN + tern_be16(r + ADDR_LEN + 4);
  size_t len = size - TERN_UDP_RECORD_HDR;
  *n = (int)len; /* first: fewer values to keep across the copies */
  if (buf != NULL) {
    memcpy(buf, r + TERN_UDP_RECORD_HDR, len < cap ? len : cap);
  }
  if (src != NULL) {
    memset(src, 0, sizeof *src);
    src->addr.family = TERN_IP_V4;
    memcpy(src->addr.u.v4.b, r, ADDR_LEN);
    src->port = (uint16_t)tern_be16(r + ADDR_LEN);
  }
  sock->used -= size;
  memmove(r, r + size, sock->used);
  return TERN_READY;
}

tern_poll tern_udp_poll_send_to(tern_udp_sock *sock, tern_cx *cx,
                                const tern_endpoint *dst, const void *data,
                                size_t len, int *err) {
  int rc = TERN_EINVAL;
  if (sock->port == 0 || dst == NULL || dst->addr.family != TERN_IP_V4 ||
      dst->port == 0 || (data == NULL && len != 0)) {
  /* Every READY result leaves here, beside the checks: gcc then reaches
   * it with short branches (at the end, 6 bytes more on Cortex-M0). */
  out:
    *err = rc;
    return TERN_READY;
  }
  tern_ipv4_stack *stack = sock->layer->stack;
  const tern_ipv4_addr *to = &dst->addr.u.v4;
  /* The packet first, the route once it is there: a send that waited
   * has no wait to withdraw, whatever the route says. */
  tern_pkt *p;
  if (tern_pkt_pool_poll_alloc(stack->pool, cx, &sock->tx_waiter, &p) ==
      TERN_PENDING) {
    return TERN_PENDING;
  }
  tern_ipv4_route r;
  rc = tern_ipv4_route_lookup(stack, to, &r);
  if (rc == 0) {
    /* The datagram after the route's headroom, if the packet holds both
     * (len < cap first: 8 + len cannot wrap then). */
    size_t cap = tern_pkt_capacity(p), ulen = TERN_UDP_HEADER_LEN + len;
    rc = TERN_EMSGSIZE;
    if (len < cap && r.headroom + ulen <= cap) {
      /* An empty packet: its edges set directly (what tern_pkt_reserve
       * and tern_pkt_put would do, with the check above for theirs). */
      p->head = r.headroom;
      p->len = (uint16_t)ulen;
      uint8_t *u = tern_pkt_data(p);
      /* The header with a zero checksum (first: ulen is at hand), the
       * payload's one copy, then the checksum over both (a computed 0 is
       * sent as 0xffff). */
      tern_put_be16(u, sock->port);
      tern_put_be16(u + 2, dst->port);
      tern_put_be16(u + 4, ulen);
      tern_put_be16(u + 6, 0);
      memcpy(u + TERN_UDP_HEADER_LEN, data, len);
      unsigned c = tern_udp_sum(u, ulen, &r.src, to);
      tern_put_be16(u + 6, c != 0 ? c : ~0u);
      /* The route at hand: IPv4 does not look it up again. */
      rc = tern_ipv4_output_route(stack, p, &r, to, TERN_IP_PROTO_UDP, 0);
      goto out;
    }
  }
  tern_pkt_free(p);
  goto out;
}

void tern_udp_cancel_send(tern_udp_sock *sock) {
  if (sock->layer != NULL) {
    tern_pkt_pool_cancel_alloc(sock->layer->stack->pool, &sock->tx_waiter);
  }
}

void tern_udp_close(tern_udp_sock *sock) {
  if (sock->port == 0) {
    return;
  }
  tern_udp_sock **pp = &sock->layer->socks;
  while (*pp != sock) {
    pp = &(*pp)->next;
  }
  *pp = sock->next;
  tern_udp_cancel_send(sock);
  sock->next = NULL;
  sock->port = 0;
  sock->used = 0;
  tern_waker_slot_wake(&sock->reader);
}
