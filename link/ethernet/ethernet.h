/* The Ethernet link layer: a tern_netdev of IPv4 packets (TERN_MEDIUM_IP)
 * over a tern_netdev of Ethernet II frames (TERN_MEDIUM_ETHERNET: a TAP
 * device, the LAN9118 MAC, a memory netdev), resolving next hops with ARP
 * (RFC 826, RFC 1122 section 2.3.2) and announcing our address with
 * gratuitous ARP (RFC 5227 section 3). All storage is the caller's.
 *
 *   static tern_eth eth;
 *   static tern_eth_neighbour neighbours[8];
 *   TERN_PKT_POOL_DEFINE(arp_pool, 2, 64);   // ARP replies and requests
 *   tern_eth_init(&eth, mac_netdev, &arp_pool, neighbours, 8, NULL);
 *   tern_netdev ip_dev = tern_eth_netdev(&eth);   // give this to IP
 *
 * Sending (poll_send): the packet is an IPv4 packet whose pkt->next_hop the
 * IP layer has set. 255.255.255.255 goes to the Ethernet broadcast address
 * and 224.0.0.0/4 to its RFC 1112 section 6.4 group address; a resolved
 * neighbour gets the header pushed into the headroom and the frame goes to
 * the lower device (whose PENDING makes this PENDING, packet still the
 * caller's). An unresolved one is held (READY, the adapter owns it) while
 * ARP requests go out; held packets are sent when the reply comes, or
 * dropped and counted when resolution fails.
 *
 * Receiving (poll_recv): first pushes out what the adapter itself must send
 * (ARP replies and requests, released held packets, announcements), then
 * reads frames: IPv4 is handed up with the Ethernet header pulled, ARP is
 * processed, everything else is dropped and counted by reason. It handles
 * at most cfg.rx_budget frames per poll and then wakes itself, so the task
 * driving it stays fair to others. Retries, expiry and announcements run
 * from a timer that wakes the task polling poll_recv: keep polling it.
 *
 * One task per direction (as for any netdev); poll_recv and poll_send may
 * be driven by the same task. Not for interrupt context. */
#ifndef TERN_ETHERNET_H
#define TERN_ETHERNET_H

#include <stddef.h>
#include <stdint.h>

#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/port.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Neighbour cache entry states. */
typedef enum tern_eth_nb_state {
  TERN_ETH_NB_FREE = 0,       /* unused slot */
  TERN_ETH_NB_INCOMPLETE = 1, /* requests sent, no answer yet */
  TERN_ETH_NB_REACHABLE = 2,  /* mac is valid until deadline */
} tern_eth_nb_state;

/* One neighbour cache entry (16 bytes). The caller provides an array of
 * them; zero-initialisation is not needed (init clears it). */
typedef struct tern_eth_neighbour {
  tern_time deadline; /* INCOMPLETE: next request; REACHABLE: expiry */
  uint8_t ip[4];      /* network order */
  uint8_t mac[6];
  uint8_t state; /* tern_eth_nb_state */
  uint8_t tries; /* requests sent while INCOMPLETE */
} tern_eth_neighbour;

/* Tunables. TERN_ETH_CONFIG_DEFAULT gives the values documented here and in
 * README.md; init takes NULL for it. */
typedef struct tern_eth_config {
  /* How long a resolved entry is used before it is forgotten and the next
   * packet resolves afresh (RFC 1122 2.3.2.1: entries MUST time out; any
   * ARP from the neighbour restarts the timer). Default 300000 (5 min). */
  uint32_t reachable_ms;
  /* Between requests for one unresolved address (RFC 1122 2.3.2.1: at most
   * one per second per destination). Default 1000. */
  uint32_t retry_ms;
  /* Between gratuitous ARP announcements (RFC 5227 ANNOUNCE_INTERVAL).
   * Default 2000. */
  uint32_t announce_ms;
  /* Requests sent before resolution fails (the last is followed by one
   * more retry_ms of waiting). Default 3. At least 1. */
  uint8_t max_requests;
  /* Packets held for one unresolved neighbour; the oldest is dropped for a
   * new one (RFC 1122 2.3.2.2: keep at least the latest). Default 3. */
  uint8_t hold_per_neighbour;
  /* Packets held for all neighbours together. Default 6. */
  uint8_t hold_max;
  /* Frames poll_recv handles before it yields. Default 8. At least 1. */
  uint8_t rx_budget;
  /* Announcements per address change (RFC 5227 ANNOUNCE_NUM). Default 2;
   * 0 sends none. */
  uint8_t announcements;
  /* ARP frames the adapter may have queued for the lower device at once
   * (replies, requests, announcements), so a stuck device cannot drain the
   * pool. Default 4. */
  uint8_t arp_queue_max;
} tern_eth_config;

