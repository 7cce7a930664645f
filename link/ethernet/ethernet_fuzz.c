/* Fuzz target for the Ethernet adapter's receive path (and what it drives:
 * ARP, the neighbour caches, held packets, timers, link events, the
 * multicast filter). The input is a script of records run against a fresh
 * adapter over a memory netdev pair:
 *
 *   0x?0 len bytes[len]   the peer puts a frame of len bytes on the wire
 *   0x?1 n                the IP layer sends a 28-byte IPv4 packet to
 *                         192.0.2.n (n 0: 0.0.0.0; 255: 255.255.255.255;
 *                         224..239: the group n.0.0.251; 254: 192.0.2.1
 *                         with headroom for the header but not the next
 *                         hop)
 *   0x?2 t                virtual time moves t x 50 ms and timers fire
 *   0x?3                  the peer reads everything on the wire
 *   0x?4 s                the lower link goes down (s even) or up (odd)
 *   0x?5 g                the IP layer joins (g < 128) or leaves the group
 *                         224.0.0.(g & 63), or ff02::(g & 63) when g & 64
 *   0x?6 n                the IPv6 layer (its NDP cache attached on first
 *                         use) sends a 40-byte IPv6 packet to fe80::n
 *                         (n < 128) or ff02::(n & 127)
 *   0x?7 n                NDP confirms fe80::n at 02:00:00:00:00:n
 *
 * (The seeds of the first version use 0x00-0x03 only and mean what they
 * meant.) After each record the receive side is polled until it waits,
 * then the events until they are PENDING. Checks: nothing crashes
 * (ASan/UBSan), the statistics add up (every frame read and every packet
 * taken is counted once), at most TERN_ETH_HOLD_MAX packets are held,
 * every frame the adapter sends is from our MAC with a known EtherType,
 * an address conflict is reported only after a conflicting ARP packet was
 * counted, and at the end every buffer is back in its pool (the adapter
 * leaks nothing) and no timer is armed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/ethernet.h"
#include "tern/memnetdev.h"
#include "tern/neighbour.h"
#include "tern/sim.h"
#include "tern/timer.h"

#define WIRE_BUFS 24
#define BUF_SIZE 320
#define ARP_BUFS 3

static uint8_t wire_store[TERN_PKT_POOL_STORAGE_SIZE(WIRE_BUFS, BUF_SIZE)]
    __attribute__((aligned(16)));
static uint8_t arp_store[TERN_PKT_POOL_STORAGE_SIZE(ARP_BUFS, 64)]
    __attribute__((aligned(16)));

static unsigned wakes;

static void count_wake(void *ctx) {
  (void)ctx;
  wakes++;
}

static void check(bool ok) {
  if (!ok) {
    abort();
  }
}

/* NDP's solicitations: nothing to send here. */
static int ndp_solicit(void *self, const uint8_t *addr) {
  (void)self;
  (void)addr;
  return 0;
}

/* Frames the adapter has read from the wire (the peer's sends that the
 * wire took: the receive loop below drains it after every record), and
 * packets the adapter's poll_send took (READY). */
static uint32_t frames_in, packets_taken;

static void check_stats(const tern_eth *eth) {
  const tern_eth_stats *s = tern_eth_get_stats(eth);
  uint32_t rx_drops = 0;
  for (int r = 0; r < TERN_ETH_RX_DROP_COUNT; r++) {
    rx_drops += s->rx_drop[r];
  }
  check(frames_in == s->net.rx_packets + s->rx_arp + rx_drops);
  /* Oversize packets are the lower device's to refuse (tx_drop_error). */
  check(s->net.tx_drop_too_long == 0);
  check(packets_taken == s->net.tx_packets + s->net.tx_drop_no_room +
                             s->tx_drop_bad_next_hop + s->tx_drop_family +
                             s->tx_drop_cache_full + s->net.tx_drop_error +
                             s->net.tx_drop_down);
  /* Held packets: no more than the bound. */
  unsigned held = 0;
  for (const tern_pkt *p = eth->held; p != NULL; p = p->next) {
    held++;
  }
  check(held <= TERN_ETH_HOLD_MAX);
}

