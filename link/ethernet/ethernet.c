/* The Ethernet adapter: frame dispatch by EtherType, next-hop resolution
 * through the neighbour cache of each family, held packets, the timer
 * that drives solicitations, expiry and announcements, link events and
 * the multicast filter. ARP itself is in arp.c. Frames are checked and
 * built with the wire library (tern/ethernet_wire.h).
 *
 * Held packets are one FIFO for all neighbours (eth->held), linked through
 * pkt->next and keyed by their next hop (tern_pkt_next_hop(), the family
 * by the IP version nibble), so cache entries need no per-packet storage.
 * A packet stays there until its neighbour is REACHABLE and the lower
 * device takes it; flush() walks the FIFO in order, so packets to one
 * neighbour keep their order, and drops a packet whose entry is gone
 * (failed, evicted or expired). */
#include "tern/ethernet.h"

#include <stddef.h>
#include <string.h>

#include "ethernet_internal.h"
#include "tern/arp_wire.h"
#include "tern/err.h"
#include "tern/ethernet_wire.h"
#include "tern/timer.h"

#define HDR TERN_ETH_HEADER_LEN

_Static_assert(TERN_ETH_MAX_REQUESTS >= 1 && TERN_ETH_HOLD_MAX >= 1 &&
                   TERN_ETH_RX_BUDGET >= 1,
               "TERN_ETH_MAX_REQUESTS, TERN_ETH_HOLD_MAX and "
               "TERN_ETH_RX_BUDGET must be at least 1");
_Static_assert(TERN_ETH_MAX_REQUESTS <= 255 && TERN_ETH_ANNOUNCEMENTS <= 255,
               "request and announcement counts are bytes");

_Static_assert(TERN_ETH_RETRY_MS >= 1 &&
                   TERN_ETH_RETRY_MS <= TERN_NEIGH_MAX_MS &&
                   TERN_ETH_REACHABLE_MS >= 1 &&
                   TERN_ETH_REACHABLE_MS <= TERN_NEIGH_MAX_MS &&
                   TERN_ETH_ANNOUNCE_MS <= TERN_NEIGH_MAX_MS,
               "TERN_ETH_RETRY_MS, TERN_ETH_REACHABLE_MS and "
               "TERN_ETH_ANNOUNCE_MS must be 1 to TERN_NEIGH_MAX_MS "
               "(deadlines are compared across the clock's wrap)");

const uint8_t tern__eth_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

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

/* The lower device's facts, read into *li (tern_netdev_get_info returns
 * them by value: one more copy of the struct). */
static void lower_info(const tern_netdev *lower, tern_netdev_info *li) {
  lower->ops->get_info(lower->self, li);
}

/* The IPv6 next-hop cache, or NULL: always NULL in an IPv4-only build
 * (ip/addr/README.md), which has no IPv6 layer to attach one
 * (tern_eth_attach_ndp refuses it), so the IPv6 paths compile out. */
static tern_neigh_cache *ndp_of(const tern_eth *eth) {
  return TERN_CONFIG_IPV6 ? eth->ndp : NULL;
}

/* ---- frames out ---- */

int tern__eth_out(tern_eth *eth, tern_pkt *p, const uint8_t dst[6],
                  uint16_t ethertype) {
  /* Every caller leaves the room: poll_send checks it, ARP frames are
   * built after it. */
  TERN_MUST(tern_pkt_push(p, HDR) != NULL);
  tern_eth_write_header(tern_pkt_data(p), dst, eth->mac, ethertype);
  int err;
  if (tern_netdev_poll_send(&eth->lower, &eth->own, p, &err) == TERN_PENDING) {
    TERN_MUST(tern_pkt_pull(p, HDR) != NULL); /* as it came */
    return TERN__ETH_BUSY;
  }
  return err;
}

/* ---- next hops ---- */

/* Where an outgoing IP packet goes on the link: its EtherType, the length
 * of its next hop (tern_pkt_next_hop) and the cache that is resolved in. */
typedef struct hop {
  uint16_t ethertype;
  uint8_t len;
  tern_neigh_cache *cache;
} hop;

/* Reads p's family from its version nibble. Returns 0, or
 * TERN_EAFNOSUPPORT for anything but IPv4 and IPv6 with a cache. */
