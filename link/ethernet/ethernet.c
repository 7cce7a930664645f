/* The Ethernet adapter: frame dispatch, ARP (RFC 826) with the neighbour
 * cache, held packets and the timer that drives retries, expiry and
 * announcements. One file, written for size on Cortex-M0: the compiler
 * inlines the single-use helpers, received frames are read in place (no
 * repr structs), an ARP request becomes its reply in the same buffer, and
 * one function builds every ARP frame we send.
 *
 * Neighbour states (tries: requests still to send):
 *
 *   FREE --packet to an unknown address--> INCOMPLETE (tries = max, due)
 *   INCOMPLETE --due, tries > 0--> INCOMPLETE (request sent, tries - 1)
 *   INCOMPLETE --due, tries == 0--> FREE (its held packets dropped)
 *   INCOMPLETE --ARP from it--> REACHABLE (its held packets go out)
 *   FREE --request for us from it--> REACHABLE (RFC 826: add the sender)
 *   REACHABLE --ARP from it--> REACHABLE (mac updated, expiry restarted)
 *   REACHABLE --due (tries is 0)--> FREE (expired)
 *   REACHABLE --cache full, oldest--> replaced
 *
 * Our own entry (eth->self: our MAC and address) takes the same path:
 * ANNOUNCING with tries = announcements left, FREE after the last. So one
 * walk in service() runs every deadline the adapter has.
 *
 * Held packets are one FIFO for all neighbours (eth->held), linked through
 * pkt->next and keyed by pkt->next_hop, so entries need no per-packet
 * storage. A packet stays there until its neighbour is REACHABLE and the
 * lower device takes it; flush() walks the FIFO in order, so packets to
 * one neighbour keep their order, and drops a packet whose entry is gone
 * (failed, evicted or expired). */
#include "tern/ethernet.h"

#include <stddef.h>
#include <string.h>

#include "tern/arp_wire.h"
#include "tern/bytes.h"
#include "tern/err.h"
#include "tern/ethernet_wire.h"
#include "tern/timer.h"

/* The wire headers give the layout; their parse/emit functions are not
 * used here (frames are read and written in place). */
#define HDR TERN_ETH_HEADER_LEN
#define ARP_LEN TERN_ARP_LEN

_Static_assert(TERN_ETH_MAX_REQUESTS >= 1 && TERN_ETH_HOLD_MAX >= 1 &&
                   TERN_ETH_RX_BUDGET >= 1,
               "TERN_ETH_MAX_REQUESTS, TERN_ETH_HOLD_MAX and "
               "TERN_ETH_RX_BUDGET must be at least 1");
_Static_assert(TERN_ETH_MAX_REQUESTS <= 255 && TERN_ETH_ANNOUNCEMENTS <= 255,
               "tries is a byte");
_Static_assert(offsetof(tern_eth_neighbour, ip) ==
                   offsetof(tern_eth_neighbour, mac) + 6,
               "arp_send copies eth->self.mac and eth->self.ip in one go");

/* A packet's next hop as a word: one load, pkt->next_hop is word aligned
 * (packet headers are, and it follows two pointers and two halfwords). */
_Static_assert(offsetof(tern_pkt, next_hop) % 4 == 0, "next_hop alignment");
static uint32_t next_hop(const tern_pkt *p) {
  uint32_t v;
  /* The alignment hint is for gcc's Cortex-M0 code; clang 14 with UBSan
   * (the fuzz build) crashes on it. */
#if defined(__clang__)
  memcpy(&v, p->next_hop, 4);
#else
  memcpy(&v, __builtin_assume_aligned(p->next_hop, 4), 4);
#endif
  return v;
}

/* ---- the adapter's own waker ---- */

/* eth->own: given to the lower device when it makes the adapter wait, and
 * to the timer. The task polling poll_recv runs what is due and pushes
 * held packets; the task polling poll_send may go on. Spurious wakes are
 * harmless. */
static void eth_wake(void *ctx) {
  tern_eth *eth = ctx;
  tern_waker_slot_wake(&eth->rx_waker);
  tern_waker_slot_wake(&eth->tx_waker);
}

/* ---- the neighbour cache ---- */

