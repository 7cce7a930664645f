/* The Ethernet link layer: a tern_netdev of IPv4 packets (TERN_MEDIUM_IP)
 * over a tern_netdev of Ethernet II frames (TERN_MEDIUM_ETHERNET: a TAP
 * device, the LAN9118 MAC, a memory netdev), resolving next hops with ARP
 * (RFC 826, RFC 1122 section 2.3.2) and announcing our address with
 * gratuitous ARP (RFC 5227 section 3). All storage is the caller's.
 *
 *   static tern_eth eth;
 *   static tern_eth_neighbour neighbours[8];
 *   TERN_PKT_POOL_DEFINE(arp_pool, 2, 64);   // ARP requests, announcements
 *   tern_eth_init(&eth, mac_netdev, &arp_pool, neighbours, 8);
 *   tern_netdev ip_dev = tern_eth_netdev(&eth);   // give this to IP
 *
 * Sending (poll_send): the packet is an IPv4 packet whose pkt->next_hop the
 * IP layer has set. 255.255.255.255 goes to the Ethernet broadcast address
 * and 224.0.0.0/4 to its RFC 1112 section 6.4 group address; a resolved
 * neighbour gets the header pushed into the headroom and the frame goes to
 * the lower device (whose PENDING makes this PENDING, packet still the
 * caller's). An unresolved one is held (READY, the adapter owns it) while
 * ARP requests go out; held packets are sent when the reply comes, or
 * dropped and counted when resolution fails. ARP frames are never queued:
 * one the lower device cannot take at once is dropped and counted (ARP's
 * retries recover).
 *
 * Receiving (poll_recv): first runs what is due (ARP retries, expiry,
 * announcements) and pushes out released held packets, then reads frames:
 * IPv4 is handed up with the Ethernet header pulled, ARP is processed (a
 * request for our address is turned into its reply in the same buffer),
 * everything else is dropped and counted by reason. It handles at most
 * TERN_ETH_RX_BUDGET frames per poll and then wakes itself, so the task
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
  TERN_ETH_NB_ANNOUNCING = 3, /* tern_eth.self only: announcements due */
} tern_eth_nb_state;

/* One neighbour cache entry (16 bytes). The caller provides an array of
 * them; zero-initialisation is not needed (init clears it). The adapter
 * keeps one more for itself (tern_eth.self): our MAC and address, and the
 * announcements still to send in place of requests. */
typedef struct tern_eth_neighbour {
  tern_time deadline; /* INCOMPLETE: next request; REACHABLE: expiry */
  uint8_t state;      /* tern_eth_nb_state */
  uint8_t tries;      /* requests (announcements) still to send; 0 when
                         REACHABLE */
  uint8_t mac[6];     /* followed by ip: an ARP packet's sender fields */
  uint32_t ip;        /* the address bytes in network order, as a word */
} tern_eth_neighbour;

/* Tunables, fixed at compile time (define them for the whole build, e.g.
 * --copt=-DTERN_ETH_RX_BUDGET=4, to change them; ethernet.c checks them). */
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
/* Packets waiting for neighbours (all together); over it the oldest is
 * dropped (RFC 1122 2.3.2.2: keep at least the latest). At least 1. */
#define TERN_ETH_HOLD_MAX 4
#endif
#ifndef TERN_ETH_RX_BUDGET
/* Frames poll_recv handles before it yields. At least 1. */
#define TERN_ETH_RX_BUDGET 8
#endif

/* Why a received frame was dropped: index into tern_eth_stats.rx_drop. */
typedef enum tern_eth_rx_drop {
  TERN_ETH_RX_TRUNCATED = 0,  /* shorter than the 14-byte header */
  TERN_ETH_RX_OTHER_HOST,     /* unicast to another station */
  TERN_ETH_RX_MULTICAST,      /* group address other than broadcast */
  TERN_ETH_RX_BAD_SOURCE,     /* source is a group address */
  TERN_ETH_RX_ETHERTYPE,      /* neither IPv4 nor ARP: IPv6, LLDP, ..., an
                                 802.3 length field (LLC/SNAP) or an
                                 802.1Q/802.1ad VLAN tag */
  TERN_ETH_RX_ARP_MALFORMED,  /* < 28 bytes, not Ethernet/IPv4 (htype 1,
                                 ptype 0x0800, hlen 6, plen 4), or not a
                                 request or reply */
  TERN_ETH_RX_ARP_BAD_SENDER, /* sha is ours or a group or zero address,
                                 or spa is multicast/reserved */
  TERN_ETH_RX_ARP_CONFLICT,   /* spa is our address from another station
                                 (RFC 5227 section 2.4) */
  TERN_ETH_RX_DROP_COUNT
} tern_eth_rx_drop;

