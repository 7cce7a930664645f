/* Fuzz target for the Ethernet adapter's receive path (and what it drives:
 * ARP, the cache, held packets, timers). The input is a script of records
 * run against a fresh adapter over a memory netdev pair:
 *
 *   0x?0 len bytes[len]   the peer puts a frame of len bytes on the wire
 *   0x?1 n                the IP layer sends a 28-byte packet to 192.0.2.n
 *   0x?2 t                virtual time moves t x 50 ms and timers fire
 *   0x?3                  the peer reads everything on the wire
 *
 * After each record the receive side is polled until it waits. Checks:
 * nothing crashes (ASan/UBSan), the statistics add up (every frame read
 * and every packet taken is counted once), at most TERN_ETH_HOLD_MAX
 * packets are held, and at the end every buffer is back in its pool (the
 * adapter leaks nothing) and no timer is armed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/ethernet.h"
#include "tern/memnetdev.h"
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
                             s->tx_drop_bad_next_hop + s->tx_drop_cache_full +
                             s->net.tx_drop_error);
  /* Held packets: no more than the bound. */
  unsigned held = 0;
  for (const tern_pkt *p = eth->held; p != NULL; p = p->next) {
    held++;
  }
  check(held <= TERN_ETH_HOLD_MAX);
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
  tern_eth_neighbour nb[2];
  frames_in = 0;
  packets_taken = 0;
  if (tern_eth_init(&eth, tern_memnetdev_b(&pair), &arp_pool, nb, 2) != 0) {
    abort();
  }
  tern_netdev ip = tern_eth_netdev(&eth);
  const uint8_t us[4] = {192, 0, 2, 2};
  tern_netdev_set_ipv4(&ip, us);
  tern_cx cx = tern_cx_make((tern_waker){count_wake, NULL});

  size_t i = 0;
  while (i < size) {
    uint8_t op = data[i++] & 3;
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
      uint8_t nh[4] = {192, 0, 2, data[i++]};
      tern_pkt *p = tern_pkt_pool_try_alloc(&wire_pool);
      if (p != NULL) {
        tern_pkt_reserve(p, 14);
        uint8_t *d = tern_pkt_put(p, 28);
        memset(d, 0, 28);
        d[0] = 0x45;
        memcpy(p->next_hop, nh, 4);
        int err;
        if (tern_netdev_poll_send(&ip, &cx, p, &err) == TERN_PENDING) {
          check(tern_pkt_len(p) == 28); /* handed back as it came */
          tern_pkt_free(p);
        } else {
          packets_taken++;
        }
      }
    } else if (op == 2 && i < size) {
      tern_sim_advance(50u * data[i++]);
      tern_timers_fire(tern_now());
    } else {
      tern_pkt *p;
      int err;
      while (tern_netdev_poll_recv(&peer, &cx, &p, &err) == TERN_READY &&
             err == 0) {
        tern_pkt_free(p);
      }
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
      tern_pkt_free(p);
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
  check(!tern_timers_next(&next)); /* the adapter's timer is gone */
  return 0;
}
