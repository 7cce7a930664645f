/* What ethernet.c (frames, neighbours, the netdev) and arp.c (the ARP
 * protocol) share. Not a public header. */
#ifndef TERN_ETHERNET_INTERNAL_H
#define TERN_ETHERNET_INTERNAL_H

#include <stdint.h>

#include "tern/ethernet.h"

/* ff:ff:ff:ff:ff:ff, one copy for both files. */
extern const uint8_t tern__eth_broadcast[6];

/* tern__eth_out(): the lower device was full (the packet is the caller's
 * again, unchanged). */
#define TERN__ETH_BUSY 1

/* tern__eth_arp_input(): the ARP packet was processed (answered or freed). */
#define TERN__ETH_CONSUMED (-1)

/* Pushes an Ethernet header (dst, our MAC, type) in front of p, which
 * has the headroom for it, and hands the frame to the lower device.
 * Returns 0 (sent; the device owns it), TERN__ETH_BUSY (p is as it was,
 * still the caller's) or the device's error (it freed p). */
int tern__eth_out(tern_eth *eth, tern_pkt *p, const uint8_t dst[6],
                  uint16_t ethertype);

/* Processes the ARP packet in p (the Ethernet header pulled): returns
 * TERN__ETH_CONSUMED (p answered or freed) or the tern_eth_rx_drop reason
 * to count (p still the caller's, to free). */
int tern__eth_arp_input(tern_eth *eth, tern_pkt *p);

/* The neighbour cache's solicitation for IPv4: a broadcast ARP request
 * for tpa (in RFC 5227 probe form while we have no address). With tpa our
 * own address (eth->ip), an RFC 5227 announcement. */
int tern__eth_arp_solicit(void *self, const uint8_t *tpa);

/* Records events for the layer above and wakes the task polling for
 * them. */
static inline void tern__eth_raise(tern_eth *eth, uint8_t events) {
  eth->events |= events;
  tern_waker_slot_wake(&eth->ev_waker);
}

#endif /* TERN_ETHERNET_INTERNAL_H */
