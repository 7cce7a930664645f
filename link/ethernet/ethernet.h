/* The Ethernet link layer: a tern_netdev of IP packets (TERN_MEDIUM_IP)
 * over a tern_netdev of Ethernet II frames (TERN_MEDIUM_ETHERNET: a TAP
 * device, the LAN9118 MAC, a memory netdev). Frames are demultiplexed by
 * EtherType: IPv4 goes up, ARP (RFC 826, RFC 1122 2.3.2, RFC 5227) is
 * answered here and fills the IPv4 neighbour cache, IPv6 goes up once an
 * IPv6 layer has attached its NDP neighbour cache. All storage is the
 * caller's.
 *
 *   static tern_eth eth;
 *   static tern_neighbour4 neighbours[8];
 *   TERN_PKT_POOL_DEFINE(arp_pool, 2, 64);   // ARP requests, announcements
 *   tern_eth_init(&eth, mac_netdev, &arp_pool, neighbours, 8);
 *   tern_netdev ip_dev = tern_eth_netdev(&eth);   // give this to IP
 *
 * Sending (poll_send): the packet is an IP packet whose next hop the IP
 * layer wrote at tern_pkt_next_hop() (the device reports
 * TERN_NETDEV_NEXT_HOP); its headroom must hold the 14-byte header after
 * the next hop's bytes, or it is refused (TERN_ENOSPC). The next hop is
 * resolved in the cache of the packet's family: broadcast (IPv4
 * 255.255.255.255) and multicast next hops map to their group MAC without
 * resolution; a reachable neighbour gets the header pushed into the headroom
 * and the frame goes to the lower device (whose PENDING makes this PENDING, the
 * packet still the caller's). An unresolved one is held (READY, the adapter
 * owns it) while the cache solicits; held packets are sent when the answer
 * comes, or dropped and counted when resolution fails. ARP frames are never
 * queued: one the lower device cannot take at once is dropped and counted
 * (ARP's retries recover).
 *
 * Receiving (poll_recv): first runs what is due (solicitations, expiry,
 * announcements) and pushes out released held packets, then reads frames:
 * IP packets are handed up with the Ethernet header pulled and
 * pkt->link_cast set (unicast, broadcast, or a joined multicast group),
 * ARP is processed (a request for our address is answered in the same
 * buffer), everything else is dropped and counted by reason. At most
 * TERN_ETH_RX_BUDGET frames per poll, then it wakes itself, so the task
 * driving it stays fair to others. Solicitations, expiry and announcements
 * run from a timer that wakes the task polling poll_recv: keep polling it.
 *
 * Events (poll_event): the lower device's (link up/down, new facts) and
 * the adapter's own: TERN_NETDEV_EV_ADDR_CONFLICT when an ARP packet from
 * another station carries our IPv4 address as its sender (RFC 5227
 * section 2.4). The link coming up restarts the announcements; going down
 * drops held packets and forgets the neighbours.
 *
 * One task per direction (as for any netdev); poll_recv and poll_send may
 * be driven by the same task. Not for interrupt context. */
#ifndef TERN_ETHERNET_H
#define TERN_ETHERNET_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/neighbour.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/port.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tunables, fixed at compile time (define them for the whole build, e.g.
 * --copt=-DTERN_ETH_RX_BUDGET=4, to change them; ethernet.c checks them).
 * None changes a struct's layout. */
#ifndef TERN_ETH_REACHABLE_MS
/* How long a resolved entry is used before it is forgotten and the next
 * packet resolves afresh (RFC 1122 2.3.2.1: entries MUST time out; any ARP
 * from the neighbour restarts the timer). */
#define TERN_ETH_REACHABLE_MS 300000u
#endif
#ifndef TERN_ETH_RETRY_MS
/* Between requests for one unresolved address (RFC 1122 2.3.2.1: at most
 * one per second per destination). */
