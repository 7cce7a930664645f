#include "tern/memnetdev.h"

#include <string.h>

#include "tern/err.h"

static void queue_init(tern_memnetdev_queue *q) {
  memset(q, 0, sizeof *q);
}

int tern_memnetdev_init(tern_memnetdev_pair *pair,
                        const tern_memnetdev_config *cfg) {
  if (pair == NULL || cfg == NULL) {
    return TERN_EINVAL;
  }
  memset(pair, 0, sizeof *pair);
  pair->cfg = *cfg;
  if (pair->cfg.queue_len == 0) {
    pair->cfg.queue_len = 1;
  }
  queue_init(&pair->ab);
  queue_init(&pair->ba);
  pair->a.pair = pair;
  pair->a.rx = &pair->ba;
  pair->a.tx = &pair->ab;
  pair->a.mac = pair->cfg.mac_a;
  pair->b.pair = pair;
  pair->b.rx = &pair->ab;
  pair->b.tx = &pair->ba;
  pair->b.mac = pair->cfg.mac_b;
  return 0;
}

static tern_poll mem_recv(void *self, tern_cx *cx, tern_pkt **pkt, int *err) {
  tern_memnetdev_end *e = self;
  tern_memnetdev_queue *q = e->rx;
  if (e->pair->closed) {
    *pkt = NULL;
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  tern_pkt *p = q->head;
  if (p == NULL) {
    tern_waker_slot_register(&q->receiver, cx);
    return TERN_PENDING;
  }
  q->head = p->next;
  if (q->head == NULL) {
    q->tail = NULL;
  }
  q->len--;
  p->next = NULL;
  p->link_cast = TERN_PKT_LINK_UNICAST; /* what it was sent with is not ours */
  e->stats.rx_packets++;
  e->stats.rx_bytes += (uint32_t)tern_pkt_len(p);
  *pkt = p;
  *err = 0;
  tern_waker_slot_wake(&q->sender);
  return TERN_READY;
}

static tern_poll mem_send(void *self, tern_cx *cx, tern_pkt *pkt, int *err) {
  tern_memnetdev_end *e = self;
  tern_memnetdev_queue *q = e->tx;
  const tern_memnetdev_config *cfg = &e->pair->cfg;
  if (e->pair->closed) {
    e->stats.tx_drop_down++;
    tern_pkt_free(pkt);
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  if (e->pair->down) {
    e->stats.tx_drop_down++;
    tern_pkt_free(pkt);
    *err = TERN_ENETDOWN;
    return TERN_READY;
  }
  if (tern_pkt_len(pkt) > cfg->mtu) {
    e->stats.tx_drop_too_long++;
    tern_pkt_free(pkt);
    *err = TERN_EMSGSIZE;
    return TERN_READY;
  }
  if (tern_pkt_headroom(pkt) < cfg->headroom) {
    /* A real device would need the room for its own header. */
    e->stats.tx_drop_no_room++;
    tern_pkt_free(pkt);
    *err = TERN_ENOSPC;
    return TERN_READY;
  }
  if (q->len >= cfg->queue_len) {
    tern_waker_slot_register(&q->sender, cx);
    return TERN_PENDING;
  }
  pkt->next = NULL;
  if (q->tail != NULL) {
    q->tail->next = pkt;
  } else {
    q->head = pkt;
  }
  q->tail = pkt;
  q->len++;
  e->stats.tx_packets++;
  e->stats.tx_bytes += (uint32_t)tern_pkt_len(pkt);
  *err = 0;
  tern_waker_slot_wake(&q->receiver);
  return TERN_READY;
}

static void mem_info(void *self, tern_netdev_info *info) {
  tern_memnetdev_end *e = self;
  const tern_memnetdev_config *cfg = &e->pair->cfg;
  memset(info, 0, sizeof *info);
  info->mtu = cfg->mtu;
  info->headroom = cfg->headroom;
  info->tailroom = 0;
  info->medium = cfg->medium;
  info->flags = e->pair->closed || e->pair->down ? 0 : TERN_NETDEV_UP;
  if (cfg->medium == TERN_MEDIUM_ETHERNET) {
    memcpy(info->mac, e->mac, sizeof info->mac);
  }
}

static const tern_netdev_stats *mem_stats(void *self) {
  tern_memnetdev_end *e = self;
  return &e->stats;
}

static tern_poll mem_event(void *self, tern_cx *cx, uint32_t *events) {
  tern_memnetdev_end *e = self;
  if (e->events == 0) {
    tern_waker_slot_register(&e->ev_waker, cx);
    return TERN_PENDING;
  }
  *events = e->events;
  e->events = 0;
  return TERN_READY;
}

static int mem_set_addr(void *self, const uint8_t *addr, size_t len) {
  tern_memnetdev_end *e = self;
  if (addr == NULL || (len != 4 && len != 16)) {
    return TERN_EINVAL;
  }
  if (len == 4) {
    memcpy(e->addr, addr, 4);
  }
  return 0; /* an IPv6 address needs nothing of a memory pair */
}

/* Whether group is a multicast group of the end's medium: a group MAC on
 * Ethernet, an IPv4 (224/4) or IPv6 (ff00::/8) group on IP. */
static bool is_group(const tern_memnetdev_end *e, const uint8_t *group,
                     size_t len) {
  if (group == NULL) {
    return false;
  }
  if (e->pair->cfg.medium == TERN_MEDIUM_ETHERNET) {
    return len == 6 && (group[0] & 1) != 0;
  }
  return (len == 4 && (group[0] & 0xf0) == 0xe0) ||
         (len == 16 && group[0] == 0xff);
}

static int mem_mcast(void *self, const uint8_t *group, size_t len, bool join) {
  tern_memnetdev_end *e = self;
  if (!is_group(e, group, len)) {
    return TERN_EINVAL;
  }
  /* The pair delivers everything, so only the count is kept: leaving more
   * often than joined (whichever group) is TERN_ENOENT. */
  if (!join && e->mcast_groups <= 0) {
    return TERN_ENOENT;
  }
  e->mcast_groups += join ? 1 : -1;
  return 0;
}

static const tern_netdev_ops mem_ops = {
    .poll_recv = mem_recv,
    .poll_send = mem_send,
    .get_info = mem_info,
    .get_stats = mem_stats,
    .poll_event = mem_event,
    .set_addr = mem_set_addr,
    .mcast = mem_mcast,
};

/* Both ends learn of a change. */
static void notify_both(tern_memnetdev_pair *pair, uint32_t events) {
  pair->a.events |= events;
  pair->b.events |= events;
  tern_waker_slot_wake(&pair->a.ev_waker);
  tern_waker_slot_wake(&pair->b.ev_waker);
}

tern_netdev tern_memnetdev_a(tern_memnetdev_pair *pair) {
  tern_netdev d = {&mem_ops, &pair->a};
  return d;
}

tern_netdev tern_memnetdev_b(tern_memnetdev_pair *pair) {
  tern_netdev d = {&mem_ops, &pair->b};
  return d;
}

static void drain(tern_memnetdev_queue *q, tern_memnetdev_end *sender) {
  while (q->head != NULL) {
    tern_pkt *p = q->head;
    q->head = p->next;
    p->next = NULL;
    sender->stats.tx_drop_down++;
    tern_pkt_free(p);
  }
  q->tail = NULL;
  q->len = 0;
  tern_waker_slot_wake(&q->receiver);
  tern_waker_slot_wake(&q->sender);
}

void tern_memnetdev_close(tern_memnetdev_pair *pair) {
  pair->closed = true;
  drain(&pair->ab, &pair->a);
  drain(&pair->ba, &pair->b);
  notify_both(pair, TERN_NETDEV_EV_LINK);
}

void tern_memnetdev_set_up(tern_memnetdev_pair *pair, bool up) {
  if (pair->down == !up) {
    return;
  }
  pair->down = !up;
  if (!up) {
    drain(&pair->ab, &pair->a);
    drain(&pair->ba, &pair->b);
  }
  notify_both(pair, TERN_NETDEV_EV_LINK);
}

void tern_memnetdev_set_mtu(tern_memnetdev_pair *pair, uint16_t mtu) {
  pair->cfg.mtu = mtu;
  notify_both(pair, TERN_NETDEV_EV_INFO);
}

uint16_t tern_memnetdev_pending_ab(const tern_memnetdev_pair *pair) {
  return pair->ab.len;
}

uint16_t tern_memnetdev_pending_ba(const tern_memnetdev_pair *pair) {
  return pair->ba.len;
}