/* The entry for ip (resolving or resolved). When there is none, add is
 * set and ip is not 0.0.0.0 (never cached: the sender of an RFC 5227
 * probe): a free entry, or else the reachable entry that expires first (the
 * one confirmed longest ago), returned FREE with ip set for the caller to
 * fill; NULL when every entry is resolving. One walk for both. */
static tern_eth_neighbour *lookup(tern_eth *eth, uint32_t ip, bool add) {
  tern_eth_neighbour *t = NULL;
  /* How soon a candidate expires: free entries first (0), then reachable
   * ones by deadline, as (deadline - now) + 2^31 so that an expired one
   * not yet freed ranks before one still valid. */
  uint32_t best = UINT32_MAX;
  tern_time bias = eth->now ^ 0x80000000u;
  for (tern_eth_neighbour *e = eth->nb; e < eth->nb_end; e++) {
    uint32_t k = 0;
    if (e->state != TERN_ETH_NB_FREE) {
      if (e->ip == ip) {
        return e;
      }
      if (e->state != TERN_ETH_NB_REACHABLE) {
        continue;
      }
      k = e->deadline - bias;
    }
    if (k < best) {
      best = k;
      t = e;
    }
  }
  if (!add || t == NULL || ip == 0) {
    return NULL;
  }
  t->ip = ip;
  t->state = TERN_ETH_NB_FREE;
  return t;
}

/* ---- sending ---- */

/* out() returns this when the lower device was PENDING. */
#define BUSY 1

/* Header fields of every ARP packet we send (and the only ones we accept):
 * htype 1, ptype 0x0800, hlen 6, plen 4, op 1 (request). */
static const uint8_t arp_fixed[8] = {0, 1, 8, 0, 6, 4, 0, TERN_ARP_OP_REQUEST};

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Prepends the Ethernet header (to dst, EtherType 0x08 type) to a packet with
 * at least 14 bytes of headroom and hands the frame to the lower device with
 * the adapter's own waker. Returns its *err (it owns p now), or BUSY with the
 * header taken off again: the caller still owns p. */
static int out(tern_eth *eth, tern_pkt *p, const uint8_t *dst, uint8_t type) {
  /* tern_pkt_push without its check: every caller made sure of the room. */
  p->head = (uint16_t)(p->head - HDR);
  p->len = (uint16_t)(p->len + HDR);
  uint8_t *h = tern_pkt_data(p);
  memcpy(h, dst, 6);
  memcpy(h + 6, eth->self.mac, 6);
  h[12] = 0x08;
  h[13] = type;
  int err;
  if (tern_netdev_poll_send(&eth->lower, &eth->own, p, &err) == TERN_PENDING) {
    p->head = (uint16_t)(p->head + HDR);
    p->len = (uint16_t)(p->len - HDR);
    return BUSY;
  }
  return err;
}

/* Sends one ARP packet from us (our MAC and address as sender). With p
 * NULL: a broadcast request for tpa (a who-has, or with tpa = our address
 * an RFC 5227 announcement) in a buffer from the pool. Else p is a frame
 * holding a checked ARP request for us (at least 28 bytes), turned into
 * its reply in place: its sender fields become the target fields and the
 * frame goes back to that MAC. Never waits: a frame the lower device
 * cannot take now is dropped and counted. */
static void arp_send(tern_eth *eth, tern_pkt *p, uint32_t tpa) {
  const uint8_t *dst = broadcast;
  uint8_t *a;
  int err = TERN_ENOMEM;
  if (p != NULL) {
    /* The Ethernet header pulled, padding trimmed (the caller checked
     * the 28 bytes). */
    p->head = (uint16_t)(p->head + HDR);
    p->len = ARP_LEN;
    a = tern_pkt_data(p);
    memcpy(a + 18, a + 8, 10); /* tha, tpa = sha, spa */
    a[7] = TERN_ARP_OP_REPLY;  /* a[0..7) is arp_fixed already */
    dst = a + 18;
  } else {
    if ((p = tern_pkt_pool_try_alloc(eth->pool)) == NULL) {
      goto fail;
    }
    /* The frame at the end of the buffer: init checked that the lower
     * headroom and both headers fit in front of it. */
    p->head = (uint16_t)(p->pool->buf_size - ARP_LEN);
    p->len = ARP_LEN;
    a = tern_pkt_data(p);
    memcpy(a, arp_fixed, 8);
    memset(a + 18, 0, 6);
    memcpy(a + 24, &tpa, 4);
  }
  memcpy(a + 8, eth->self.mac, 10); /* sha and spa */
  err = out(eth, p, dst, 0x06);
  if (err != 0) {
    if (err == BUSY) {
      tern_pkt_free(p);
    }
  fail:
    eth->stats.arp_tx_fail++;
  }
}