#define TERN_ETH_RETRY_MS 1000u
#endif
#ifndef TERN_ETH_MAX_REQUESTS
/* Requests sent before resolution fails (the last is followed by one more
 * TERN_ETH_RETRY_MS of waiting). At least 1. */
#define TERN_ETH_MAX_REQUESTS 3
#endif
#ifndef TERN_ETH_ANNOUNCEMENTS
/* Gratuitous ARP announcements per address change, TERN_ETH_ANNOUNCE_MS
 * apart (RFC 5227 ANNOUNCE_NUM, ANNOUNCE_INTERVAL). 0 sends none. */
#define TERN_ETH_ANNOUNCEMENTS 2
#endif
#ifndef TERN_ETH_ANNOUNCE_MS
#define TERN_ETH_ANNOUNCE_MS 2000u
#endif
#ifndef TERN_ETH_HOLD_MAX
/* Packets waiting for neighbours (all together); over it the oldest
 * packet with a newer one to its next hop is dropped, else the oldest
 * (RFC 1122 2.3.2.2: keep at least the latest to each address). At
 * least 1. */
#define TERN_ETH_HOLD_MAX 4
#endif
#ifndef TERN_ETH_RX_BUDGET
/* Frames poll_recv handles before it yields. At least 1. */
#define TERN_ETH_RX_BUDGET 8
#endif

/* Why a received frame was dropped: index into tern_eth_stats.rx_drop. */
typedef enum tern_eth_rx_drop {
  TERN_ETH_RX_TRUNCATED = 0,   /* shorter than the 14-byte header */
  TERN_ETH_RX_NOT_ETHERNET_II, /* an 802.3 length field (LLC/SNAP) */
  TERN_ETH_RX_VLAN,            /* an 802.1Q/802.1ad VLAN tag */
  TERN_ETH_RX_OTHER_HOST,      /* unicast to another station */
  TERN_ETH_RX_MULTICAST,       /* a group address we did not join */
  TERN_ETH_RX_BAD_SOURCE,      /* source is a group address */
  TERN_ETH_RX_ETHERTYPE,       /* no protocol here for it: LLDP, ..., IPv6
                                  with no IPv6 layer attached */
  TERN_ETH_RX_ARP_MALFORMED,   /* tern_arp_valid refused it: < 28 bytes,
                                  not Ethernet/IPv4, not request/reply */
  TERN_ETH_RX_ARP_BAD_SENDER,  /* sha is ours or a group or zero address,
                                  or spa is multicast/reserved */
  TERN_ETH_RX_ARP_CONFLICT,    /* spa is our address from another station
                                  (RFC 5227 section 2.4) */
  TERN_ETH_RX_DROP_COUNT
} tern_eth_rx_drop;

/* Counters; they wrap at 2^32. Each event is counted once.
 *
 * Every frame read from the lower device is in exactly one of
 * net.rx_packets (IP handed up), rx_arp and rx_drop[].
 *
 * Every packet poll_send takes (READY) is in exactly one of net.tx_packets
 * (accepted, *err == 0: sent at once or held), net.tx_drop_no_room
 * (TERN_ENOSPC), tx_drop_bad_next_hop (TERN_EINVAL), tx_drop_family
 * (TERN_EAFNOSUPPORT), tx_drop_cache_full (TERN_ENOMEM),
 * net.tx_drop_down (TERN_ENETDOWN: a unicast next hop while the link is
 * down) and net.tx_drop_error (the lower device refused it: its error,
 * e.g. TERN_EMSGSIZE for a packet over the MTU). A held packet that is
 * not sent in the end is in held_drop_overflow or held_drop_failed. */
