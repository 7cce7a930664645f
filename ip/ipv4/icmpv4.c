/* ICMPv4 in the stack: echo replies built in the request's buffer, and
 * rate-limited destination unreachable errors (RFC 792, RFC 1122 3.2.2). */
#include <string.h>

#include "ipv4_internal.h"
#include "tern/timer.h"

/* Linux sends ICMP errors with precedence "internetwork control" (TOS
 * 0xc0, RFC 791 3.1, RFC 1812 4.3.2.5), and so do we, so errors match the
 * kernel's on the wire. */
#define ERROR_TOS 0xc0

/* The token bucket: refill whole intervals since the last refill (a loop,
 * not a division: Cortex-M0 has none), then take a token if there is one. */
static bool take_token(tern_ipv4_stack *stack) {
  tern_time now = tern_now();
  while (stack->icmp_tokens < TERN_IPV4_ICMP_BURST &&
         tern_time_until(stack->icmp_refill, now) >=
             TERN_IPV4_ICMP_INTERVAL_MS) {
    stack->icmp_tokens++;
    stack->icmp_refill += TERN_IPV4_ICMP_INTERVAL_MS;
  }
  if (stack->icmp_tokens >= TERN_IPV4_ICMP_BURST) {
    stack->icmp_refill = now; /* full: time does not bank more */
  }
  if (stack->icmp_tokens == 0) {
    return false;
  }
  stack->icmp_tokens--;
  return true;
}

/* A fresh packet from the stack's pool with room for the IP header and
 * the device's below it, or NULL (counted). */
static tern_pkt *alloc_for(tern_ipv4_stack *stack, const tern_ipv4_route *r) {
  tern_pkt *p = tern_pkt_pool_try_alloc(stack->pool);
  if (p == NULL || tern_pkt_reserve(p, r->headroom) != 0) {
    tern_pkt_free(p);
    stack->stats.icmp_no_buf++;
    return NULL;
  }
  return p;
}

void tern__icmpv4_send_unreach(tern_ipv4_stack *stack, const tern_ipv4_rx *rx,
                               const uint8_t *dgram, size_t len, uint8_t code) {
  /* The emit function refuses the cases the datagram itself shows (ICMP
   * errors, fragments, multicast and 255.255.255.255, odd sources); a
   * subnet-directed broadcast only the stack can tell (RFC 1122 3.2.2). */
  if (rx->broadcast) {
    stack->stats.icmp_refused++;
    return;
  }
  tern_ipv4_route r;
  if (tern_ipv4_route_lookup(stack, &rx->src, &r) != 0) {
    stack->stats.tx_no_route++;
    return;
  }
  tern_pkt *p = alloc_for(stack, &r);
  if (p == NULL) {
    return;
  }
  size_t cap = tern_pkt_tailroom(p);
  if (r.mtu < TERN_IPV4_HEADER_LEN) {
    cap = 0;
  } else if (cap > (size_t)r.mtu - TERN_IPV4_HEADER_LEN) {
    cap = (size_t)r.mtu - TERN_IPV4_HEADER_LEN;
  }
  int n =
      tern_icmpv4_emit_dest_unreach(code, dgram, len, tern_pkt_data(p), cap);
  if (n < 0) {
    if (n == TERN_EPROTO) {
      stack->stats.icmp_refused++;
    } else {
      stack->stats.icmp_no_buf++;
    }
    tern_pkt_free(p);
    return;
  }
  if (!take_token(stack)) {
    stack->stats.icmp_rate_limited++;
    tern_pkt_free(p);
    return;
  }
  (void)tern_pkt_put(p, (size_t)n);
  if (tern__ipv4_output_ex(stack, p, &rx->dst, &rx->src, TERN_IP_PROTO_ICMP, 0,
                           ERROR_TOS, false) == 0) {
    stack->stats.icmp_unreach_sent++;
  }
}

/* RFC 1122 3.2.2.6: the reply carries the request's identifier, sequence
 * number and data unchanged; only the type and checksum change. It is
 * built in the request's own buffer when the packet has the headroom the
 * outgoing device needs, else copied once into a packet from the pool. */
static void echo_reply(tern_ipv4_stack *stack, const tern_ipv4_rx *rx,
                       tern_pkt *pkt, tern_icmpv4_repr *m) {
  if (rx->broadcast) {
    /* 3.2.2.6 allows ignoring these; Linux does by default, and it keeps
     * a smurf amplifier off the net. */
    stack->stats.icmp_echo_bcast++;
    tern_pkt_free(pkt);
    return;
  }
  tern_ipv4_route r;
  if (tern_ipv4_route_lookup(stack, &rx->src, &r) != 0) {
    stack->stats.tx_no_route++;
    tern_pkt_free(pkt);
    return;
  }
  if (tern_pkt_headroom(pkt) < r.headroom) {
    tern_pkt *copy = alloc_for(stack, &r);
    uint8_t *to = copy != NULL ? tern_pkt_put(copy, tern_pkt_len(pkt)) : NULL;
    if (to == NULL) {
      if (copy != NULL) {
        stack->stats.icmp_no_buf++;
      }
      tern_pkt_free(copy);
      tern_pkt_free(pkt);
      return;
    }
    memcpy(to, tern_pkt_data(pkt), tern_pkt_len(pkt));
    tern_pkt_free(pkt);
    pkt = copy;
  }
  uint8_t *msg = tern_pkt_data(pkt);
  m->type = TERN_ICMPV4_ECHO_REPLY;
  m->code = 0;
  m->data = msg + TERN_ICMPV4_HEADER_LEN; /* in place: only summed */
  (void)tern_icmpv4_repr_emit(m, msg, tern_pkt_len(pkt));
  /* Linux replies with the request's TOS and without DF; so do we. */
  if (tern__ipv4_output_ex(stack, pkt, &rx->dst, &rx->src, TERN_IP_PROTO_ICMP,
                           0, rx->tos, false) == 0) {
    stack->stats.icmp_echo_replies++;
  }
}

void tern__icmpv4_input(tern_ipv4_stack *stack, const tern_ipv4_rx *rx,
                        tern_pkt *pkt) {
  tern_icmpv4_repr m;
  int rc = tern_icmpv4_repr_parse(&m, tern_pkt_data(pkt), tern_pkt_len(pkt));
  if (rc < 0) {
    stack->stats.icmp_rx_drop[-rc]++;
    tern_pkt_free(pkt);
    return;
  }
  stack->stats.icmp_rx++;
  if (m.type != TERN_ICMPV4_ECHO_REQUEST) {
    /* Replies, errors (no transport here wants them yet), and the rest. */
    stack->stats.icmp_rx_ignored++;
    tern_pkt_free(pkt);
    return;
  }
  echo_reply(stack, rx, pkt, &m);
}