static int next_hop(tern_eth *eth, const tern_pkt *p, hop *h) {
  unsigned version = tern_pkt_len(p) != 0 ? tern_pkt_data(p)[0] >> 4 : 0;
  if (version == 4) {
    h->ethertype = TERN_ETHERTYPE_IPV4;
    h->len = TERN_PKT_NEXT_HOP4_LEN;
    h->cache = &eth->arp;
    return 0;
  }
  if (version == 6 && ndp_of(eth) != NULL) {
    h->ethertype = TERN_ETHERTYPE_IPV6;
    h->len = TERN_PKT_NEXT_HOP6_LEN;
    h->cache = ndp_of(eth);
    return 0;
  }
  return TERN_EAFNOSUPPORT;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != v) {
      return false;
    }
  }
  return true;
}

/* The group MAC of an IPv4 (224.0.0.0/4, RFC 1112 6.4) or IPv6
 * (ff00::/8, RFC 2464 7) multicast address of len bytes: true with it in
 * mac, false for any other address. An IPv4-only build has no IPv6
 * groups (no IPv6 layer joins or sends to one), so the IPv6 mapping
 * compiles out there. */
static bool group_mac(const uint8_t *a, size_t len, uint8_t mac[6]) {
  if (len == 4 && (a[0] & 0xf0) == 0xe0) {
    tern_eth_mcast_ipv4(mac, a);
    return true;
  }
  if (TERN_CONFIG_IPV6 && len == 16 && a[0] == 0xff) {
    tern_eth_mcast_ipv6(mac, a);
    return true;
  }
  return false;
}

/* Whether p goes through a router: its next hop a (len bytes) is not its
 * destination (IPv4 header bytes 16 to 19, IPv6 24 to 39). A packet too
 * short to hold one is taken as to its next hop. */
static bool via_router(const tern_pkt *p, const uint8_t *a, size_t len) {
  size_t at = len == TERN_PKT_NEXT_HOP4_LEN ? 16 : 24;
  return tern_pkt_len(p) >= at + len &&
         memcmp(tern_pkt_data(p) + at, a, len) != 0;
}

/* A next hop that needs no resolution: 0 with *dst its MAC (IPv4 limited
 * broadcast: the broadcast address itself; IPv4 and IPv6 multicast: the
 * group MAC, written in mac, where *dst points already), 1 for a unicast
 * next hop to resolve, TERN_EINVAL for the unspecified address. */
static int group_dst(const uint8_t *a, size_t len, uint8_t mac[6],
                     const uint8_t **dst) {
  if (all_bytes(a, len, 0)) {
    return TERN_EINVAL;
  }
  if (len == 4 && (a[0] & a[1] & a[2] & a[3]) == 0xff) {
    *dst = tern__eth_broadcast;
    return 0;
  }
  return group_mac(a, len, mac) ? 0 : 1;
}

/* ---- held packets ---- */

/* Pushes held packets whose neighbour is reachable to the lower device, in
 * order, and drops those whose entry is gone. Returns false when the lower
 * device is full (it holds the adapter's waker then). */
static bool flush(tern_eth *eth) {
  tern_pkt **pp = &eth->held;
  tern_pkt *p;
  while ((p = *pp) != NULL) {
    tern_pkt *next = p->next; /* the lower device may reuse p->next */
    hop h;
    tern_neighbour *e = NULL;
    if (next_hop(eth, p, &h) == 0) { /* it was checked when held */
      e = tern_neigh_find(h.cache, tern_pkt_next_hop(p));
    }
    int err = TERN_EHOSTUNREACH;
    if (e == NULL) {
      tern_pkt_free(p);
    } else if (e->state != TERN_NEIGH_REACHABLE) {
      pp = &p->next; /* still resolving */
      continue;
    } else if ((err = tern__eth_out(eth, p, e->lladdr, h.ethertype)) ==
               TERN__ETH_BUSY) {
      return false;
    }
    if (err < 0) {
      eth->stats.held_drop_failed++;
    }
    *pp = next;
  }
  return true;
}

/* Whether two held packets wait for the same next hop: the same family
 * (the version nibble, 4 for all in an IPv4-only build) and address. */
