/* The Ethernet adapter's netdev: frame dispatch on receive, header push and
 * the transmit queue on send. ARP and the neighbour cache are in arp.c. */
#include <string.h>

#include "ethernet_internal.h"
#include "tern/arp_wire.h"
#include "tern/err.h"
#include "tern/ethernet.h"
#include "tern/ethernet_wire.h"

/* ---- the adapter's own waker ---- */

/* Called by the lower device when it has room again and by the timer: the
 * task polling poll_recv flushes the queue and runs what is due; the task
 * polling poll_send may go on. Spurious wakes are harmless. */
static void eth_wake(void *ctx) {
  tern_eth *eth = ctx;
  tern_waker_slot_wake(&eth->rx_waker);
  tern_waker_slot_wake(&eth->tx_waker);
}

tern_cx tern__eth_cx(tern_eth *eth) {
  tern_waker w = {eth_wake, eth};
  return tern_cx_make(w);
}

/* ---- transmit queue ---- */

void tern__eth_queue_frame(tern_eth *eth, tern_pkt *frame) {
  frame->next = NULL;
  if (eth->txq_tail != NULL) {
    eth->txq_tail->next = frame;
  } else {
    eth->txq_head = frame;
  }
  eth->txq_tail = frame;
}

static bool is_arp_frame(const tern_pkt *p) {
  const uint8_t *f = tern_pkt_data(p);
  return tern_pkt_len(p) >= TERN__ETH_HDR && f[12] == 0x08 && f[13] == 0x06;
}

bool tern__eth_flush(tern_eth *eth) {
  while (eth->txq_head != NULL) {
    tern_pkt *p = eth->txq_head;
    tern_pkt *next = p->next;
    bool arp = is_arp_frame(p);
    tern_cx cx = tern__eth_cx(eth);
    int err;
    if (tern_netdev_poll_send(&eth->lower, &cx, p, &err) == TERN_PENDING) {
      return false;
    }
    /* The lower device owns p now; it may have reused p->next. */
    eth->txq_head = next;
    if (next == NULL) {
      eth->txq_tail = NULL;
    }
    if (arp && eth->n_arp_queued > 0) {
      eth->n_arp_queued--;
    }
    if (err < 0) {
      eth->stats.queue_lower_errors++;
    }
  }
  return true;
}

void tern__eth_push_header(tern_eth *eth, tern_pkt *pkt, const uint8_t dst[6]) {
  uint8_t *h = tern_pkt_push(pkt, TERN__ETH_HDR);
  if (h == NULL) {
    return; /* the caller checked the headroom: not reached */
  }
  memcpy(h, dst, 6);
  memcpy(h + 6, eth->mac, 6);
  h[12] = 0x08;
  h[13] = 0x00;
}

/* ---- receive ---- */

static bool mac_is(const uint8_t *a, const uint8_t *b) {
  return memcmp(a, b, 6) == 0;
}