typedef struct tern_eth_stats {
  /* What tern_netdev_get_stats() returns for the adapter. Its rx_drop_*
   * and tx_drop_too_long fields stay 0: receive drops are in rx_drop[]. */
  tern_netdev_stats net;
  uint32_t rx_arp;               /* well-formed ARP packets processed */
  uint32_t arp_tx_fail;          /* ARP frames not sent: pool empty, or the
                                    lower device was full or refused them */
  uint32_t held_drop_overflow;   /* held packets dropped for newer ones */
  uint32_t held_drop_failed;     /* held packets dropped: the neighbour
                                    never answered (or its entry expired
                                    or was evicted before the lower device
                                    had room), the link went down, or the
                                    lower device refused them */
  uint32_t tx_drop_bad_next_hop; /* next hop unspecified (0.0.0.0, ::) */
  uint32_t tx_drop_family;       /* not IPv4, nor IPv6 with a cache */
  uint32_t tx_drop_cache_full;   /* a new resolution was refused */
  uint32_t rx_drop[TERN_ETH_RX_DROP_COUNT];
} tern_eth_stats;

/* One multicast group the adapter accepts: a group MAC and how many times
 * it was joined. */
typedef struct tern_eth_group {
  uint8_t mac[6];
  uint8_t refs; /* 0: the slot is free */
} tern_eth_group;

/* The adapter. Caller storage; fields are private. */
typedef struct tern_eth {
  tern_netdev lower;
  uint32_t ip;            /* our IPv4 address, its 4 bytes in wire order
                             (memcpy'd): 0.0.0.0, none, is 0 */
  uint32_t probe;         /* an address being probed (tern_eth_probe), in
                             the same form; 0: none */
  uint8_t mac[6];         /* ours: the lower device's */
  uint8_t announce_left;  /* RFC 5227 announcements still to send */
  uint8_t events;         /* TERN_NETDEV_EV_* not yet reported */
  uint8_t lower_up;       /* the lower link was up at the last look */
  uint8_t n_groups;       /* slots in groups */
  tern_time announce_at;  /* when the next announcement is due */
  tern_neigh_cache arp;   /* IPv4 next hops, filled by ARP */
  tern_neigh_cache *ndp;  /* IPv6 next hops, or NULL (no IPv6 layer) */
  tern_eth_group *groups; /* the multicast filter (caller storage) */
  /* The multicast filter's code (joins, leaves, lookups), set by
   * tern_eth_set_groups: a program that never calls it links none of it. */
  const struct tern__eth_filter *filter;
  /* Packets waiting for a neighbour, oldest first, linked through
   * pkt->next and keyed by their next hop: held while it resolves, then
   * until the lower device has room. */
  tern_pkt *held;
  tern_pkt_pool *pool; /* ARP requests and announcements */
  tern_eth_stats stats;
  tern_cx own; /* the adapter's own waker, for the lower device and timer */
  tern_timer timer;
  tern_waker_slot rx_waker; /* the task polling poll_recv */
  tern_waker_slot tx_waker; /* the task polling poll_send */
  tern_waker_slot ev_waker; /* the task polling poll_event */
} tern_eth;

/* Sets up the adapter over `lower` (a TERN_MEDIUM_ETHERNET device with a
 * valid unicast MAC), taking ARP frames from `pool` with
 * tern_pkt_pool_try_alloc (its buffers must hold the lower headroom plus
 * 42 bytes) and keeping n_entries (1 to 65535) IPv4 neighbours in
 * `neighbours`; at most a quarter of them (at least one) resolve at once.
 * No address yet: the IP layer sets one (tern_netdev_set_addr). No
 * multicast groups until tern_eth_set_groups. Returns 0 or TERN_EINVAL
 * (eth NULL or a lower device without ops; otherwise the adapter is
 * cleared first, so a refused one is left zeroed). */
int tern_eth_init(tern_eth *eth, tern_netdev lower, tern_pkt_pool *pool,
                  tern_neighbour4 *neighbours, size_t n_entries);

/* Gives the adapter room for n multicast groups (caller storage, kept
 * until deinit; the groups joined so far are forgotten). Without it every
 * join fails with TERN_ENOMEM; broadcast is always received. Returns 0 or
 * TERN_EINVAL (eth NULL, n above 255, or groups NULL with n > 0). */
