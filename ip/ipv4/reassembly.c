/* IPv4 reassembly (RFC 791, RFC 815): fragments copied into one buffer
 * per datagram, the parts still missing kept as RFC 815's hole list.
 * See reassembly.h and README.md. */
#include "tern/reassembly.h"

#include <string.h>

#include "ipv4_internal.h"
#include "tern/bytes.h"
#include "tern/timer.h"

/* A datagram in progress is one packet of the pool, laid out as
 *
 *   0          OVERHEAD - hlen               OVERHEAD
 *   [ dgram | ... | fragment 0's header | payload: cap bytes at most ]
 *
 * The parts of the payload not received yet are RFC 815's holes, listed
 * in order of offset. Each hole's descriptor (a `hole`) is in its own
 * first four bytes. A hole starts where a fragment ended or at 0, and
 * ends where one starts or is OPEN; those offsets are multiples of 8
 * (RFC 791: all but the last fragment carry multiples of 8 bytes, and the
 * last leaves no hole after it), so a hole is at least 8 bytes long, and
 * its descriptor fits in it and is aligned (OVERHEAD is a multiple of 8,
 * and the buffer starts aligned for a tern_pkt: for a dgram too). */
#define NONE 0xffffu
#define OPEN 0xffffu

typedef struct hole {
  uint16_t end;  /* exclusive; OPEN while the last fragment has not come:
                    the hole runs to the end of the buffer */
  uint16_t next; /* the next hole's offset; NONE after the last */
} hole;

typedef struct dgram {
  tern_time born;       /* its first fragment's arrival (RFC 791's timer
                           runs from it) */
  tern_ip_iface *iface; /* where the first fragment came (RFC 791's key
                           is the rest: the addresses, ident, protocol) */
  uint32_t src, dst;    /* as words in memory order, as tern_ip_rx has them */
  uint16_t ident;
  uint8_t protocol;
  uint8_t hlen;   /* fragment 0's header length; 0 until it came */
  uint16_t total; /* the payload's length; 0 until the last fragment */
  uint16_t holes; /* the first hole's offset; NONE: whole */
} dgram;

_Static_assert(sizeof(dgram) + TERN_IPV4_MAX_HEADER_LEN <=
                   TERN_IPV4_REASM_OVERHEAD,
               "TERN_IPV4_REASM_OVERHEAD must hold a dgram and a header");
_Static_assert(TERN_PKT_MAX_BUF < OPEN,
               "hole offsets must stay below OPEN and NONE");
_Static_assert(TERN_IPV4_REASM_OVERHEAD % 8 == 0,
               "holes must be aligned for their descriptors");
/* No reassembled datagram outgrows the total length field (a "ping of
 * death" is refused as too big): the most a buffer holds after the
 * OVERHEAD, with the longest header in front, is below 65,535 bytes. */
_Static_assert(TERN_PKT_MAX_BUF - TERN_IPV4_REASM_OVERHEAD +
                       TERN_IPV4_MAX_HEADER_LEN <=
                   TERN_IPV4_MAX_LEN,
               "a reassembled datagram must fit the total length field");

static dgram *meta(const tern_pkt *p) {
  return (dgram *)(void *)tern__pkt_buf(p);
}

static uint8_t *payload(const tern_pkt *p) {
  return tern__pkt_buf(p) + TERN_IPV4_REASM_OVERHEAD;
}

/* The descriptor of the hole at offset `at` of the payload. */
static hole *hole_at(uint8_t *pay, unsigned at) {
  return (hole *)(void *)(pay + at);
}

#ifndef NDEBUG
/* Debug builds (the tests, the fuzzer) check a datagram's hole list after
 * every fragment placed in it: holes in order, apart, 8-byte aligned,
 * inside the buffer, and the OPEN one last, there exactly while the last
 * fragment has not come. */
static void check_holes(const tern_ipv4_reasm *r, const tern_pkt *p) {
  const dgram *d = meta(p);
  uint8_t *pay = payload(p);
  unsigned at = d->holes, last_end = 0;
  while (at != NONE) {
    unsigned end = hole_at(pay, at)->end, next = hole_at(pay, at)->next;
    bool ok = at % 8 == 0 && at >= last_end && at + 8 <= r->cap && end > at;
    if (end == OPEN) {
      ok = ok && next == NONE && d->total == 0;
    } else {
      ok = ok && end % 8 == 0 && end < r->cap && next != at &&
           (d->total == 0 || end <= d->total);
    }
    if (!ok) {
      tern_assert_failed("reassembly: the hole list is corrupt");
    }
    last_end = end + 1; /* holes are never adjacent: data lies between */
    at = next;
  }
  if ((d->total == 0) != (last_end == OPEN + 1)) {
    tern_assert_failed("reassembly: the open hole and the length disagree");
  }
}
#else
static void check_holes(const tern_ipv4_reasm *r, const tern_pkt *p) {
  (void)r;
  (void)p;
}
#endif