static bool same_hop(const tern_pkt *a, const tern_pkt *b) {
  size_t len = TERN_PKT_NEXT_HOP4_LEN;
  if (TERN_CONFIG_IPV6) {
    uint8_t v = tern_pkt_data(a)[0];
    if ((v ^ tern_pkt_data(b)[0]) >= 0x10) {
      return false;
    }
    len = v >> 4 == 6 ? TERN_PKT_NEXT_HOP6_LEN : TERN_PKT_NEXT_HOP4_LEN;
  }
  return memcmp(tern_pkt_next_hop(a), tern_pkt_next_hop(b), len) == 0;
}

/* Holds a packet for its next hop at the end of the FIFO. Over the bound
 * one goes: RFC 1122 2.3.2.2 asks to keep at least the latest packet to
 * each unresolved address, so the oldest packet that has a newer one to
 * the same next hop, or with none (a next hop per packet) the oldest. */
static void hold(tern_eth *eth, tern_pkt *pkt) {
  unsigned n = 0;
  tern_pkt **pp = &eth->held;
  for (; *pp != NULL; pp = &(*pp)->next) {
    n++;
  }
  pkt->next = NULL;
  *pp = pkt;
  if (n >= TERN_ETH_HOLD_MAX) {
    /* One walk over the pairs (*pp, q), q newer than *pp, the oldest *pp
     * first: the first pair to one next hop gives the packet to drop;
     * with none, the oldest goes. */
    tern_pkt **victim = &eth->held;
    pp = victim;
    for (const tern_pkt *q = (*pp)->next; *pp != pkt;) {
      if (q == NULL) {
        pp = &(*pp)->next;
        q = (*pp)->next;
      } else if (same_hop(*pp, q)) {
        victim = pp;
        break;
      } else {
        q = q->next;
      }
    }
    tern_pkt *old = *victim;
    *victim = old->next;
    tern_pkt_free(old);
    eth->stats.held_drop_overflow++;
  }
}

/* Frees every held packet (the link went down, or the adapter stops),
 * counting them in held_drop_failed when count is set. */
static void drop_held(tern_eth *eth, bool count) {
  tern_pkt *p;
  while ((p = eth->held) != NULL) {
    eth->held = p->next;
    tern_pkt_free(p);
    if (count) {
      eth->stats.held_drop_failed++;
    }
  }
}

/* ---- the timer ---- */

/* Further than any deadline the adapter sets (TERN_NEIGH_MAX_MS at most):
 * "nothing to wait for". */
#define HORIZON 0x40000000u

/* Runs what is due (solicitations, failures, expiry, announcements), arms
 * the timer for the next deadline with the adapter's own waker (or cancels
 * it) and flushes the held packets. Returns what flush() returned. */
static bool service(tern_eth *eth) {
  tern_time now = tern_now();
  tern_time next = now + HORIZON;
  /* The caches' timers stand still while the link is down: a solicitation
   * then would be lost and spend a try of its resolution. The link-up's
   * flush brings what fell due meanwhile to now. */
  if (eth->lower_up) {
    tern_neigh_service(&eth->arp, now, &next);
    if (ndp_of(eth) != NULL) {
      tern_neigh_service(ndp_of(eth), now, &next);
    }
  }
  if (eth->announce_left != 0) {
    if (!tern_time_before(now, eth->announce_at)) {
      eth->announce_left--;
      eth->announce_at = now + TERN_ETH_ANNOUNCE_MS;
      /* RFC 5227 section 3: a request for our own address. */
      (void)tern__eth_arp_solicit(eth, (const uint8_t *)&eth->ip);
    }
    if (eth->announce_left != 0 && tern_time_before(eth->announce_at, next)) {
      next = eth->announce_at;
    }
  }
  if (next - now >= HORIZON) {
    tern_timer_cancel(&eth->timer);
  } else if (eth->own.timers == NULL ||
             tern_sleep_until(&eth->timer, &eth->own, next) == TERN_READY) {
    /* Already due, or not polled yet (set_ipv4 first), so no timer queue
     * to arm in: run it on the next poll, which arms the timer. */
    eth_wake(eth);
  }
  return flush(eth);
}