/* Pushes held packets whose neighbour is reachable to the lower device, in
 * order, and drops those whose entry is gone. Returns false when the lower
 * device is full (it holds the adapter's waker then). */
static bool flush(tern_eth *eth) {
  tern_pkt **pp = &eth->held;
  tern_pkt *p;
  while ((p = *pp) != NULL) {
    tern_pkt *next = p->next; /* the lower device may reuse p->next */
    tern_eth_neighbour *e = lookup(eth, next_hop(p), false);
    int err = TERN_EINVAL;
    if (e == NULL) {
      tern_pkt_free(p);
    } else if (e->state != TERN_ETH_NB_REACHABLE) {
      pp = &p->next; /* still resolving */
      continue;
    } else if ((err = out(eth, p, e->mac, 0x00)) == BUSY) {
      return false;
    }
    if (err < 0) {
      eth->stats.held_drop_failed++;
    }
    *pp = next;
  }
  return true;
}

/* Holds a packet for its next hop at the end of the FIFO, dropping the
 * oldest held packet when over the bound (RFC 1122 2.3.2.2: keep at
 * least the latest). */
static void hold(tern_eth *eth, tern_pkt *pkt) {
  unsigned n = 0;
  tern_pkt **pp = &eth->held;
  for (; *pp != NULL; pp = &(*pp)->next) {
    n++;
  }
  pkt->next = NULL;
  *pp = pkt;
  if (n >= TERN_ETH_HOLD_MAX) {
    tern_pkt *old = eth->held;
    eth->held = old->next;
    tern_pkt_free(old);
    eth->stats.held_drop_overflow++;
  }
}

/* ---- the timer ---- */

/* Further than any deadline the adapter sets: "nothing to wait for". */
#define HORIZON 0x40000000u

/* Runs what is due (requests, failures, expiry, announcements), arms the
 * timer for the next deadline with the adapter's own waker (or cancels it)
 * and flushes the held packets. Returns what flush() returned. */
static bool service(tern_eth *eth) {
  tern_time now = eth->now = tern_now();
  tern_time next = now + HORIZON;
  /* The cache, then our own entry (announcements): one deadline path. */
  tern_eth_neighbour *e = eth->nb;
  for (;; e++) {
    if (e == eth->nb_end) {
      e = &eth->self;
    }
    if (e->state != TERN_ETH_NB_FREE) {
      if (!tern_time_before(now, e->deadline)) {
        if (e->tries == 0) {
          /* Reachable and expired, or no answer to the last request
           * (flush() drops its packets), or the last announcement sent. */
          if (e->state == TERN_ETH_NB_INCOMPLETE) {
            eth->stats.resolve_failures++;
          }
          e->state = TERN_ETH_NB_FREE;
          goto next_entry;
        }
        /* Our address may still be 0.0.0.0: the request is then an RFC
         * 5227 probe in form. A request that could not be sent counts as
         * a try, so resolution still ends. */
        e->tries--;
        e->deadline =
            now + (e->state == TERN_ETH_NB_INCOMPLETE ? TERN_ETH_RETRY_MS
                                                      : TERN_ETH_ANNOUNCE_MS);
        arp_send(eth, NULL, e->ip);
      }
      if (tern_time_before(e->deadline, next)) {
        next = e->deadline;
      }
    }
  next_entry:
    if (e == &eth->self) {
      break;
    }
  }
  if (next - now >= HORIZON) {
    tern_timer_cancel(&eth->timer);
  } else if (tern_sleep_until(&eth->timer, &eth->own, next) == TERN_READY) {
    eth_wake(eth); /* already due: run it on the next poll */
  }
  return flush(eth);
}