/* Counters; they wrap at 2^32. Each event is counted once.
 *
 * Every frame read from the lower device is in exactly one of
 * net.rx_packets (IPv4 handed up), rx_arp and rx_drop[].
 *
 * Every packet poll_send takes (READY) is in exactly one of net.tx_packets
 * (accepted, *err == 0: sent at once or held), net.tx_drop_no_room
 * (TERN_ENOSPC), tx_drop_bad_next_hop (TERN_EINVAL), tx_drop_cache_full
 * (TERN_ENOMEM) and net.tx_drop_error (the lower device refused it: its
 * error, e.g. TERN_EMSGSIZE for a packet over the MTU: the adapter leaves
 * that check to the lower device, so net.tx_drop_too_long stays 0). A held
 * packet that is not sent in the end is in held_drop_overflow or
 * held_drop_failed. */
typedef struct tern_eth_stats {
  /* What tern_netdev_get_stats() returns for the adapter. Its rx_drop_*,
   * tx_drop_too_long and tx_drop_down fields stay 0: receive drops are in
   * rx_drop[]. */
  tern_netdev_stats net;
  uint32_t rx_arp;               /* well-formed ARP packets processed */
  uint32_t arp_tx_fail;          /* ARP frames not sent: pool empty
                                    (try_alloc failed), or the lower device
                                    was full or refused them */
  uint32_t held_drop_overflow;   /* held packets dropped for newer ones */
  uint32_t held_drop_failed;     /* held packets dropped: the neighbour
                                    never answered (or its entry was
                                    evicted or expired before the lower
                                    device had room), or the lower device
                                    refused them */
  uint32_t tx_drop_bad_next_hop; /* next hop 0.0.0.0 */
  uint32_t tx_drop_cache_full;   /* every entry is resolving */
  uint32_t resolve_failures;     /* neighbours that never answered */
  uint32_t rx_drop[TERN_ETH_RX_DROP_COUNT];
} tern_eth_stats;

/* The adapter. Caller storage; fields are private (ordered so that the
 * ones the code touches most are within Cortex-M0's short load offsets;
 * self first, so that its address is the adapter's: service() ends its
 * walk there with one compare, and our MAC is within an add's 3-bit
 * immediate). */
typedef struct tern_eth {
  /* mac and ip: ours (ip 0 for none), the sender fields of our ARP
   * packets; ANNOUNCING while announcements are due (tries of them left,
   * the next at deadline), as an entry is INCOMPLETE while requests are. */
  tern_eth_neighbour self;
  tern_netdev lower;
  tern_eth_neighbour *nb; /* the cache, nb[0] .. nb_end[-1] */
  tern_eth_neighbour *nb_end;
  /* Packets waiting for a neighbour, oldest first, linked through
   * pkt->next and keyed by pkt->next_hop: held while it resolves, then
   * until the lower device has room. */
  tern_pkt *held;
  tern_pkt_pool *pool; /* ARP requests and announcements */
  tern_time now;       /* the clock when service() last ran */
  tern_eth_stats stats;
  tern_cx own; /* the adapter's own waker, for the lower device and timer */
  tern_timer timer;
  tern_waker_slot rx_waker; /* the task polling poll_recv */
  tern_waker_slot tx_waker; /* the task polling poll_send */
} tern_eth;

/* Sets up the adapter over `lower` (a TERN_MEDIUM_ETHERNET device with a
 * valid unicast MAC), taking ARP frames from `pool` with
 * tern_pkt_pool_try_alloc (its buffers must hold the lower headroom plus
 * 42 bytes) and keeping n_entries neighbours in `neighbours`. No address
 * yet: set one with tern_netdev_set_ipv4. Returns 0 or TERN_EINVAL. */
int tern_eth_init(tern_eth *eth, tern_netdev lower, tern_pkt_pool *pool,
                  tern_eth_neighbour *neighbours, size_t n_entries);

/* Stops the adapter: cancels its timer and frees every packet it holds. Call it
 * before the storage goes away (the timer is in a global queue). The storage
 * may be initialised again afterwards. */
void tern_eth_deinit(tern_eth *eth);

/* The adapter as a netdev of IPv4 packets: MTU = lower MTU - 14, headroom
 * = lower headroom + 14, mac = the lower device's. Its set_ipv4 op sets the
 * address ARP answers for and, on a change to a non-zero address, sends
 * TERN_ETH_ANNOUNCEMENTS gratuitous ARPs TERN_ETH_ANNOUNCE_MS apart. */
tern_netdev tern_eth_netdev(tern_eth *eth);

/* The adapter's counters. */
const tern_eth_stats *tern_eth_get_stats(const tern_eth *eth);

/* A short name for a tern_eth_rx_drop ("other-host"); "unknown" else. */
const char *tern_eth_rx_drop_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* TERN_ETHERNET_H */
