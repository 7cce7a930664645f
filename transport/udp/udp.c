/* UDP sockets. See udp.h and README.md. Datagrams are checked and built
 * with the wire library (tern/udp_wire.h), the code its tests and fuzzer
 * check. */
#include "tern/udp.h"

#include <string.h>

/* ---- addresses and bindings ---- */

/* Whether a scope (an interface id, 0: any) takes the interface id. */
static bool takes_scope(uint8_t scope, uint8_t id) {
  return scope == 0 || scope == id;
}

static bool port_in_use(void *ctx, uint16_t port) {
  const tern_udp_layer *layer = ctx;
  for (const tern_udp_sock *s = layer->socks; s != NULL; s = s->next) {
    if (s->local.port == port) {
      return true;
    }
  }
  return false;
}

/* Whether sock takes a datagram that rx describes, from port sport to
 * port dport. Bindings never overlap (tern_udp_bind refuses that), so at
 * most one socket does. */
static bool takes(const tern_udp_sock *s, const tern_ip_rx *rx, unsigned sport,
                  unsigned dport) {
  const tern_endpoint *l = &s->local;
  return l->port == dport && takes_scope(l->scope, rx->iface->id) &&
         /* To an address that is not ours yet: only for the socket bound
          * to that interface (a DHCP client's). */
         ((rx->flags & TERN_IP_RX_UNCONFIGURED) == 0 || l->scope != 0) &&
         tern_ip_addr_takes(&l->addr, &rx->dst) &&
         (s->remote.port == 0 ||
          (s->remote.port == sport &&
           tern_ip_addr_takes(&s->remote.addr, &rx->src)));
}

/* ---- input (called by the IP runner) ----
 *
 * The receive ring is a queue of records from ring[0] for `used` bytes,
 * each: the family, the interface id and the rx flags (and a spare byte),
 * the source and destination addresses (4 or 16 bytes each), then the
 * datagram as received (its header, whose length field gives the record's
 * size, and its payload). A record is written whole at the end; recv
 * takes the first and moves the rest to the front (usually nothing: a
 * task that keeps up reads each datagram before the next arrives). */

#define META_LEN 4u

_Static_assert(TERN_UDP_RECORD_HDR4 == META_LEN + 8 + TERN_UDP_HEADER_LEN &&
                   TERN_UDP_RECORD_HDR6 == META_LEN + 32 + TERN_UDP_HEADER_LEN,
               "record layout");

/* The bytes before a record's datagram. */
static size_t record_hdr(const uint8_t *r) {
  return META_LEN + 2 * tern_ip_addr_len(r[0]);
}

/* A record's whole size. */
static size_t record_size(const uint8_t *r) {
  size_t h = record_hdr(r);
  return h + tern_udp_length(r + h);
}

static tern_ip_verdict udp_input(void *ctx, const tern_ip_rx *rx,
                                 tern_pkt *pkt) {
  tern_udp_layer *layer = ctx;
  const uint8_t *u = tern_pkt_data(pkt);
  /* n: the datagram, header included */
  int n = tern_udp_check(u, tern_pkt_len(pkt), &rx->src, &rx->dst);
  if (n < 0) {
    layer->stats.rx_drop[-n]++;
    return TERN_IP_DROP;
  }
  unsigned sport = tern_udp_src_port(u), dport = tern_udp_dst_port(u);
  tern_udp_sock *s = layer->socks;
  while (s != NULL && !takes(s, rx, sport, dport)) {
    s = s->next;
  }
  /* No bound socket has port 0, so a datagram to it finds none and is
   * answered with port unreachable, as Linux answers it. */
  if (s == NULL) {
    layer->stats.rx_no_listener++;
    return TERN_IP_NO_LISTENER;
  }
  size_t alen = tern_ip_addr_len(rx->src.family);
  size_t hdr = META_LEN + 2 * alen; /* (n is at most 65535: no wrap) */
  if (hdr + (size_t)n > s->size - s->used) {
    s->stats.rx_dropped++; /* whole or not at all */
    return TERN_IP_CONSUMED;
  }
  uint8_t *r = s->ring + s->used;
  s->used += hdr + (size_t)n;
  r[0] = rx->src.family;
  r[1] = rx->iface->id;
  r[2] = rx->flags;
  memcpy(r + META_LEN, rx->src.u.w, alen);
  memcpy(r + META_LEN + alen, rx->dst.u.w, alen);
  memcpy(r + hdr, u, (size_t)n);
  tern_waker_slot_wake(&s->reader);
  return TERN_IP_CONSUMED;
}

/* An ICMP error about a datagram we sent. Every one the family passes
 * on (RFC 1122 4.1.3.3: UDP MUST pass them all up), with the meaning the
 * family gave it, soft ones (host unreachable, time exceeded: a path that
 * may mend) too, as the BSDs report them (Linux, without IP_RECVERR,
 * only its "hard" ones); as on both, only to a connected socket, which
 * knows its peer. The family has made sure the quote holds the transport
 * header's 8 bytes. */