/* ---- receive ---- */

#define CONSUMED (-1)

/* RFC 826 "Packet Reception" for the ARP packet a[0..n) in frame p.
 * Returns a tern_eth_rx_drop reason, or CONSUMED when p was processed (and
 * freed, or sent back as the reply). */
static int arp_input(tern_eth *eth, tern_pkt *p, const uint8_t *a, size_t n) {
  if (n < ARP_LEN || memcmp(a, arp_fixed, 7) != 0 || (uint8_t)(a[7] - 1) > 1) {
    return TERN_ETH_RX_ARP_MALFORMED;
  }
  const uint8_t *sha = tern_arp_sha(a);
  uint32_t spa = tern_ld32(tern_arp_spa(a));
  if ((sha[0] & 1) || (tern_ld32(sha) | sha[4] | sha[5]) == 0 ||
      memcmp(sha, eth->self.mac, 6) == 0 || tern_arp_spa(a)[0] >= 224) {
    /* Not a station that could be a neighbour (or our own frame looped
     * back): never let it into the cache. */
    return TERN_ETH_RX_ARP_BAD_SENDER;
  }
  uint32_t me = eth->self.ip;
  bool for_us = false;
  if (me != 0) { /* without an address nothing is answered or added */
    if (spa == me) {
      /* Another station uses our address (RFC 5227 section 2.4): counted
       * for the application; the cache and our answers are left alone. */
      return TERN_ETH_RX_ARP_CONFLICT;
    }
    for_us = tern_ld32(tern_arp_tpa(a)) == me;
  }
  eth->stats.rx_arp++;
  /* Merge: an entry for the sender is updated (this completes a
   * resolution; flush() then sends its packets). If we are the target,
   * the sender is added. No entry ever has 0.0.0.0, the sender address
   * of an RFC 5227 probe (lookup() adds none). */
  tern_eth_neighbour *e = lookup(eth, spa, for_us);
  if (e != NULL) {
    memcpy(e->mac, sha, 6);
    e->state = TERN_ETH_NB_REACHABLE;
    e->tries = 0; /* the deadline is its expiry */
    e->deadline = eth->now + TERN_ETH_REACHABLE_MS;
  }
  if (for_us && a[7] == TERN_ARP_OP_REQUEST) { /* a[6] is 0 */
    arp_send(eth, p, 0);                       /* the frame becomes the reply */
  } else {
    tern_pkt_free(p);
  }
  return CONSUMED;
}

/* Classifies one received frame. Returns true when it is an IPv4 packet to
 * hand up (its Ethernet header pulled); otherwise the frame is consumed or
 * dropped, counted, and freed. */
static bool input(tern_eth *eth, tern_pkt *p) {
  const uint8_t *f = tern_pkt_data(p);
  size_t n = tern_pkt_len(p);
  int reason;
  if (n < HDR) {
    reason = TERN_ETH_RX_TRUNCATED;
  } else {
    n -= HDR;
    /* A group address must be broadcast, any other ours: one compare. */
    unsigned group = f[0] & 1;
    if (memcmp(f, group ? broadcast : eth->self.mac, 6) != 0) {
      _Static_assert(TERN_ETH_RX_MULTICAST == TERN_ETH_RX_OTHER_HOST + 1,
                     "reason = OTHER_HOST + group");
      reason = TERN_ETH_RX_OTHER_HOST + group;
    } else if (f[6] & 1) {
      reason = TERN_ETH_RX_BAD_SOURCE;
    } else if (f[12] != 0x08) {
      reason = TERN_ETH_RX_ETHERTYPE;
    } else if (f[13] == 0x00) { /* IPv4 */
      /* Handed up as it is: the IP layer checks its own header. */
      p->head = (uint16_t)(p->head + HDR);
      p->len = (uint16_t)n;
      eth->stats.net.rx_packets++;
      eth->stats.net.rx_bytes += (uint32_t)n;
      return true;
    } else if (f[13] == 0x06) { /* ARP */
      reason = arp_input(eth, p, f + HDR, n);
      if (reason == CONSUMED) {
        return false;
      }
    } else {
      reason = TERN_ETH_RX_ETHERTYPE;
    }
  }
  eth->stats.rx_drop[reason]++;
  tern_pkt_free(p);
  return false;
}