static bool mac_is_broadcast(const uint8_t *m) {
  return (m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff;
}

/* Classifies one received frame. Returns true when it is an IPv4 packet to
 * hand up (its Ethernet header pulled); otherwise the frame is consumed or
 * dropped, counted, and freed. */
static bool input(tern_eth *eth, tern_pkt *p) {
  const uint8_t *f = tern_pkt_data(p);
  size_t len = tern_pkt_len(p);
  int reason;
  eth->stats.rx_frames++;
  int rc = tern_eth_check(f, len);
  if (rc == TERN_ETH_DROP_TRUNCATED) {
    reason = TERN_ETH_RX_TRUNCATED;
  } else if (rc == TERN_ETH_DROP_NOT_ETHERNET_II) {
    reason = TERN_ETH_RX_NOT_ETHERNET_II;
  } else if (rc < 0) {
    reason = TERN_ETH_RX_VLAN;
  } else if (!mac_is(tern_eth_dst(f), eth->mac) &&
             !mac_is_broadcast(tern_eth_dst(f))) {
    reason = (f[0] & 1) ? TERN_ETH_RX_MULTICAST : TERN_ETH_RX_OTHER_HOST;
  } else if (tern_eth_src(f)[0] & 1) {
    reason = TERN_ETH_RX_BAD_SOURCE;
  } else {
    uint16_t type = tern_eth_ethertype(f);
    const uint8_t *payload = f + TERN__ETH_HDR;
    size_t n = len - TERN__ETH_HDR;
    if (type == TERN_ETHERTYPE_IPV4) {
      if (n < 20 || (payload[0] >> 4) != 4) {
        reason = TERN_ETH_RX_IPV4_MALFORMED;
      } else {
        tern_pkt_pull(p, TERN__ETH_HDR);
        eth->stats.rx_ipv4++;
        eth->nstats.rx_packets++;
        eth->nstats.rx_bytes += (uint32_t)n;
        return true;
      }
    } else if (type == TERN_ETHERTYPE_ARP) {
      /* Counts itself: rx_arp or one of the ARP drop reasons. */
      tern__eth_arp_input(eth, payload, n);
      tern_pkt_free(p);
      return false;
    } else if (type == TERN_ETHERTYPE_IPV6) {
      reason = TERN_ETH_RX_IPV6;
    } else {
      reason = TERN_ETH_RX_ETHERTYPE;
    }
  }
  eth->stats.rx_drop[reason]++;
  if (reason == TERN_ETH_RX_TRUNCATED || reason == TERN_ETH_RX_IPV4_MALFORMED) {
    eth->nstats.rx_drop_malformed++;
  }
  tern_pkt_free(p);
  return false;
}

static tern_poll eth_poll_recv(void *self, tern_cx *cx, tern_pkt **out,
                               int *err) {
  tern_eth *eth = self;
  /* Registered first, so a wake from the timer or the lower device's send
   * side that comes while this poll runs is not lost. */
  tern_waker_slot_register(&eth->rx_waker, cx);
  tern__eth_service(eth);
  tern__eth_flush(eth);
  for (unsigned i = 0; i < eth->cfg.rx_budget; i++) {
    tern_pkt *p;
    int e;
    if (tern_netdev_poll_recv(&eth->lower, cx, &p, &e) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (e < 0) {
      *out = NULL;
      *err = e;
      return TERN_READY;
    }
    if (input(eth, p)) {
      *out = p;
      *err = 0;
      return TERN_READY;
    }
    /* An ARP packet may have queued a reply or released held packets. */
    tern__eth_flush(eth);
  }
  /* Budget spent: let the other tasks run, then carry on. */
  tern_cx_wake_now(cx);
  return TERN_PENDING;
}

/* ---- send ---- */

static tern_poll send_frame(tern_eth *eth, tern_pkt *pkt, int *err);

static tern_poll eth_poll_send(void *self, tern_cx *cx, tern_pkt *pkt,
                               int *err) {
  tern_eth *eth = self;
  /* Registered before the lower device is asked: its interrupt may call
   * the adapter's waker as soon as the device has stored it, before
   * poll_send returns PENDING. Withdrawn again when nothing waits. */
  tern_waker_slot_register(&eth->tx_waker, cx);
  tern_poll r = send_frame(eth, pkt, err);
  if (r == TERN_READY) {
    tern_waker_slot_clear(&eth->tx_waker);
  }
  return r;
}

static tern_poll send_frame(tern_eth *eth, tern_pkt *pkt, int *err) {
  tern__eth_service(eth);
  /* Frames queued earlier (released held packets among them) go first, so
   * packets to one neighbour keep their order. */
  if (!tern__eth_flush(eth)) {
    return TERN_PENDING;
  }
  tern_netdev_info li = tern_netdev_get_info(&eth->lower);
  size_t len = tern_pkt_len(pkt);
  int reason = -1;
  int rc = 0;
  uint8_t dst[6];
  if (len + TERN__ETH_HDR > li.mtu) {
    reason = TERN_ETH_TX_TOO_LONG;
    rc = TERN_EMSGSIZE;
    eth->nstats.tx_drop_too_long++;
  } else if (tern_pkt_headroom(pkt) < TERN__ETH_HDR) {
    reason = TERN_ETH_TX_NO_ROOM;
    rc = TERN_ENOSPC;
    eth->nstats.tx_drop_no_room++;
  } else {
    rc = tern__eth_resolve(eth, pkt, dst, &reason);
    if (rc == 0) {
      /* Held: ours now. The request it caused is in the queue. */
      eth->stats.tx_packets++;
      eth->stats.tx_held++;
      eth->nstats.tx_packets++;
      eth->nstats.tx_bytes += (uint32_t)len;
      tern__eth_flush(eth);
      *err = 0;
      return TERN_READY;
    }
  }
  if (rc < 0) {
    eth->stats.tx_packets++;
    eth->stats.tx_drop[reason]++;
    tern_pkt_free(pkt);
    *err = rc;
    return TERN_READY;
  }
  tern__eth_push_header(eth, pkt, dst);
  tern_cx own = tern__eth_cx(eth);
  int e;
  if (tern_netdev_poll_send(&eth->lower, &own, pkt, &e) == TERN_PENDING) {
    /* The caller keeps the packet: give it back as it came. */
    tern_pkt_pull(pkt, TERN__ETH_HDR);
    return TERN_PENDING;
  }
  eth->stats.tx_packets++;
  if (e < 0) {
    eth->stats.tx_drop[TERN_ETH_TX_LOWER]++;
    eth->nstats.tx_drop_error++;
  } else {
    eth->stats.tx_sent++;
    eth->nstats.tx_packets++;
    eth->nstats.tx_bytes += (uint32_t)len;
  }
  *err = e;
  return TERN_READY;
}

/* ---- the rest of the netdev ---- */

static void eth_get_info(void *self, tern_netdev_info *info) {
  tern_eth *eth = self;
  tern_netdev_info li = tern_netdev_get_info(&eth->lower);
  memset(info, 0, sizeof *info);
  info->mtu = (uint16_t)(li.mtu > TERN__ETH_HDR ? li.mtu - TERN__ETH_HDR : 0);
  info->headroom = (uint16_t)(li.headroom + TERN__ETH_HDR);
  info->tailroom = li.tailroom;
  info->medium = TERN_MEDIUM_IP;
  memcpy(info->mac, eth->mac, 6);
}

static const tern_netdev_stats *eth_get_stats(void *self) {
  tern_eth *eth = self;
  return &eth->nstats;
}

static void eth_set_ipv4(void *self, const uint8_t addr[4]) {
  tern_eth *eth = self;
  bool changed = memcmp(eth->ip, addr, 4) != 0;
  bool zero = (addr[0] | addr[1] | addr[2] | addr[3]) == 0;
  memcpy(eth->ip, addr, 4);
  if (zero) {
    eth->announce_left = 0;
  } else if (changed) {
    /* RFC 5227 section 3: announce the new address; the first goes out at
     * once, the others from the timer. */
    eth->announce_left = eth->cfg.announcements;
    eth->announce_at = tern_now();
  }
  tern__eth_service(eth);
  tern__eth_flush(eth);
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
                  tern_eth_neighbour *neighbours, size_t n_entries,
                  const tern_eth_config *cfg) {
  static const tern_eth_config defaults = TERN_ETH_CONFIG_DEFAULT;
  if (cfg == NULL) {
    cfg = &defaults;
  }
  if (eth == NULL || lower.ops == NULL || pool == NULL || neighbours == NULL ||
      n_entries == 0 || n_entries > 0xffff || cfg->max_requests == 0 ||
      cfg->hold_per_neighbour == 0 || cfg->hold_max == 0 ||
      cfg->rx_budget == 0 || cfg->arp_queue_max == 0) {
    return TERN_EINVAL;
  }
  tern_netdev_info li = tern_netdev_get_info(&lower);
  const uint8_t *m = li.mac;
  bool mac_ok =
      (m[0] & 1) == 0 && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) != 0;
  if (li.medium != TERN_MEDIUM_ETHERNET || !mac_ok ||
      li.mtu < TERN__ETH_HDR + TERN_ARP_LEN ||
      (size_t)li.headroom + TERN__ETH_HDR + TERN_ARP_LEN > pool->buf_size) {
    return TERN_EINVAL;
  }
  memset(eth, 0, sizeof *eth);
  eth->lower = lower;
  eth->pool = pool;
  eth->nb = neighbours;
  eth->n_nb = (uint16_t)n_entries;
  eth->lower_headroom = li.headroom;
  eth->cfg = *cfg;
  memcpy(eth->mac, li.mac, 6);
  memset(neighbours, 0, n_entries * sizeof *neighbours);
  return 0;
}

void tern_eth_deinit(tern_eth *eth) {
  tern_timer_cancel(&eth->timer);
  while (eth->txq_head != NULL) {
    tern_pkt *p = eth->txq_head;
    eth->txq_head = p->next;
    tern_pkt_free(p);
  }
  eth->txq_tail = NULL;
  eth->n_arp_queued = 0;
  tern__eth_drop_held_all(eth);
  tern_waker_slot_clear(&eth->rx_waker);
  tern_waker_slot_clear(&eth->tx_waker);
}

const tern_eth_stats *tern_eth_get_stats(const tern_eth *eth) {
  return &eth->stats;
}

const char *tern_eth_rx_drop_name(int reason) {
  static const char *const names[TERN_ETH_RX_DROP_COUNT] = {
      "truncated",      "not-ethernet-ii", "vlan",           "other-host",
      "multicast",      "bad-source",      "ipv6",           "ethertype",
      "ipv4-malformed", "arp-malformed",   "arp-bad-sender",
  };
  if (reason < 0 || reason >= TERN_ETH_RX_DROP_COUNT) {
    return "unknown";
  }
  return names[reason];
}

const char *tern_eth_tx_drop_name(int reason) {
  static const char *const names[TERN_ETH_TX_DROP_COUNT] = {
      "too-long", "no-room", "bad-next-hop", "cache-full", "lower",
  };
  if (reason < 0 || reason >= TERN_ETH_TX_DROP_COUNT) {
    return "unknown";
  }
  return names[reason];
}