static void udp_error(void *ctx, const tern_ip_error *e) {
  tern_udp_layer *layer = ctx;
  unsigned sport = tern_udp_src_port(e->quote);
  unsigned dport = tern_udp_dst_port(e->quote);
  for (tern_udp_sock *s = layer->socks; s != NULL; s = s->next) {
    if (s->remote.port != 0 && s->remote.port == dport &&
        s->local.port == sport && takes_scope(s->local.scope, e->iface->id) &&
        tern_ip_addr_takes(&s->remote.addr, &e->dst) &&
        tern_ip_addr_takes(&s->local.addr, &e->src)) {
      s->err = (int8_t)e->err;
      layer->stats.rx_errors++;
      tern_waker_slot_wake(&s->reader);
      /* A send that waits (for a packet or for room) ends with the error
       * too: woken, it finds the error and withdraws its wait. */
      tern_waker_wake(tern_waiter_waker(&s->tx.waiter));
    }
  }
}

/* ---- set-up ---- */

int tern_udp_init(tern_udp_layer *layer, tern_ip_stack *stack) {
  /* Both checked before the layer is written (design.md, principle 4):
   * a NULL stack left it zeroed before the sock33 branch. */
  if (layer == NULL || stack == NULL) {
    return TERN_EINVAL;
  }
  memset(layer, 0, sizeof *layer);
  layer->stack = stack;
  layer->proto.protocol = TERN_IP_PROTO_UDP;
  layer->proto.input = udp_input;
  /* proto.error stays NULL until a socket connects: only connected
   * sockets hear of ICMP errors, so a firmware that never connects does
   * not link udp_error. */
  layer->proto.ctx = layer;
  return tern_ip_register(stack, &layer->proto);
}

int tern_udp_bind(tern_udp_layer *layer, tern_udp_sock *sock,
                  const tern_endpoint *local, uint8_t *ring, size_t ring_size) {
  if (layer == NULL || sock == NULL || ring == NULL ||
      ring_size < TERN_UDP_RECORD_HDR4 || sock->local.port != 0) {
    return TERN_EINVAL;
  }
  tern_endpoint l;
  memset(&l, 0, sizeof l);
  if (local != NULL) {
    l = *local;
  }
  tern_ip_stack *stack = layer->stack;
  uint8_t fam = l.addr.family;
  if (l.scope != 0 && tern_ip_iface_by_id(stack, l.scope) == NULL) {
    return TERN_EINVAL;
  }
  /* A family the stack lacks (an IPv4-only build has no IPv6 layer): not
   * supported if it is a family, else not one at all. */
  if (fam != TERN_IP_NONE && !tern_ip_has_family(stack, fam)) {
    return fam == TERN_IP_V4 || fam == TERN_IP_V6 ? TERN_EAFNOSUPPORT
                                                  : TERN_EINVAL;
  }
  if (!tern_ip_addr_is_unspecified(&l.addr)) {
    tern_ip_iface *own = tern_ip_addr_iface(stack, &l.addr);
    if (own == NULL) {
      return TERN_EADDRNOTAVAIL;
    }
    /* Bound to its interface too, unless told another: RFC 1122 3.3.4.2,
     * the IPv4 layer is a strong host, so what is sent from the address
     * leaves by its interface (not by another's gateway, the default
     * route), and what comes to it came in there anyway. */
    if (l.scope == 0) {
      l.scope = own->id;
    }
  }
  if (l.port == 0) {
    int port = tern_ip_ephemeral_port(stack, port_in_use, layer);
    if (port < 0) {
      return port;
    }
    l.port = (uint16_t)port;
  } else {
    /* Two bindings overlap when some datagram could reach both. */
    for (const tern_udp_sock *s = layer->socks; s != NULL; s = s->next) {
      const tern_endpoint *o = &s->local;
      if (o->port == l.port &&
          (tern_ip_addr_takes(&o->addr, &l.addr) ||
           tern_ip_addr_takes(&l.addr, &o->addr)) &&
          (takes_scope(o->scope, l.scope) || l.scope == 0)) {
        return TERN_EADDRINUSE;
      }
    }
  }
  /* A fresh socket is zero, and close reset a closed one (no peer, no
   * error, an empty ring; its counters go on). */
  sock->layer = layer;
  sock->local = l;
  sock->ring = ring;
  sock->size = ring_size;
  sock->next = layer->socks;
  layer->socks = sock;
  return 0;
}

tern_endpoint tern_udp_local(const tern_udp_sock *sock) {
  return sock->local;
}