/* Drops a datagram whose time is up (RFC 1122 3.3.2), with an ICMP time
 * exceeded to its source if its first fragment came: the message quotes
 * that fragment's header and the data from 0 to the first hole (8 bytes
 * at least: no tiny first fragment is kept). None about an ICMP error
 * (RFC 1122 3.2.2). Takes p. */
static void expire(tern_ipv4_reasm *r, tern_pkt *p) {
  dgram *d = meta(p);
  r->stats.timeouts++;
  if (d->hlen == 0 || (d->protocol == TERN_IP_PROTO_ICMP &&
                       tern_icmpv4_is_error(payload(p)[0]))) {
    tern_pkt_free(p);
    return;
  }
  /* It came plainly to our address (the IPv4 layer reassembles nothing
   * else): flags 0. */
  tern_ip_rx rx = {.iface = d->iface, .protocol = d->protocol};
  rx.src.family = rx.dst.family = TERN_IP_V4;
  rx.src.u.w[0] = d->src;
  rx.dst.u.w[0] = d->dst;
  unsigned hlen = d->hlen;
  TERN_MUST(tern_pkt_reserve(p, TERN_IPV4_REASM_OVERHEAD) == 0);
  TERN_MUST(tern_pkt_put(p, d->holes) != NULL);
  if (tern__icmpv4_error(r->v4, &rx, p, hlen, TERN_ICMPV4_TIME_EXCEEDED, 1)) {
    r->stats.time_exceeded++;
  }
}

/* The IPv4 layer's hook (tern_ipv4_layer.reasm_input): frag passed every
 * check of the layer's input and came plainly to our address (rx says
 * from where, to where, on which interface). Copies it into its
 * datagram, takes it, and returns the datagram if it is whole now, else
 * NULL (the fragment counted). */
