/* ARP for the Ethernet adapter: input (RFC 826's merge algorithm), the
 * neighbour cache, packets held while resolving, requests with retries,
 * expiry and gratuitous announcements, all run from one timer.
 *
 * Neighbour states:
 *
 *   FREE --packet to an unknown address--> INCOMPLETE (request 1 sent)
 *   INCOMPLETE --retry_ms, tries < max--> INCOMPLETE (request sent again)
 *   INCOMPLETE --retry_ms, tries == max--> FREE (held packets dropped)
 *   INCOMPLETE --ARP from it--> REACHABLE (held packets released)
 *   FREE --request for us from it--> REACHABLE (RFC 826: add the sender)
 *   REACHABLE --ARP from it--> REACHABLE (mac updated, expiry restarted)
 *   REACHABLE --reachable_ms--> FREE
 *   REACHABLE --cache full, oldest--> replaced
 *
 * Held packets are one FIFO for all neighbours, linked through pkt->next
 * and keyed by pkt->next_hop, so entries need no per-packet storage. */
#include <string.h>

#include "ethernet_internal.h"
#include "tern/arp_wire.h"
#include "tern/err.h"
#include "tern/ethernet_wire.h"
#include "tern/timer.h"

static bool ip_is(const uint8_t *a, const uint8_t *b) {
  return memcmp(a, b, 4) == 0;
}