/* 0 if a peer endpoint is one sock may talk to: a port, and an address of
 * a family the build has and the socket is bound to; else the error
 * (tern_ip_family_check's for the family). Connect and send_to ask it,
 * then refuse the unspecified address (RFC 1122 3.2.1.3: 0.0.0.0 is a
 * source only) with TERN_EINVAL, as tern_endpoint_remote_check does; in
 * here that check made the function too big to inline in send_to, 28
 * bytes more on the IPv4-only stack. Measured on the sock33 branch: in
 * here with peer_check inline, +24 there; calling
 * tern_endpoint_remote_check for both, +24 there (the stack links it for
 * UDP alone), -36 where the socket backends link it anyway. */
static int peer_check(const tern_udp_sock *sock, const tern_endpoint *e) {
  uint8_t fam = e->addr.family;
  if (e->port == 0 || (sock->local.addr.family != TERN_IP_NONE &&
                       sock->local.addr.family != fam)) {
    return TERN_EINVAL;
  }
  return tern_ip_family_check(fam);
}

int tern_udp_connect(tern_udp_sock *sock, const tern_endpoint *remote) {
  static const tern_endpoint none;
  if (sock->local.port == 0) {
    return TERN_EINVAL;
  }
  if (remote == NULL || remote->addr.family == TERN_IP_NONE) {
    remote = &none; /* dissolved */
  } else {
    int rc = peer_check(sock, remote);
    if (rc != 0) {
      return rc;
    }
    if (tern_ip_addr_is_unspecified(&remote->addr)) {
      return TERN_EINVAL;
    }
  }
  sock->remote = *remote;
  sock->err = 0;
  sock->layer->proto.error = udp_error; /* from now on errors matter */
  return 0;
}

/* ---- receive ---- */

size_t tern_udp_pending(const tern_udp_sock *sock) {
  size_t n = 0;
  for (size_t at = 0; at < sock->used; n++) {
    at += record_size(sock->ring + at);
  }
  return n;
}

tern_poll tern_udp_poll_recv_msg(tern_udp_sock *sock, tern_cx *cx,
                                 tern_udp_msg *msg, void *buf, size_t cap,
                                 int *n) {
  /* A connected socket's error, reported once; or, unbound, closed (a
   * closed socket keeps its layer) or never bound (nothing to receive
   * on, as send_to says), where err is 0. */
  int rc = sock->err;
  if (sock->local.port == 0) {
    rc = sock->layer != NULL ? TERN_ECLOSED : TERN_EINVAL;
  }
  if (rc != 0) {
    *n = rc;
    sock->err = 0;
    return TERN_READY;
  }
  if (sock->used == 0) {
    tern_waker_slot_register(&sock->reader, cx);
    return TERN_PENDING;
  }
  uint8_t *r = sock->ring;
  size_t alen = tern_ip_addr_len(r[0]), hdr = META_LEN + 2 * alen;
  const uint8_t *u = r + hdr;
  size_t len = tern_udp_length(u) - TERN_UDP_HEADER_LEN;
  size_t size = hdr + TERN_UDP_HEADER_LEN + len;
  *n = (int)len;
  if (buf != NULL) {
    memcpy(buf, u + TERN_UDP_HEADER_LEN, len < cap ? len : cap);
  }
  if (msg != NULL) {
    memset(msg, 0, sizeof *msg);
    msg->src.addr.family = r[0];
    memcpy(msg->src.addr.u.w, r + META_LEN, alen);
    msg->src.port = tern_udp_src_port(u);
    msg->src.scope = r[1];
    msg->dst.family = r[0];
    memcpy(msg->dst.u.w, r + META_LEN + alen, alen);
    msg->flags = r[2];
  }
  sock->used -= size;
  memmove(r, r + size, sock->used);
  return TERN_READY;
}

tern_poll tern_udp_poll_recv_from(tern_udp_sock *sock, tern_cx *cx,
                                  tern_endpoint *src, void *buf, size_t cap,
                                  int *n) {
  tern_udp_msg msg;
  if (tern_udp_poll_recv_msg(sock, cx, &msg, buf, cap, n) == TERN_PENDING) {
    return TERN_PENDING;
  }
  if (src != NULL && *n >= 0) {
    *src = msg.src;
  }
  return TERN_READY;
}

/* ---- send ---- */