#define TERN_ETH_CONFIG_DEFAULT \
  { 300000u, 1000u, 2000u, 3, 3, 6, 8, 2, 4 }

/* Why a received frame was dropped: index into tern_eth_stats.rx_drop. */
typedef enum tern_eth_rx_drop {
  TERN_ETH_RX_TRUNCATED = 0,   /* shorter than the 14-byte header */
  TERN_ETH_RX_NOT_ETHERNET_II, /* 802.3 length field (LLC/SNAP) */
  TERN_ETH_RX_VLAN,            /* 802.1Q / 802.1ad tagged */
  TERN_ETH_RX_OTHER_HOST,      /* unicast to another station */
  TERN_ETH_RX_MULTICAST,       /* group address other than broadcast */
  TERN_ETH_RX_BAD_SOURCE,      /* source is a group address */
  TERN_ETH_RX_IPV6,            /* EtherType 0x86dd: no IPv6 yet */
  TERN_ETH_RX_ETHERTYPE,       /* any other EtherType */
  TERN_ETH_RX_IPV4_MALFORMED,  /* < 20 bytes or version is not 4 */
  TERN_ETH_RX_ARP_MALFORMED,   /* parser refused it; see arp_drop */
  TERN_ETH_RX_ARP_BAD_SENDER,  /* sha is ours or a group/zero address,
                                  or spa is multicast/reserved */
  TERN_ETH_RX_DROP_COUNT
} tern_eth_rx_drop;

/* Why a packet given to poll_send was refused (freed, *err < 0): index
 * into tern_eth_stats.tx_drop. */
typedef enum tern_eth_tx_drop {
  TERN_ETH_TX_TOO_LONG = 0, /* longer than the MTU: TERN_EMSGSIZE */
  TERN_ETH_TX_NO_ROOM,      /* headroom < 14: TERN_ENOSPC */
  TERN_ETH_TX_BAD_NEXT_HOP, /* next hop 0.0.0.0: TERN_EINVAL */
  TERN_ETH_TX_CACHE_FULL,   /* every entry is resolving: TERN_ENOMEM */
  TERN_ETH_TX_LOWER,        /* the lower device refused it (its error) */
  TERN_ETH_TX_DROP_COUNT
} tern_eth_tx_drop;

/* Counters; they wrap at 2^32. Every frame received from the lower device
 * is counted in rx_frames and in exactly one of rx_ipv4, rx_arp and
 * rx_drop[]. Every packet poll_send takes (READY) is counted in tx_packets
 * and in exactly one of tx_sent, tx_held and tx_drop[]; every held packet
 * ends in tx_released, held_drop_overflow or held_drop_failed (or is
 * still held). */