static bool ip_zero(const uint8_t *a) {
  return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static tern_eth_neighbour *find(tern_eth *eth, const uint8_t ip[4]) {
  for (size_t i = 0; i < eth->n_nb; i++) {
    tern_eth_neighbour *e = &eth->nb[i];
    if (e->state != TERN_ETH_NB_FREE && ip_is(e->ip, ip)) {
      return e;
    }
  }
  return NULL;
}

/* A free entry, or else the reachable entry that expires first (the one
 * confirmed longest ago), or NULL when every entry is resolving. */
static tern_eth_neighbour *take_entry(tern_eth *eth) {
  tern_eth_neighbour *oldest = NULL;
  for (size_t i = 0; i < eth->n_nb; i++) {
    tern_eth_neighbour *e = &eth->nb[i];
    if (e->state == TERN_ETH_NB_FREE) {
      return e;
    }
    if (e->state == TERN_ETH_NB_REACHABLE &&
        (oldest == NULL || tern_time_before(e->deadline, oldest->deadline))) {
      oldest = e;
    }
  }
  if (oldest != NULL) {
    eth->stats.cache_evictions++;
  }
  return oldest;
}

/* Arms the timer for the earliest deadline (or cancels it). */
static void rearm(tern_eth *eth) {
  bool any = false;
  tern_time next = 0;
  for (size_t i = 0; i < eth->n_nb; i++) {
    const tern_eth_neighbour *e = &eth->nb[i];
    if (e->state != TERN_ETH_NB_FREE &&
        (!any || tern_time_before(e->deadline, next))) {
      next = e->deadline;
      any = true;
    }
  }
  if (eth->announce_left > 0 &&
      (!any || tern_time_before(eth->announce_at, next))) {
    next = eth->announce_at;
    any = true;
  }
  if (!any) {
    tern_timer_cancel(&eth->timer);
    return;
  }
  tern_cx cx = tern__eth_cx(eth);
  if (tern_sleep_until(&eth->timer, &cx, next) == TERN_READY) {
    tern_cx_wake_now(&cx); /* already due: run it on the next poll */
  }
}

/* Builds a 42-byte ARP frame to dst and queues it. */
static bool queue_arp(tern_eth *eth, const tern_arp_repr *a,
                      const tern_mac_addr *dst) {
  if (eth->n_arp_queued >= eth->cfg.arp_queue_max) {
    eth->stats.arp_tx_fail++;
    return false;
  }
  tern_pkt *p = tern_pkt_pool_try_alloc(eth->pool);
  if (p == NULL) {
    eth->stats.arp_tx_fail++;
    return false;
  }
  uint8_t *f = NULL;
  if (tern_pkt_reserve(p, eth->lower_headroom) == 0) {
    f = tern_pkt_put(p, TERN__ETH_HDR + TERN_ARP_LEN);
  }
  if (f == NULL) {
    tern_pkt_free(p);
    eth->stats.arp_tx_fail++;
    return false;
  }
  tern_eth_repr h;
  h.dst = *dst;
  memcpy(h.src.b, eth->mac, 6);
  h.ethertype = TERN_ETHERTYPE_ARP;
  tern_eth_repr_emit(&h, f, TERN__ETH_HDR);
  tern_arp_repr_emit(a, f + TERN__ETH_HDR, TERN_ARP_LEN);
  eth->n_arp_queued++;
  tern__eth_queue_frame(eth, p);
  return true;
}

static void our_addrs(const tern_eth *eth, tern_mac_addr *mac,
                      tern_ipv4_addr *ip) {
  memcpy(mac->b, eth->mac, 6);
  memcpy(ip->b, eth->ip, 4);
}

/* Sends (queues) a who-has for e and schedules the next try. Our address
 * may still be 0.0.0.0: the request is then an RFC 5227 probe in form. */
static void send_request(tern_eth *eth, tern_eth_neighbour *e) {
  tern_mac_addr mac;
  tern_ipv4_addr spa, tpa;
  tern_arp_repr a;
  our_addrs(eth, &mac, &spa);
  memcpy(tpa.b, e->ip, 4);
  tern_arp_request(&a, &mac, &spa, &tpa);
  tern_mac_addr bcast = tern_mac_broadcast();
  if (queue_arp(eth, &a, &bcast)) {
    eth->stats.arp_requests_tx++;
  }
  /* A failed allocation counts as a try, so resolution still ends. */
  e->tries++;
  e->deadline = tern_now() + eth->cfg.retry_ms;
}

/* ---- held packets ---- */

static void unlink_held(tern_eth *eth, tern_pkt *prev, tern_pkt *p) {
  if (prev != NULL) {
    prev->next = p->next;
  } else {
    eth->held_head = p->next;
  }
  if (eth->held_tail == p) {
    eth->held_tail = prev;
  }
  p->next = NULL;
  eth->n_held--;
}

/* Drops the oldest held packet for ip (any neighbour if ip is NULL). */
static void drop_oldest(tern_eth *eth, const uint8_t *ip) {
  tern_pkt *prev = NULL;
  for (tern_pkt *p = eth->held_head; p != NULL; prev = p, p = p->next) {
    if (ip == NULL || ip_is(p->next_hop, ip)) {
      unlink_held(eth, prev, p);
      tern_pkt_free(p);
      eth->stats.held_drop_overflow++;
      return;
    }
  }
}

static void hold(tern_eth *eth, tern_pkt *pkt) {
  unsigned same = 0;
  for (tern_pkt *p = eth->held_head; p != NULL; p = p->next) {
    same += ip_is(p->next_hop, pkt->next_hop);
  }
  if (same >= eth->cfg.hold_per_neighbour) {
    drop_oldest(eth, pkt->next_hop);
  } else if (eth->n_held >= eth->cfg.hold_max) {
    drop_oldest(eth, NULL);
  }
  pkt->next = NULL;
  if (eth->held_tail != NULL) {
    eth->held_tail->next = pkt;
  } else {
    eth->held_head = pkt;
  }
  eth->held_tail = pkt;
  eth->n_held++;
}

/* Moves every packet held for e to the transmit queue (resolved), or frees
 * them (failed), in the order they came. */
static void settle_held(tern_eth *eth, const tern_eth_neighbour *e,
                        bool resolved) {
  tern_pkt *prev = NULL;
  tern_pkt *p = eth->held_head;
  while (p != NULL) {
    tern_pkt *next = p->next;
    if (!ip_is(p->next_hop, e->ip)) {
      prev = p;
    } else {
      unlink_held(eth, prev, p);
      if (resolved) {
        tern__eth_push_header(eth, p, e->mac);
        tern__eth_queue_frame(eth, p);
        eth->stats.tx_released++;
      } else {
        tern_pkt_free(p);
        eth->stats.held_drop_failed++;
      }
    }
    p = next;
  }
}

void tern__eth_drop_held_all(tern_eth *eth) {
  while (eth->held_head != NULL) {
    tern_pkt *p = eth->held_head;
    unlink_held(eth, NULL, p);
    tern_pkt_free(p);
  }
}

/* ---- resolution ---- */

int tern__eth_resolve(tern_eth *eth, tern_pkt *pkt, uint8_t mac[6],
                      int *reason) {
  const uint8_t *nh = pkt->next_hop;
  if ((nh[0] & nh[1] & nh[2] & nh[3]) == 0xff) {
    memset(mac, 0xff, 6); /* limited broadcast */
    return 1;
  }
  if ((nh[0] & 0xf0) == 0xe0) {
    /* RFC 1112 section 6.4: 01-00-5E and the low 23 bits of the group. */
    mac[0] = 0x01;
    mac[1] = 0x00;
    mac[2] = 0x5e;
    mac[3] = nh[1] & 0x7f;
    mac[4] = nh[2];
    mac[5] = nh[3];
    return 1;
  }
  if (ip_zero(nh)) {
    *reason = TERN_ETH_TX_BAD_NEXT_HOP;
    return TERN_EINVAL;
  }
  tern_eth_neighbour *e = find(eth, nh);
  if (e != NULL && e->state == TERN_ETH_NB_REACHABLE) {
    memcpy(mac, e->mac, 6);
    return 1;
  }
  if (e == NULL) {
    e = take_entry(eth);
    if (e == NULL) {
      *reason = TERN_ETH_TX_CACHE_FULL;
      return TERN_ENOMEM;
    }
    memcpy(e->ip, nh, 4);
    memset(e->mac, 0, 6);
    e->state = TERN_ETH_NB_INCOMPLETE;
    e->tries = 0;
    send_request(eth, e);
    rearm(eth);
  }
  hold(eth, pkt);
  return 0;
}

/* ---- timers ---- */

void tern__eth_service(tern_eth *eth) {
  tern_time now = tern_now();
  for (size_t i = 0; i < eth->n_nb; i++) {
    tern_eth_neighbour *e = &eth->nb[i];
    if (e->state == TERN_ETH_NB_FREE || tern_time_before(now, e->deadline)) {
      continue;
    }
    if (e->state == TERN_ETH_NB_REACHABLE) {
      e->state = TERN_ETH_NB_FREE;
      eth->stats.cache_expiries++;
    } else if (e->tries >= eth->cfg.max_requests) {
      settle_held(eth, e, false);
      e->state = TERN_ETH_NB_FREE;
      eth->stats.resolve_failures++;
    } else {
      send_request(eth, e);
    }
  }
  if (eth->announce_left > 0 && !tern_time_before(now, eth->announce_at)) {
    tern_mac_addr mac;
    tern_ipv4_addr ip;
    tern_arp_repr a;
    our_addrs(eth, &mac, &ip);
    tern_arp_announce(&a, &mac, &ip);
    tern_mac_addr bcast = tern_mac_broadcast();
    if (queue_arp(eth, &a, &bcast)) {
      eth->stats.arp_announce_tx++;
    }
    eth->announce_left--;
    eth->announce_at = now + eth->cfg.announce_ms;
  }
  rearm(eth);
}

/* ---- input ---- */

void tern__eth_arp_input(tern_eth *eth, const uint8_t *p, size_t n) {
  tern_arp_repr a;
  int rc = tern_arp_repr_parse(&a, p, n);
  if (rc < 0) {
    eth->stats.arp_drop[-rc]++;
    eth->stats.rx_drop[TERN_ETH_RX_ARP_MALFORMED]++;
    eth->nstats.rx_drop_malformed++;
    return;
  }
  const uint8_t *sha = a.sha.b;
  bool sha_zero = (sha[0] | sha[1] | sha[2] | sha[3] | sha[4] | sha[5]) == 0;
  if ((sha[0] & 1) || sha_zero || memcmp(sha, eth->mac, 6) == 0 ||
      a.spa.b[0] >= 224) {
    /* Not a station that could be a neighbour (or our own frame looped
     * back): never let it into the cache. */
    eth->stats.rx_drop[TERN_ETH_RX_ARP_BAD_SENDER]++;
    return;
  }
  eth->stats.rx_arp++;
  if (a.op == TERN_ARP_OP_REQUEST) {
    eth->stats.arp_requests_rx++;
  } else {
    eth->stats.arp_replies_rx++;
  }
  bool have_ip = !ip_zero(eth->ip);
  if (have_ip && ip_is(a.spa.b, eth->ip)) {
    /* Another station uses our address (RFC 5227 section 2.4). Counted
     * for the application; the cache and our answers are left alone. */
    eth->stats.arp_conflicts++;
    return;
  }
  /* RFC 826 "Packet Reception". A sender of 0.0.0.0 is an RFC 5227 probe:
   * it has no address to merge or add. */
  bool merged = false;
  bool changed = false;
  tern_eth_neighbour *e = ip_zero(a.spa.b) ? NULL : find(eth, a.spa.b);
  tern_time expiry = tern_now() + eth->cfg.reachable_ms;
  if (e != NULL) {
    bool was_incomplete = e->state == TERN_ETH_NB_INCOMPLETE;
    memcpy(e->mac, sha, 6);
    e->state = TERN_ETH_NB_REACHABLE;
    e->tries = 0;
    e->deadline = expiry;
    merged = true;
    if (was_incomplete) {
      settle_held(eth, e, true);
      changed = true;
    }
  }
  if (have_ip && ip_is(a.tpa.b, eth->ip)) {
    if (!merged && !ip_zero(a.spa.b)) {
      e = take_entry(eth);
      if (e != NULL) {
        memcpy(e->ip, a.spa.b, 4);
        memcpy(e->mac, sha, 6);
        e->state = TERN_ETH_NB_REACHABLE;
        e->tries = 0;
        e->deadline = expiry;
        changed = true;
      }
    }
    if (a.op == TERN_ARP_OP_REQUEST) {
      tern_mac_addr mac;
      tern_arp_repr r;
      memcpy(mac.b, eth->mac, 6);
      tern_arp_reply(&r, &a, &mac);
      if (queue_arp(eth, &r, &a.sha)) {
        eth->stats.arp_replies_tx++;
      }
    }
  }
  if (changed) {
    rearm(eth);
  }
}
