/* A pair of connected in-memory packet devices, for tests and simulations:
 * a packet end A sends, end B receives, in order, and the other way round.
 * Each direction is a bounded queue of tern_pkt linked through their
 * `next` fields, so the pair needs no storage beyond its struct: a full
 * queue makes poll_send wait, an empty one makes poll_recv wait. Packets
 * move by ownership (never copied): what B receives is the very buffer A
 * sent, still from A's pool.
 *
 *   tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
 *   static tern_memnetdev_pair pair;
 *   tern_memnetdev_init(&pair, &cfg);
 *   tern_netdev a = tern_memnetdev_a(&pair), b = tern_memnetdev_b(&pair);
 *
 * Link state is the pair's: up until tern_memnetdev_set_up(pair, false) or
 * close. set_addr (an IPv4 address: kept for tests to read; an IPv6 one
 * accepted; other lengths TERN_EINVAL) and mcast (a group of the medium,
 * else TERN_EINVAL; joins counted, a leave with none counted TERN_ENOENT)
 * are accepted; received packets are handed up with link_cast unicast
 * (the wire has no link addresses of its own).
 *
 * Single-threaded (the waker slots use the port's critical section, the
 * queues do not). */
#ifndef TERN_MEMNETDEV_H
#define TERN_MEMNETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the pair looks to its users. */
typedef struct tern_memnetdev_config {
  uint16_t mtu;       /* longer packets are dropped with TERN_EMSGSIZE */
  uint16_t headroom;  /* reported in info; also required of sent packets */
  uint8_t medium;     /* a tern_medium */
  uint8_t mac_a[6];   /* end A's address (Ethernet) */
  uint8_t mac_b[6];   /* end B's address (Ethernet) */
  uint16_t queue_len; /* packets each direction holds (at least 1) */
} tern_memnetdev_config;

/* Ethernet frames (MTU 1514), two locally administered addresses, queues
 * of 4. */
#define TERN_MEMNETDEV_CONFIG_ETHERNET                       \
  {                                                          \
    1514, 0, TERN_MEDIUM_ETHERNET, {0x02, 0, 0, 0, 0, 0x0a}, \
        {0x02, 0, 0, 0, 0, 0x0b}, 4                          \
  }

/* IP packets (MTU 1500), queues of 4. */
#define TERN_MEMNETDEV_CONFIG_IP \
  { 1500, 0, TERN_MEDIUM_IP, {0}, {0}, 4 }

/* One direction. */
typedef struct tern_memnetdev_queue {
  tern_pkt *head;
  tern_pkt *tail;
  uint16_t len;
  tern_waker_slot receiver; /* waiting for a packet */
  tern_waker_slot sender;   /* waiting for room */
} tern_memnetdev_queue;

/* One end: sends into one queue, receives from the other. */
typedef struct tern_memnetdev_end {
  struct tern_memnetdev_pair *pair;
  tern_memnetdev_queue *rx;
  tern_memnetdev_queue *tx;
  const uint8_t *mac;
  tern_netdev_stats stats;
  uint32_t events;          /* TERN_NETDEV_EV_* not yet reported */
  tern_waker_slot ev_waker; /* the task polling poll_event */
  int mcast_groups;         /* multicast joins minus leaves */
  uint8_t addr[4];          /* the last IPv4 address set_addr gave */
} tern_memnetdev_end;

typedef struct tern_memnetdev_pair {
  tern_memnetdev_config cfg;
  tern_memnetdev_queue ab; /* A sends, B receives */
  tern_memnetdev_queue ba; /* B sends, A receives */
  tern_memnetdev_end a;
  tern_memnetdev_end b;
  bool closed;
  bool down; /* the link is down (tern_memnetdev_set_up) */
} tern_memnetdev_pair;

/* Sets up a pair with cfg (copied). Returns 0, or TERN_EINVAL when pair
 * or cfg is NULL. */
int tern_memnetdev_init(tern_memnetdev_pair *pair,
                        const tern_memnetdev_config *cfg);

/* The two ends as devices. */
tern_netdev tern_memnetdev_a(tern_memnetdev_pair *pair);
tern_netdev tern_memnetdev_b(tern_memnetdev_pair *pair);

/* Takes the link down for good: frees every queued packet (counted as
 * tx_drop_down at its sender), wakes every waiter; afterwards poll_send
 * frees what it is given and returns TERN_ECLOSED, and poll_recv returns
 * TERN_ECLOSED. */
void tern_memnetdev_close(tern_memnetdev_pair *pair);

/* Takes the link down (frees what is queued, counted as tx_drop_down at
 * its sender; later sends fail with TERN_ENETDOWN and nothing is
 * received) or brings it up again. Both ends report TERN_NETDEV_EV_LINK
 * and show the state in info.flags (TERN_NETDEV_UP). */
void tern_memnetdev_set_up(tern_memnetdev_pair *pair, bool up);

/* Changes the MTU (a renegotiated link); both ends report
 * TERN_NETDEV_EV_INFO. */
void tern_memnetdev_set_mtu(tern_memnetdev_pair *pair, uint16_t mtu);

/* Packets queued from A to B and from B to A. */
uint16_t tern_memnetdev_pending_ab(const tern_memnetdev_pair *pair);
uint16_t tern_memnetdev_pending_ba(const tern_memnetdev_pair *pair);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MEMNETDEV_H */