tern_poll tern_udp_poll_send_to(tern_udp_sock *sock, tern_cx *cx,
                                const tern_endpoint *dst, const void *data,
                                size_t len, int *err) {
  /* Unbound: closed (a closed socket keeps its layer; a send that waited
   * was woken by the close), or never bound. */
  int rc = TERN_EINVAL;
  if (sock->local.port == 0) {
    if (sock->layer != NULL) {
      rc = TERN_ECLOSED;
    }
    goto done;
  }
  if (data == NULL && len != 0) {
    goto done;
  }
  if (dst == NULL) {
    rc = TERN_ENOTCONN;
    dst = &sock->remote;
    if (dst->port == 0) {
      goto done;
    }
  }
  rc = peer_check(sock, dst);
  /* (a connected socket's peer, which connect checked, passes) */
  if (rc == 0 && tern_ip_addr_is_unspecified(&dst->addr)) {
    rc = TERN_EINVAL;
  }
  if (rc != 0) {
    goto done;
  }
  tern_ip_stack *stack = sock->layer->stack;
  /* A connected socket's pending error is this send's result, reported
   * once: a send that starts now sends nothing, and one that waited (for
   * a packet or for room) gives up its wait and its packet. */
  rc = sock->err;
  if (rc != 0) {
    sock->err = 0;
    goto out;
  }
  /* The packet first, the route once it is there (the fresh one: the
   * wait may have been long). */
  if (tern_ip_sender_poll_alloc(stack, cx, &sock->tx) == TERN_PENDING) {
    return TERN_PENDING;
  }
  tern_ip_route r;
  rc = tern__ip_route(stack, &dst->addr,
                      dst->scope != 0 ? dst->scope : sock->local.scope, &r);
  if (rc != 0) {
    goto out;
  }
  if (!tern_ip_addr_is_unspecified(&sock->local.addr)) {
    /* Bound to it: sent from it, while it is ours (RFC 1122 3.2.1.3: a
     * host's datagrams carry one of its own addresses; an interface may
     * have lost it since the bind, a lease renewed with another). */
    rc = TERN_EADDRNOTAVAIL;
    if (!tern_ip_is_local(stack, &sock->local.addr)) {
      goto out;
    }
    r.src = sock->local.addr;
  }
  /* A datagram that cannot go is refused before it waits for room: one
   * refused after a room wake would have taken that wake from the sender
   * behind it, which would wait for ever with the queue no longer full.
   * It must fit the route's max_len (the family would refuse it) and the
   * packet after the route's headroom: the empty packet's data starts
   * where the datagram will end (max_len bounds len: no wrap). */
  rc = TERN_EMSGSIZE;
  if (len > (size_t)r.max_len - TERN_UDP_HEADER_LEN ||
      tern_pkt_reserve(sock->tx.pkt, r.headroom + TERN_UDP_HEADER_LEN + len) !=
          0) {
    goto out;
  }
  /* Room in the interface's queue; the packet waits with the socket. */
  if (tern_ip_sender_poll_room(stack, cx, &sock->tx, r.iface) == TERN_PENDING) {
    return TERN_PENDING;
  }
  /* The datagram after the route's headroom, in the room reserved above:
   * the payload copied in, the header written in front of it by the wire
   * library. */
  tern_pkt *p = sock->tx.pkt;
  TERN_MUST(tern_pkt_push(p, TERN_UDP_HEADER_LEN + len) != NULL);
  uint8_t *u = tern_pkt_data(p);
  if (len != 0) {
    memcpy(u + TERN_UDP_HEADER_LEN, data, len);
  }
  tern_udp_emit_header(u, sock->local.port, dst->port,
                       TERN_UDP_HEADER_LEN + len, &r.src, &dst->addr);
  sock->tx.pkt = NULL;
  /* r is the route just looked up for dst: no checks to repeat. */
  rc = tern__ip_send(stack, p, &r, &dst->addr, TERN_IP_PROTO_UDP);
  goto done;
out: /* what the send holds goes: its packet, or its place in a wait */
  tern_ip_sender_release(stack, &sock->tx);
done:
  *err = rc;
  return TERN_READY;
}

void tern_udp_cancel_send(tern_udp_sock *sock) {
  if (sock->layer != NULL) {
    tern_ip_sender_release(sock->layer->stack, &sock->tx);
  }
}

bool tern_udp_is_bound(const tern_udp_layer *layer, const tern_udp_sock *sock) {
  for (const tern_udp_sock *s = layer->socks; s != NULL; s = s->next) {
    if (s == sock) {
      return true;
    }
  }
  return false;
}

void tern_udp_close(tern_udp_sock *sock) {
  if (sock->local.port == 0) {
    return;
  }
  tern_udp_sock **pp = &sock->layer->socks;
  while (*pp != sock) {
    pp = &(*pp)->next;
  }
  *pp = sock->next;
  /* A send waiting (for a packet or for room) is woken once its wait is
   * withdrawn, and finds the socket closed. */
  tern_waker sender = tern_waiter_waker(&sock->tx.waiter);
  tern_ip_sender_release(sock->layer->stack, &sock->tx);
  sock->next = NULL;
  memset(&sock->local, 0, sizeof sock->local);
  memset(&sock->remote, 0, sizeof sock->remote);
  sock->err = 0;
  sock->used = 0;
  tern_waker_slot_wake(&sock->reader);
  tern_waker_wake(sender);
}