/* Starts RFC 5227 section 3's announcements of our address, if we have
 * one and the link is up (and stops them if not: link_changed starts them
 * when it comes up): the first goes out at once (from service()), the
 * others from the timer. */
static void announce(tern_eth *eth) {
  eth->announce_left =
      eth->ip != 0 && eth->lower_up ? TERN_ETH_ANNOUNCEMENTS : 0;
  eth->announce_at = tern_now();
}

/* ---- receive ---- */

/* The multicast filter's code, which only tern_eth_set_groups refers to
 * (eth->filter). */
struct tern__eth_filter {
  /* Maps an IP group to its MAC and joins or leaves that. */
  int (*update)(tern_eth *eth, const uint8_t *group, size_t len, bool join);
  /* Whether a group MAC is one we joined. */
  bool (*joined)(const tern_eth *eth, const uint8_t *mac);
};

static bool joined(const tern_eth *eth, const uint8_t *mac) {
  for (unsigned i = 0; i < eth->n_groups; i++) {
    if (eth->groups[i].refs != 0 && memcmp(eth->groups[i].mac, mac, 6) == 0) {
      return true;
    }
  }
  return false;
}

/* Classifies one received frame. Returns true when it is an IP packet to
 * hand up (its Ethernet header pulled, link_cast set); otherwise the frame
 * is consumed or dropped, counted, and freed. */
static bool input(tern_eth *eth, tern_pkt *p) {
  const uint8_t *f = tern_pkt_data(p);
  int reason;
  int rc = tern_eth_check(f, tern_pkt_len(p));
  if (rc != 0) {
    /* TRUNCATED, NOT_ETHERNET_II and VLAN are the wire library's first
     * three reasons, in its order. */
    _Static_assert(
        TERN_ETH_RX_TRUNCATED == -TERN_ETH_DROP_TRUNCATED - 1 &&
            TERN_ETH_RX_NOT_ETHERNET_II == -TERN_ETH_DROP_NOT_ETHERNET_II - 1 &&
            TERN_ETH_RX_VLAN == -TERN_ETH_DROP_VLAN - 1,
        "the wire library's reasons map onto the adapter's");
    reason = -rc - 1;
    goto drop;
  }
  uint16_t type = tern_eth_ethertype(f);
  /* One compare: a group address against broadcast, any other against
   * ours; a group that is not broadcast must be one we joined. */
  bool group = (f[0] & 1) != 0;
  uint8_t cast = group ? TERN_PKT_LINK_BROADCAST : TERN_PKT_LINK_UNICAST;
  if (memcmp(f, group ? tern__eth_broadcast : eth->mac, 6) != 0) {
    if (!group) {
      reason = TERN_ETH_RX_OTHER_HOST;
      goto drop;
    }
    if (eth->filter == NULL || !eth->filter->joined(eth, f)) {
      reason = TERN_ETH_RX_MULTICAST;
      goto drop;
    }
    cast = TERN_PKT_LINK_MULTICAST;
  }
  if (tern_eth_src(f)[0] & 1) {
    reason = TERN_ETH_RX_BAD_SOURCE;
    goto drop;
  }
  TERN_MUST(tern_pkt_pull(p, HDR) != NULL); /* checked: it holds one */
  if (type == TERN_ETHERTYPE_IPV4 ||
      (type == TERN_ETHERTYPE_IPV6 && ndp_of(eth) != NULL)) {
    /* Handed up as it is: the IP layer checks its own header. */
    p->link_cast = cast;
    eth->stats.net.rx_packets++;
    eth->stats.net.rx_bytes += (uint32_t)tern_pkt_len(p);
    return true;
  }
  if (type == TERN_ETHERTYPE_ARP) {
    reason = tern__eth_arp_input(eth, p);
    if (reason == TERN__ETH_CONSUMED) {
      return false;
    }
  } else {
    reason = TERN_ETH_RX_ETHERTYPE;
  }
drop:
  eth->stats.rx_drop[reason]++;
  tern_pkt_free(p);
  return false;
}