static tern_poll eth_poll_recv(void *self, tern_cx *cx, tern_pkt **out_pkt,
                               int *err) {
  tern_eth *eth = self;
  /* Registered first, so a wake from the timer or the lower device's send
   * side that comes while this poll runs is not lost. */
  tern_waker_slot_register(&eth->rx_waker, cx);
  for (unsigned i = 0; i < TERN_ETH_RX_BUDGET; i++) {
    /* Before each frame: what is due, and what the last ARP released. */
    service(eth);
    /* Straight into *out_pkt (NULL with an error); a frame input() drops
     * leaves a stale pointer there, which a PENDING return does not
     * give the caller. */
    if (tern_netdev_poll_recv(&eth->lower, cx, out_pkt, err) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (*err < 0 || input(eth, *out_pkt)) {
      return TERN_READY;
    }
  }
  /* Budget spent: let the other tasks run, then carry on (the slot holds
   * cx's waker, unless a wake already took it). */
  tern_waker_slot_wake(&eth->rx_waker);
  return TERN_PENDING;
}

/* ---- send ---- */

static tern_poll send_packet(tern_eth *eth, tern_pkt *pkt, int *err) {
  /* Held packets whose neighbour answered go first, so packets to one
   * neighbour keep their order. */
  if (!service(eth)) {
    return TERN_PENDING;
  }
  size_t len = tern_pkt_len(pkt);
  const uint8_t *nh = pkt->next_hop;
  uint32_t nhw = next_hop(pkt);
  uint32_t group[2];
  const uint8_t *dst = broadcast;
  uint32_t *count;
  int rc;
  /* No MTU check: the IP layer sends nothing longer than our MTU, and the
   * lower device refuses (and counts) a frame over its own (counted here
   * in net.tx_drop_error). */
  if (tern_pkt_headroom(pkt) < HDR) {
    count = &eth->stats.net.tx_drop_no_room;
    rc = TERN_ENOSPC;
  } else if (nhw == 0xffffffffu) {
    goto send; /* limited broadcast */
  } else if ((nh[0] & 0xf0) == 0xe0) {
    /* RFC 1112 section 6.4: 01-00-5E and the low 23 bits of the group,
     * at group + 2: the address as a word at group[1], its first byte
     * and the top bit of its second replaced. */
    uint8_t *g = (uint8_t *)group + 2;
    group[1] = nhw;
    g[0] = 0x01;
    g[1] = 0x00;
    g[2] = 0x5e;
    g[3] &= 0x7f;
    dst = g;
    goto send;
  } else if (nhw == 0) {
    count = &eth->stats.tx_drop_bad_next_hop;
    rc = TERN_EINVAL;
  } else {
    tern_eth_neighbour *e = lookup(eth, nhw, true);
    if (e == NULL) {
      count = &eth->stats.tx_drop_cache_full;
      rc = TERN_ENOMEM;
      goto drop;
    }
    if (e->state == TERN_ETH_NB_REACHABLE) {
      dst = e->mac;
      goto send;
    }
    if (e->state == TERN_ETH_NB_FREE) {
      /* Due now: service() below sends the first request. */
      e->state = TERN_ETH_NB_INCOMPLETE;
      e->tries = TERN_ETH_MAX_REQUESTS;
      e->deadline = eth->now;
    }
    hold(eth, pkt); /* ours now */
    service(eth);
    *err = 0;
    goto accepted;
  }
drop:
  (*count)++;
  tern_pkt_free(pkt);
  *err = rc;
  return TERN_READY;
send:
  rc = out(eth, pkt, dst, 0x00);
  if (rc == BUSY) {
    return TERN_PENDING; /* the caller keeps the packet, as it came */
  }
  *err = rc;
  if (rc < 0) {
    eth->stats.net.tx_drop_error++;
    return TERN_READY;
  }
accepted:
  eth->stats.net.tx_packets++;
  eth->stats.net.tx_bytes += (uint32_t)len;
  return TERN_READY;
}

static tern_poll eth_poll_send(void *self, tern_cx *cx, tern_pkt *pkt,
                               int *err) {
  tern_eth *eth = self;
  /* Registered before the lower device is asked: its interrupt may call
   * the adapter's waker as soon as the device has stored it, before
   * poll_send returns PENDING. Withdrawn again when nothing waits. */
  tern_waker_slot_register(&eth->tx_waker, cx);
  tern_poll r = send_packet(eth, pkt, err);
  if (r == TERN_READY) {
    tern_waker_slot_clear(&eth->tx_waker);
  }
  return r;
}

/* ---- the rest of the netdev ---- */

static void eth_get_info(void *self, tern_netdev_info *info) {
  tern_eth *eth = self;
  eth->lower.ops->get_info(eth->lower.self, info);
  info->mtu = (uint16_t)(info->mtu - HDR);
  info->headroom = (uint16_t)(info->headroom + HDR);
  info->medium = TERN_MEDIUM_IP;
  /* info->mac stays the lower device's: the IP layer may want it (DHCP
   * client ids), although netdev.h has zero for IP media. */
}

static const tern_netdev_stats *eth_get_stats(void *self) {
  tern_eth *eth = self;
  return &eth->stats.net;
}

static void eth_set_ipv4(void *self, const uint8_t addr[4]) {
  tern_eth *eth = self;
  uint32_t ip = tern_ld32(addr);
  if (ip != eth->self.ip) {
    eth->self.ip = ip;
    /* RFC 5227 section 3: announce a new address; the first goes out at
     * once, the others from the timer. */
    eth->self.state = ip != 0 ? TERN_ETH_NB_ANNOUNCING : TERN_ETH_NB_FREE;
    eth->self.tries = TERN_ETH_ANNOUNCEMENTS;
    eth->self.deadline = tern_now();
  }
  service(eth);
}

static const tern_netdev_ops eth_ops = {
    .poll_recv = eth_poll_recv,
    .poll_send = eth_poll_send,
    .get_info = eth_get_info,
    .get_stats = eth_get_stats,
    .set_ipv4 = eth_set_ipv4,
};

tern_netdev tern_eth_netdev(tern_eth *eth) {
  tern_netdev d = {&eth_ops, eth};
  return d;
}

int tern_eth_init(tern_eth *eth, tern_netdev lower, tern_pkt_pool *pool,
                  tern_eth_neighbour *neighbours, size_t n_entries) {
  tern_netdev_info li;
  lower.ops->get_info(lower.self, &li);
  if (pool == NULL || neighbours == NULL || n_entries == 0 ||
      li.medium != TERN_MEDIUM_ETHERNET || li.mtu < HDR + ARP_LEN ||
      li.headroom + HDR + ARP_LEN > pool->buf_size) {
    return TERN_EINVAL;
  }
  memset(eth, 0, sizeof *eth);
  memset(neighbours, 0, n_entries * sizeof *neighbours);
  eth->lower = lower;
  eth->pool = pool;
  eth->nb = neighbours;
  eth->nb_end = neighbours + n_entries;
  memcpy(eth->self.mac, li.mac, 6);
  tern_waker w = {eth_wake, eth};
  eth->own = tern_cx_make(w);
  return 0;
}

void tern_eth_deinit(tern_eth *eth) {
  tern_timer_cancel(&eth->timer);
  tern_pkt *p;
  while ((p = eth->held) != NULL) {
    eth->held = p->next;
    tern_pkt_free(p);
  }
}

const tern_eth_stats *tern_eth_get_stats(const tern_eth *eth) {
  return &eth->stats;
}

const char *tern_eth_rx_drop_name(int reason) {
  static const char *const names[TERN_ETH_RX_DROP_COUNT] = {
      "truncated", "other-host",    "multicast",      "bad-source",
      "ethertype", "arp-malformed", "arp-bad-sender", "arp-conflict",
  };
  if (reason < 0 || reason >= TERN_ETH_RX_DROP_COUNT) {
    return "unknown";
  }
  return names[reason];
}