/* A frame the adapter sent: ours, of a type it sends. */
static void check_sent(const tern_pkt *p) {
  static const uint8_t us[6] = {0x02, 0, 0, 0, 0, 0x0b};
  const uint8_t *f = tern_pkt_data(p);
  check(tern_pkt_len(p) >= 14 && memcmp(f + 6, us, 6) == 0);
  unsigned type = (unsigned)f[12] << 8 | f[13];
  check(type == 0x0800 || type == 0x0806 || type == 0x86dd);
}

/* Sends a packet of len bytes (first byte `version`) with next hop nh
 * (nh_len bytes) and `headroom` bytes in front. */
static void send_ip(tern_netdev *ip, tern_pkt_pool *pool, tern_cx *cx,
                    uint8_t version, size_t len, const uint8_t *nh,
                    size_t nh_len, size_t headroom) {
  tern_pkt *p = tern_pkt_pool_try_alloc(pool);
  if (p == NULL) {
    return;
  }
  tern_pkt_reserve(p, headroom);
  uint8_t *d = tern_pkt_put(p, len);
  memset(d, 0, len);
  d[0] = version;
  memcpy(tern_pkt_next_hop(p), nh, nh_len);
  int err;
  if (tern_netdev_poll_send(ip, cx, p, &err) == TERN_PENDING) {
    check(tern_pkt_len(p) == len); /* handed back as it came */
    check(memcmp(tern_pkt_next_hop(p), nh, nh_len) == 0);
    tern_pkt_free(p);
  } else {
    packets_taken++;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tern_pkt_pool wire_pool, arp_pool;
  tern_pkt_pool_init(&wire_pool, wire_store, sizeof wire_store, BUF_SIZE);
  tern_pkt_pool_init(&arp_pool, arp_store, sizeof arp_store, 64);
  tern_memnetdev_config mc = TERN_MEMNETDEV_CONFIG_ETHERNET;
  mc.queue_len = 3; /* small, so backpressure happens */
  static tern_memnetdev_pair pair;
  tern_memnetdev_init(&pair, &mc);
  tern_netdev peer = tern_memnetdev_a(&pair);
  static tern_eth eth;
  tern_neighbour4 nb[2];
  tern_eth_group groups[3];
  tern_neighbour6 nd[4];
  tern_neigh_cache ndp;
  const tern_neigh_config ndp_cfg = {1000, 30000, 3, 1, {ndp_solicit, NULL}};
  bool ndp_attached = false;
  uint32_t conflicts_reported = 0;
  frames_in = 0;
  packets_taken = 0;
  if (tern_eth_init(&eth, tern_memnetdev_b(&pair), &arp_pool, nb, 2) != 0 ||
      tern_eth_set_groups(&eth, groups, 3) != 0 ||
      tern_neigh_cache_init6(&ndp, nd, 4, &ndp_cfg) != 0) {
    abort();
  }
  tern_netdev ip = tern_eth_netdev(&eth);
  const uint8_t us[4] = {192, 0, 2, 2};
  tern_netdev_set_addr(&ip, us, sizeof us);
  tern_timer_queue timers = TERN_TIMER_QUEUE_INIT; /* as an executor's */
  tern_cx cx = tern_cx_make((tern_waker){count_wake, NULL}, &timers);

  size_t i = 0;
  while (i < size) {
    uint8_t op = data[i++] & 7;
    if (op == 0 && i < size) {
      size_t len = data[i++];
      if (len > size - i) {
        len = size - i;
      }
      tern_pkt *p = tern_pkt_pool_try_alloc(&wire_pool);
      if (p != NULL) {
        uint8_t *d = tern_pkt_put(p, len);
        if (len > 0) {
          memcpy(d, data + i, len);
        }
        int err;
        if (tern_netdev_poll_send(&peer, &cx, p, &err) == TERN_PENDING) {
          tern_pkt_free(p); /* the wire is full: the frame is lost */
        } else if (err == 0) {
          frames_in++;
        }
      }
      i += len;
    } else if (op == 1 && i < size) {
      uint8_t n = data[i++];
      uint8_t nh[4] = {192, 0, 2, n};
      size_t headroom = 14 + 4;
      if (n == 0) {
        memset(nh, 0, 4);
      } else if (n == 255) {
        memset(nh, 0xff, 4);
      } else if (n >= 224 && n < 240) {
        const uint8_t g[4] = {n, 0, 0, 251};
        memcpy(nh, g, 4);
      } else if (n == 254) {
        nh[3] = 1;
        headroom = 14;
      }
      send_ip(&ip, &wire_pool, &cx, 0x45, 28, nh, 4, headroom);
    } else if (op == 2 && i < size) {
      tern_sim_advance(50u * data[i++]);
      tern_timer_queue_fire(&timers, tern_now());
    } else if (op == 3) {
      tern_pkt *p;
      int err;
      while (tern_netdev_poll_recv(&peer, &cx, &p, &err) == TERN_READY &&
             err == 0) {
        check_sent(p);
        tern_pkt_free(p);
      }
    } else if (op == 4 && i < size) {
      tern_memnetdev_set_up(&pair, (data[i++] & 1) != 0);
    } else if (op == 5 && i < size) {
      uint8_t g = data[i++];
      uint8_t v4[4] = {224, 0, 0, (uint8_t)(g & 63)};
      uint8_t v6[16] = {0xff, 0x02};
      v6[15] = (uint8_t)(g & 63);
      int rc = (g & 64) ? tern_netdev_mcast(&ip, v6, 16, g < 128)
                        : tern_netdev_mcast(&ip, v4, 4, g < 128);
      /* An IPv4-only build has no IPv6 groups: TERN_EAFNOSUPPORT. */
      check(rc == 0 || rc == TERN_ENOMEM || rc == TERN_ENOENT ||
            (!TERN_CONFIG_IPV6 && rc == TERN_EAFNOSUPPORT));
    } else if (op == 6 && i < size) {
      uint8_t n = data[i++];
      uint8_t nh[16] = {0xfe, 0x80};
      if (n >= 128) {
        nh[0] = 0xff;
        nh[1] = 0x02;
      }
      nh[15] = (uint8_t)(n & 127);
      if (!ndp_attached) {
        /* An IPv4-only build has no IPv6 layer: refused, and the IPv6
         * packet below with it (tx_drop_family). */
        check(tern_eth_attach_ndp(&eth, &ndp) ==
              (TERN_CONFIG_IPV6 ? 0 : TERN_EAFNOSUPPORT));
        ndp_attached = true;
      }
      send_ip(&ip, &wire_pool, &cx, 0x60, 40, nh, 16, 14 + 16);
    } else if (op == 7 && i < size) {
      uint8_t n = data[i++];
      uint8_t addr[16] = {0xfe, 0x80};
      uint8_t mac[6] = {0x02, 0, 0, 0, 0, n};
      addr[15] = (uint8_t)(n & 127);
      (void)tern_neigh_confirm(&ndp, addr, mac, tern_now(), false);
    }
    /* Receive until the adapter waits on the device (bounded): a PENDING
     * that woke nobody is a wait, one with a wake is a yield. */
    for (int n = 0; n < 16; n++) {
      tern_pkt *p = NULL;
      int err = 0;
      wakes = 0;
      if (tern_netdev_poll_recv(&ip, &cx, &p, &err) == TERN_PENDING) {
        if (wakes == 0) {
          break;
        }
        continue;
      }
      check(err == 0 && p != NULL);
      check(p->link_cast <= TERN_PKT_LINK_MULTICAST);
      tern_pkt_free(p);
    }
    /* The events: a conflict only after one was counted. */
    uint32_t ev;
    for (int n = 0;
         n < 4 && tern_netdev_poll_event(&ip, &cx, &ev) == TERN_READY; n++) {
      check(ev != 0);
      if (ev & TERN_NETDEV_EV_ADDR_CONFLICT) {
        uint32_t c =
            tern_eth_get_stats(&eth)->rx_drop[TERN_ETH_RX_ARP_CONFLICT];
        check(c > conflicts_reported);
        conflicts_reported = c;
      }
    }
    check_stats(&eth);
  }

  tern_eth_deinit(&eth);
  tern_memnetdev_close(&pair); /* frees what is still on the wire */
  check(tern_pkt_pool_available(&wire_pool) == WIRE_BUFS);
  check(tern_pkt_pool_available(&arp_pool) == ARP_BUFS);
  check(tern_pkt_pool_get_stats(&wire_pool).bad_frees == 0);
  check(tern_pkt_pool_get_stats(&arp_pool).bad_frees == 0);
  tern_time next;
  check(
      !tern_timer_queue_next(&timers, &next)); /* the adapter's timer is gone */
  return 0;
}