typedef struct tern_eth_stats {
  uint32_t rx_frames; /* frames read from the lower device */
  uint32_t rx_ipv4;   /* IPv4 packets handed up */
  uint32_t rx_arp;    /* well-formed ARP packets processed */
  uint32_t rx_drop[TERN_ETH_RX_DROP_COUNT];
  /* Malformed ARP by the parser's reason, indexed by -tern_arp_drop (the
   * sum of [1..] is rx_drop[TERN_ETH_RX_ARP_MALFORMED]). */
  uint32_t arp_drop[6];
  uint32_t arp_requests_rx;
  uint32_t arp_replies_rx;
  uint32_t arp_requests_tx; /* who-has sent (queued for the lower device) */
  uint32_t arp_replies_tx;
  uint32_t arp_announce_tx;
  uint32_t arp_conflicts; /* someone else claims our address (RFC 5227) */
  uint32_t arp_tx_fail;   /* an ARP frame could not be built: pool empty
                             (try_alloc failed), buffer too small, or
                             arp_queue_max frames already queued */
  uint32_t tx_packets;    /* packets poll_send took */
  uint32_t tx_sent;       /* of those, handed to the lower device at once */
  uint32_t tx_held;       /* of those, held for resolution */
  uint32_t tx_drop[TERN_ETH_TX_DROP_COUNT];
  uint32_t tx_released;        /* held packets queued once resolved */
  uint32_t held_drop_overflow; /* held packets dropped for newer ones */
  uint32_t held_drop_failed;   /* held packets dropped: resolution failed */
  uint32_t resolve_failures;   /* neighbours that never answered */
  uint32_t queue_lower_errors; /* queued frames the lower device refused */
  uint32_t cache_evictions;    /* reachable entries replaced when full */
  uint32_t cache_expiries;     /* reachable entries timed out */
} tern_eth_stats;

/* The adapter. Caller storage; fields are private. */
typedef struct tern_eth {
  tern_netdev lower;
  tern_pkt_pool *pool;    /* ARP frames */
  tern_eth_neighbour *nb; /* the cache */
  uint16_t n_nb;
  uint16_t lower_headroom; /* reserved in ARP frames */
  tern_eth_config cfg;
  uint8_t mac[6];
  uint8_t ip[4];
  uint8_t n_held;
  uint8_t n_arp_queued;
  uint8_t announce_left;
  tern_time announce_at;
  tern_pkt *held_head; /* packets awaiting resolution, oldest first */
  tern_pkt *held_tail;
  tern_pkt *txq_head; /* frames for the lower device, oldest first */
  tern_pkt *txq_tail;
  tern_timer timer;
  tern_waker_slot rx_waker; /* the task polling poll_recv */
  tern_waker_slot tx_waker; /* the task polling poll_send */
  tern_eth_stats stats;
  tern_netdev_stats nstats;
} tern_eth;

/* Sets up the adapter over `lower` (a TERN_MEDIUM_ETHERNET device with a
 * valid unicast MAC), taking ARP frames from `pool` with
 * tern_pkt_pool_try_alloc (its buffers must hold the lower headroom plus
 * 42 bytes) and keeping n_entries neighbours in `neighbours`. cfg may be
 * NULL for TERN_ETH_CONFIG_DEFAULT (it is copied). No address yet: set one
 * with tern_netdev_set_ipv4. Returns 0 or TERN_EINVAL. */
int tern_eth_init(tern_eth *eth, tern_netdev lower, tern_pkt_pool *pool,
                  tern_eth_neighbour *neighbours, size_t n_entries,
                  const tern_eth_config *cfg);

/* Stops the adapter: cancels its timer and frees every packet it holds or
 * has queued. Call it before the storage goes away (the timer is in a
 * global queue). The storage may be initialised again afterwards. */
void tern_eth_deinit(tern_eth *eth);

/* The adapter as a netdev of IPv4 packets: MTU = lower MTU - 14, headroom
 * = lower headroom + 14, mac = the lower device's. Its set_ipv4 op sets the
 * address ARP answers for and, on a change to a non-zero address, sends
 * cfg.announcements gratuitous ARPs cfg.announce_ms apart. */
tern_netdev tern_eth_netdev(tern_eth *eth);

/* The adapter's counters. */
const tern_eth_stats *tern_eth_get_stats(const tern_eth *eth);

/* A short name for a tern_eth_rx_drop ("other-host"); "unknown" else. */
const char *tern_eth_rx_drop_name(int reason);

/* A short name for a tern_eth_tx_drop; "unknown" else. */
const char *tern_eth_tx_drop_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* TERN_ETHERNET_H */