static tern_pkt *input(tern_ipv4_reasm *r, const tern_ip_rx *rx,
                       tern_pkt *frag) {
  tern_ipv4_reasm_stats *st = &r->stats;
  const uint8_t *h = tern_pkt_data(frag);
  unsigned hlen = (unsigned)tern_ipv4_header_len(h);
  unsigned len = tern_ipv4_total_len(h) - hlen;
  unsigned f = tern_ipv4_frag_offset(h);
  unsigned more = tern_ipv4_more_frags(h);
  unsigned e = f + len; /* the fragment is [f, e) of the payload */
  uint16_t ident = (uint16_t)tern_ipv4_ident(h);
  uint32_t *count = &st->drop_bad;
  if (len == 0 || (more && len % 8 != 0)) {
    goto drop;
  }
  /* RFC 1858, RFC 3128: a first fragment must hold the transport's
   * header (its ports, TCP's flags), and a fragment at offset 8 could
   * only rewrite it. A first fragment has MF set, so the check above
   * left it 8 bytes at least: every other transport's header (UDP's,
   * ICMP's) is there; only TCP's 20 need a test. */
  count = &st->drop_tiny;
  if (f == 8 || (f == 0 && len < 20 && h[9] == TERN_IP_PROTO_TCP)) {
    goto drop;
  }
  /* Its datagram, and the oldest one in progress (the last: the newest
   * are first). On the way, the datagrams whose time is up are dropped:
   * every fragment runs the timers. The time a datagram has waited is
   * measured, not its deadline compared: no fragment may come for weeks,
   * and tern_time_before would see a deadline more than 24.8 days past
   * as in the future again (the datagram kept, and completed by a new
   * one that reuses its identification); the unsigned wait is right for
   * 49.7 days, then sees a fresh datagram for a timeout's length. */
  tern_time now = tern_now();
  tern_pkt **at = NULL, **oldest = NULL, **link = &r->busy, *p;
  while ((p = *link) != NULL) {
    dgram *d = meta(p);
    if (now - d->born >= TERN_IPV4_REASM_TIMEOUT_MS) {
      *link = p->next;
      expire(r, p);
      continue;
    }
    if (d->src == rx->src.u.w[0] && d->ident == ident &&
        d->dst == rx->dst.u.w[0] && d->protocol == h[9]) {
      at = link;
    }
    oldest = link;
    link = &p->next;
  }
  /* A fragment that runs past the buffer (or ends it and says more
   * follow) means a datagram too big to reassemble here. */
  count = &st->drop_too_big;
  if (e + more > r->cap) {
    if (at != NULL) {
      goto drop_dgram;
    }
    goto drop;
  }
  if (at == NULL) {
    /* A new datagram: in a free buffer, or in the oldest one's. */
    p = tern_pkt_pool_try_alloc(r->pool);
    if (p == NULL && oldest != NULL) {
      tern_pkt_free(*oldest); /* the last in the list */
      *oldest = NULL;
      st->evicted++;
      p = tern_pkt_pool_try_alloc(r->pool);
    }
    count = &st->drop_no_buffer;
    if (p == NULL) {
      goto drop;
    }
    dgram *d = meta(p);
    d->born = now;
    d->iface = rx->iface;
    d->src = rx->src.u.w[0];
    d->dst = rx->dst.u.w[0];
    d->ident = ident;
    d->protocol = h[9];
    d->hlen = 0;
    d->total = 0;
    d->holes = 0; /* one hole: [0, OPEN) */
    hole_at(payload(p), 0)->end = OPEN;
    hole_at(payload(p), 0)->next = NONE;
    p->next = r->busy;
    r->busy = p;
    at = &r->busy;
  }
  p = *at;
  dgram *d = meta(p);
  uint8_t *pay = payload(p);
  /* The first hole that ends after f, and the link to it. */
  uint16_t *hole_link = &d->holes;
  unsigned start, end = 0;
  while ((start = *hole_link) != NONE &&
         (end = hole_at(pay, start)->end) <= f) {
    hole_link = &hole_at(pay, start)->next;
  }
  if (start == NONE || f < start) {
    /* f was received already: a duplicate if all of it was (and, if it
     * is a last fragment, it ends where the datagram does), else an
     * overlap (or data past the datagram's end, or an end before data
     * received). */
    count = &st->duplicates;
    if (e <= (start == NONE ? d->total : start) && (more || e == d->total)) {
      goto drop;
    }
    goto overlap;
  }
  /* f is in the hole [start, end): the fragment must end in it too, and
   * a last fragment must end the datagram (nothing came after it). */
  if (e > end || (!more && end != OPEN)) {
    goto overlap;
  }
  /* What is left of the hole: [start, f) and [e, end). */
  unsigned next = hole_at(pay, start)->next;
  if (!more) {
    d->total = (uint16_t)e;
  } else if (e < end) {
    hole_at(pay, e)->end = (uint16_t)end;
    hole_at(pay, e)->next = (uint16_t)next;
    next = e;
  }
  if (f > start) {
    hole_at(pay, start)->end = (uint16_t)f;
    hole_at(pay, start)->next = (uint16_t)next;
  } else {
    *hole_link = (uint16_t)next;
  }
  memcpy(pay + f, tern_ipv4_payload(h), len);
  if (f == 0) {
    d->hlen = (uint8_t)hlen;
    memcpy(pay - hlen, h, hlen);
  }
  tern_pkt_free(frag);
  check_holes(r, p);
  if (d->holes != NONE) {
    st->kept++;
    return NULL;
  }
  /* Whole: fragment 0's header in front, with the datagram's length, MF
   * and the offset cleared (DF kept), and its checksum again. */
  *at = p->next;
  st->completed++;
  hlen = d->hlen;
  len = hlen + d->total;
  TERN_MUST(tern_pkt_reserve(p, TERN_IPV4_REASM_OVERHEAD - hlen) == 0);
  uint8_t *ip = tern_pkt_put(p, len);
  tern_put_be16(ip + 2, len);
  ip[6] &= 0x40;
  ip[7] = 0;
  tern_put_be16(ip + 10, 0);
  tern_put_be16(ip + 10, tern_checksum(ip, hlen));
  return p;
overlap:
  count = &st->drop_overlap;
drop_dgram:
  st->bad_datagrams++;
  p = *at;
  *at = p->next;
  tern_pkt_free(p);
drop:
  (*count)++;
  tern_pkt_free(frag);
  return NULL;
}

int tern_ipv4_reasm_init(tern_ipv4_reasm *r, tern_ipv4_layer *v4,
                         tern_pkt_pool *pool) {
  if (r == NULL || v4 == NULL || pool == NULL ||
      pool->buf_size < TERN_IPV4_REASM_OVERHEAD + TERN_IPV4_REASM_MIN_PAYLOAD) {
    return TERN_EINVAL;
  }
  if (v4->reasm != NULL) {
    return TERN_EALREADY;
  }
  memset(r, 0, sizeof *r);
  r->v4 = v4;
  r->pool = pool;
  r->cap = (uint16_t)((pool->buf_size - TERN_IPV4_REASM_OVERHEAD) & ~7u);
  v4->reasm = r;
  v4->reasm_input = input;
  return 0;
}

tern_ipv4_reasm_stats tern_ipv4_reasm_get_stats(const tern_ipv4_reasm *r) {
  return r->stats;
}