int tern_eth_set_groups(tern_eth *eth, tern_eth_group *groups, size_t n);

/* Attaches the IPv6 layer's neighbour cache (NDP fills it: 16-byte
 * addresses): from then on IPv6 frames are handed up and IPv6 packets sent,
 * their next hops resolved in `ndp`, and the headroom reported grows by 12
 * bytes for their 16-byte next hops. Returns 0, TERN_EINVAL (eth or ndp
 * NULL, or a cache of other addresses) or, in an IPv4-only build
 * (TERN_CONFIG_IPV6 0, which has no IPv6 layer), TERN_EAFNOSUPPORT. */
int tern_eth_attach_ndp(tern_eth *eth, tern_neigh_cache *ndp);

/* Stops the adapter: cancels its timer and frees every packet it holds.
 * Call it before the storage goes away (the timer is in an executor's
 * queue). The storage may be initialised again afterwards. */
void tern_eth_deinit(tern_eth *eth);

/* The adapter as a netdev of IP packets: MTU = lower MTU - 14, headroom =
 * lower headroom + 14 + the next hop's bytes (4; 16 once NDP is attached),
 * flags = the lower device's TERN_NETDEV_UP and TERN_NETDEV_NEXT_HOP, mac =
 * the lower device's. Its set_addr op (len 4) sets the address ARP answers
 * for and, on a change to a non-zero address, sends
 * TERN_ETH_ANNOUNCEMENTS gratuitous ARPs TERN_ETH_ANNOUNCE_MS apart (only
 * while the link is up: set while it is down, from the link-up); addr
 * NULL is TERN_EINVAL; its mcast op maps an IPv4 (RFC 1112 6.4) or IPv6
 * (RFC 2464 7) group to its MAC, keeps it in the filter and passes it to
 * the lower device (an IPv6 group is TERN_EAFNOSUPPORT in an IPv4-only
 * build, TERN_CONFIG_IPV6 0). */
tern_netdev tern_eth_netdev(tern_eth *eth);

/* Probes addr before the layer above uses it (RFC 5227 2.1.1: a DHCP
 * client): sends one ARP probe (who-has addr, from 0.0.0.0) now, and from
 * now on reports TERN_NETDEV_EV_ADDR_CONFLICT (counted as
 * TERN_ETH_RX_ARP_CONFLICT) for an ARP packet from another station whose
 * sender is addr, or that probes addr too (sender 0.0.0.0, target addr).
 * Call it once per probe; addr 0.0.0.0 stops watching. With addr the
 * adapter's own address it sends one RFC 5227 announcement of it instead
 * (a defence against a conflict, section 2.4 (b)). Returns 0, the
 * send's error (TERN_ENOBUFS: the pool was empty; the watch stays), or
 * TERN_EBUSY (the adapter has another address: a probe comes from
 * 0.0.0.0; nothing sent or watched), TERN_ENETDOWN (the lower device's link is
 * down now: nothing sent or watched, probe again once it is up),
 * TERN_EINVAL (eth or addr NULL, or addr no host's: 0/8 but 0.0.0.0,
 * 127/8, 224.0.0.0 and up; nothing changes). */
int tern_eth_probe(tern_eth *eth, const tern_ipv4_addr *addr);

/* The adapter's counters. */
const tern_eth_stats *tern_eth_get_stats(const tern_eth *eth);

/* The counters of the adapter's ARP cache (resolutions completed, failed
 * and refused, evictions, expiries). The NDP cache's are its owner's. */
const tern_neigh_stats *tern_eth_get_arp_stats(const tern_eth *eth);

/* A short name for a tern_eth_rx_drop ("other-host"); "unknown" else. */
const char *tern_eth_rx_drop_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* TERN_ETHERNET_H */