static tern_poll eth_poll_recv(void *self, tern_cx *cx, tern_pkt **out_pkt,
                               int *err) {
  tern_eth *eth = self;
  /* The adapter's timer goes in the poller's executor's queue. */
  tern_cx_adopt_timers(&eth->own, cx);
  /* Registered first, so a wake from the timer or the lower device's send
   * side that comes while this poll runs is not lost. */
  tern_waker_slot_register(&eth->rx_waker, cx);
  for (unsigned i = 0; i < TERN_ETH_RX_BUDGET; i++) {
    /* Before each frame: what is due, and what the last ARP released. */
    service(eth);
    /* Straight into the caller's pointer (a failed receive sets it to
     * NULL), cleared again when the frame was consumed here. */
    if (tern_netdev_poll_recv(&eth->lower, cx, out_pkt, err) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (*err < 0 || input(eth, *out_pkt)) {
      return TERN_READY;
    }
    *out_pkt = NULL;
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
  const uint8_t *a = tern_pkt_next_hop(pkt);
  uint8_t group[6];
  const uint8_t *dst = group;
  uint32_t *count;
  hop h;
  int rc;
  /* No MTU check: the IP layer sends nothing longer than our MTU, and the
   * lower device refuses (and counts) a frame over its own (counted here
   * in net.tx_drop_error). The header must fit between the next hop at
   * the buffer's front and the data: pushed over the next hop, it would
   * leave a packet handed back (PENDING) or held with the wrong one. */
  if ((rc = next_hop(eth, pkt, &h)) != 0) {
    count = &eth->stats.tx_drop_family;
  } else if (tern_pkt_headroom(pkt) < HDR + (size_t)h.len) {
    count = &eth->stats.net.tx_drop_no_room;
    rc = TERN_ENOSPC;
  } else if ((rc = group_dst(a, h.len, group, &dst)) < 0) {
    count = &eth->stats.tx_drop_bad_next_hop;
  } else if (rc != 0 && !eth->lower_up) {
    /* A down device fails a send (netdev.h): a resolution would be asked
     * on the down link and, its timers standing still, hold the packet
     * until the next link event. (A group's frame goes to the lower
     * device, which refuses it.) */
    count = &eth->stats.net.tx_drop_down;
    rc = TERN_ENETDOWN;
  } else if (rc == 0 ||
             (rc = tern_neigh_resolve(h.cache, a, tern_now(),
                                      via_router(pkt, a, h.len), &dst)) == 0) {
    rc = tern__eth_out(eth, pkt, dst, h.ethertype);
    if (rc == TERN__ETH_BUSY) {
      return TERN_PENDING; /* the caller keeps the packet, as it came */
    }
    *err = rc;
    if (rc < 0) {
      eth->stats.net.tx_drop_error++;
      return TERN_READY;
    }
    goto accepted;
  } else if (rc == TERN_EAGAIN) {
    hold(eth, pkt); /* ours now; the first solicitation has gone out */
    /* A new resolution's retry is a deadline the timer was not armed
     * for (service() ran before it existed), and the task that polls
     * poll_recv may be waiting on the device: arm it now. */
    (void)service(eth);
    *err = 0;
    goto accepted;
  } else {
    count = &eth->stats.tx_drop_cache_full;
  }
  (*count)++;
  tern_pkt_free(pkt);
  *err = rc;
  return TERN_READY;
accepted:
  eth->stats.net.tx_packets++;
  eth->stats.net.tx_bytes += (uint32_t)len;
  return TERN_READY;
}

static tern_poll eth_poll_send(void *self, tern_cx *cx, tern_pkt *pkt,
                               int *err) {
  tern_eth *eth = self;
  tern_cx_adopt_timers(&eth->own, cx);
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

/* ---- events ---- */

/* The lower link went up or down, maybe more than once since the last
 * report (netdev.h): the same state as last seen means it bounced. */
static void link_changed(tern_eth *eth) {
  tern_netdev_info li;
  lower_info(&eth->lower, &li);
  uint8_t up = (li.flags & TERN_NETDEV_UP) != 0;
  /* It went down, came up or bounced: what was held is lost, and the
   * neighbours may be another link's now: their link addresses are
   * trusted for one retry at most (tern_neigh_flush). */
  drop_held(eth, true);
  tern_time now = tern_now();
  tern_neigh_flush(&eth->arp, now);
  if (ndp_of(eth) != NULL) {
    tern_neigh_flush(ndp_of(eth), now);
  }
  /* Back on a link that may be another one: tell it who we are. Gone
   * down: the announcements left are dropped. */
  eth->lower_up = up;
  announce(eth);
  eth_wake(eth); /* service() sends the announcements */
}

static tern_poll eth_poll_event(void *self, tern_cx *cx, uint32_t *events) {
  tern_eth *eth = self;
  uint32_t ev = 0;
  tern_waker_slot_register(&eth->ev_waker, cx);
  if (tern_netdev_poll_event(&eth->lower, cx, &ev) == TERN_READY &&
      (ev & TERN_NETDEV_EV_LINK) != 0) {
    link_changed(eth);
  }
  ev |= eth->events;
  eth->events = 0;
  if (ev == 0) {
    return TERN_PENDING;
  }
  tern_waker_slot_clear(&eth->ev_waker);
  *events = ev;
  return TERN_READY;
}

/* ---- the rest of the netdev ---- */

static void eth_get_info(void *self, tern_netdev_info *info) {
  tern_eth *eth = self;
  lower_info(&eth->lower, info); /* then made ours in place */
  info->mtu = (uint16_t)(info->mtu - HDR);
  info->headroom = (uint16_t)(info->headroom + HDR +
                              (ndp_of(eth) != NULL ? TERN_PKT_NEXT_HOP6_LEN
                                                   : TERN_PKT_NEXT_HOP4_LEN));
  info->medium = TERN_MEDIUM_IP;
  info->flags =
      (uint8_t)((info->flags & TERN_NETDEV_UP) | TERN_NETDEV_NEXT_HOP);
  /* info->mac stays the lower device's: the IP layer may want it (DHCP
   * client ids). */
}

static const tern_netdev_stats *eth_get_stats(void *self) {
  tern_eth *eth = self;
  return &eth->stats.net;
}

static int eth_set_addr(void *self, const uint8_t *addr, size_t len) {
  tern_eth *eth = self;
  if (addr == NULL) {
    return TERN_EINVAL;
  }
  if (len == TERN_PKT_NEXT_HOP6_LEN) {
    return 0; /* NDP, in the IPv6 layer, answers for IPv6 addresses */
  }
  if (len != 4) {
    return TERN_EINVAL;
  }
  uint32_t ip;
  memcpy(&ip, addr, 4);
  if (ip != eth->ip) {
    eth->ip = ip;
    announce(eth);
  }
  service(eth);
  return 0;
}

/* The mcast op once tern_eth_set_groups gave the filter its slots: maps
 * the group to its MAC and joins or leaves that. The filter counts joins
 * per MAC, and the lower device hears of the first join and the last
 * leave. */
static int filter_update(tern_eth *eth, const uint8_t *group, size_t len,
                         bool join) {
  uint8_t mac[6];
  if (group == NULL || !group_mac(group, len, mac)) {
    return !TERN_CONFIG_IPV6 && len == TERN_PKT_NEXT_HOP6_LEN
               ? TERN_EAFNOSUPPORT /* no IPv6 in this build */
               : TERN_EINVAL;
  }
  tern_eth_group *slot = NULL, *free_slot = NULL;
  for (unsigned i = 0; i < eth->n_groups; i++) {
    tern_eth_group *g = &eth->groups[i];
    if (g->refs == 0) {
      free_slot = free_slot != NULL ? free_slot : g;
    } else if (memcmp(g->mac, mac, 6) == 0) {
      slot = g;
    }
  }
  if (!join) {
    if (slot == NULL) {
      return TERN_ENOENT;
    }
    if (--slot->refs == 0) {
      (void)tern_netdev_mcast(&eth->lower, mac, 6, false);
    }
    return 0;
  }
  if (slot != NULL) {
    if (slot->refs == 0xff) {
      return TERN_ENOMEM;
    }
    slot->refs++;
    return 0;
  }
  if (free_slot == NULL) {
    return TERN_ENOMEM;
  }
  int rc = tern_netdev_mcast(&eth->lower, mac, 6, true);
  if (rc == 0) {
    memcpy(free_slot->mac, mac, 6);
    free_slot->refs = 1;
  }
  return rc;
}

static int eth_mcast(void *self, const uint8_t *group, size_t len, bool join) {
  tern_eth *eth = self;
  /* Without the filter's slots nothing can be joined. */
  return eth->filter != NULL ? eth->filter->update(eth, group, len, join)
                             : TERN_ENOMEM;
}

static const tern_netdev_ops eth_ops = {
    .poll_recv = eth_poll_recv,
    .poll_send = eth_poll_send,
    .get_info = eth_get_info,
    .get_stats = eth_get_stats,
    .poll_event = eth_poll_event,
    .set_addr = eth_set_addr,
    .mcast = eth_mcast,
};

tern_netdev tern_eth_netdev(tern_eth *eth) {
  tern_netdev d = {&eth_ops, eth};
  return d;
}

int tern_eth_init(tern_eth *eth, tern_netdev lower, tern_pkt_pool *pool,
                  tern_neighbour4 *neighbours, size_t n_entries) {
  if (eth == NULL || lower.ops == NULL) {
    return TERN_EINVAL;
  }
  /* Written before the other checks: a refused init leaves zeros, as
   * before any. */
  memset(eth, 0, sizeof *eth);
  eth->lower = lower;
  eth->pool = pool;
  tern_netdev_info li;
  lower_info(&eth->lower, &li);
  if (pool == NULL || neighbours == NULL || n_entries == 0 ||
      n_entries > 0xffff || li.medium != TERN_MEDIUM_ETHERNET ||
      li.mtu < HDR + TERN_NETDEV_MIN_IP_MTU ||
      li.headroom + HDR + TERN_ARP_LEN > pool->buf_size) {
    return TERN_EINVAL;
  }
  tern_neigh_config cfg = {TERN_ETH_RETRY_MS,
                           TERN_ETH_REACHABLE_MS,
                           TERN_ETH_MAX_REQUESTS,
                           (uint16_t)(n_entries < 4 ? 1 : n_entries / 4),
                           {tern__eth_arp_solicit, eth}};
  tern__neigh_setup(&eth->arp, neighbours, n_entries, 4, &cfg);
  memcpy(eth->mac, li.mac, 6);
  eth->lower_up = (li.flags & TERN_NETDEV_UP) != 0;
  tern_waker w = {eth_wake, eth};
  /* The rest of own is zero from the memset: no timer queue until the first
   * poll brings its poller's. */
  eth->own.waker = w;
  return 0;
}

int tern_eth_set_groups(tern_eth *eth, tern_eth_group *groups, size_t n) {
  if (eth == NULL || n > 255 || (groups == NULL && n > 0)) {
    return TERN_EINVAL;
  }
  if (n > 0) { /* memset(NULL, 0, 0) is undefined */
    memset(groups, 0, n * sizeof *groups);
  }
  eth->groups = groups;
  eth->n_groups = (uint8_t)n;
  static const struct tern__eth_filter filter = {filter_update, joined};
  eth->filter = &filter;
  return 0;
}

int tern_eth_attach_ndp(tern_eth *eth, tern_neigh_cache *ndp) {
  if (eth == NULL || ndp == NULL || ndp->addr_len != TERN_PKT_NEXT_HOP6_LEN) {
    return TERN_EINVAL;
  }
  if (!TERN_CONFIG_IPV6) {
    return TERN_EAFNOSUPPORT; /* no IPv6 in this build */
  }
  eth->ndp = ndp;
  return 0;
}

void tern_eth_deinit(tern_eth *eth) {
  tern_timer_cancel(&eth->timer);
  drop_held(eth, false);
}

const tern_eth_stats *tern_eth_get_stats(const tern_eth *eth) {
  return &eth->stats;
}

const tern_neigh_stats *tern_eth_get_arp_stats(const tern_eth *eth) {
  return &eth->arp.stats;
}

const char *tern_eth_rx_drop_name(int reason) {
  static const char *const names[TERN_ETH_RX_DROP_COUNT] = {
      "truncated",      "not-ethernet-ii", "vlan",      "other-host",
      "multicast",      "bad-source",      "ethertype", "arp-malformed",
      "arp-bad-sender", "arp-conflict",
  };
  if (reason < 0 || reason >= TERN_ETH_RX_DROP_COUNT) {
    return "unknown";
  }
  return names[reason];
}
